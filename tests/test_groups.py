"""Groepen: all groups (the parent's children's groups blue, the others black) and a
group page with teachers, pupils and parents, loaded in a bounded number of queries."""
import re

import pytest
from markupsafe import escape

from app.extensions import db
from app.models import ContactNumber, PrivacySetting
from tests.factories import AdminFactory, GroupFactory, family, teacher_of
from tests.fixtures.queries import recorded_statements


@pytest.fixture
def groups(app):
    return [GroupFactory(name=name, sort_order=index) for index, name in enumerate(["1/2a", "3", "6", "8"])]


def button_classes(html):
    """{group label: 'blue'|'black'} from the Groepen list."""
    found = {}
    for classes, label in re.findall(r'<a class="button (blue|black)" href="/groepen/\d+">(Groep [^<]+?)(?:<|$)', html):
        found[label] = classes
    return found


def test_parent_sees_all_groups_own_blue_others_black(groups, login_as):
    _, (parent,) = family(group=groups[1])
    from tests.factories import ChildFactory, GuardianshipFactory

    GuardianshipFactory(parent=parent, child=ChildFactory(group=groups[2]))
    html = login_as(parent).get("/groepen/").get_data(as_text=True)
    assert button_classes(html) == {"Groep 1/2a": "black", "Groep 3": "blue", "Groep 6": "blue", "Groep 8": "black"}
    assert html.index("Groep 1/2a") < html.index("Groep 3") < html.index("Groep 8")  # school order


def test_teacher_sees_own_groups_blue(groups, login_as):
    teacher = teacher_of(groups[3])
    html = login_as(teacher).get("/groepen/").get_data(as_text=True)
    assert button_classes(html) == {"Groep 1/2a": "black", "Groep 3": "black", "Groep 6": "black", "Groep 8": "blue"}


def test_group_page_shows_teacher_pupils_and_parents(groups, login_as):
    group = groups[1]
    teacher = teacher_of(group, first_name="Anna", last_name="de Vries")
    child, (mother, father) = family(group=group, parents=2, first_name="Sam", last_name="Jansen")
    former, (former_parent,) = family(group=group, first_name="Oud", last_name="Leerling")
    from datetime import date

    former.left_at = date(2025, 7, 1)
    _, (viewer,) = family(group=groups[2])
    db.session.commit()
    html = login_as(viewer).get(f"/groepen/{group.id}").get_data(as_text=True)
    assert "<h1>Groep 3</h1>" in html
    assert "Anna de Vries" in html and "Sam Jansen" in html
    assert str(escape(mother.name)) in html and str(escape(father.name)) in html
    assert "Oud Leerling" not in html and str(escape(former_parent.name)) not in html
    assert "Aantal leerlingen</dt><dd>1<" in html


def test_unknown_group_is_404(groups, login_as):
    _, (parent,) = family(group=groups[0])
    assert login_as(parent).get("/groepen/999").status_code == 404


def _fill_group(group, count):
    """`count` pupils, each with two parents who opened all their fields to the school."""
    for index in range(count):
        child, parents = family(group=group, parents=2)
        child.photo_id = None
        for parent in parents:
            parent.phone_mobile = f"06-{10000000 + index:08d}"
            db.session.add(ContactNumber(user_id=parent.id, label="werk", number="0548-000000"))
            for field in ("phone_mobile", "extra_numbers", "address", "email"):
                db.session.add(PrivacySetting(user_id=parent.id, field=field, visibility="school"))
        db.session.add(PrivacySetting(child_id=child.id, field="birthday", visibility="group"))
    db.session.commit()


def _count_queries(client, path):
    with recorded_statements() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


@pytest.mark.parametrize("viewer_kind", ["parent", "office"])
def test_group_page_query_count_does_not_grow_with_the_group(groups, login_as, viewer_kind):
    small, big = groups[1], groups[2]
    teacher_of(small)
    teacher_of(big)
    _fill_group(small, 10)
    _fill_group(big, 40)
    if viewer_kind == "parent":
        _, (viewer,) = family(group=groups[0])
    else:
        viewer = AdminFactory()
    client = login_as(viewer)
    small_count, small_html = _count_queries(client, f"/groepen/{small.id}")
    big_count, big_html = _count_queries(client, f"/groepen/{big.id}")
    assert big_html.count('class="person"') > small_html.count('class="person"') >= 30  # pupils and parents
    assert "0548-000000" in big_html  # the data really is on the page
    assert small_count == big_count, (small_count, big_count)
    assert big_count <= 15


def test_group_list_query_count_is_fixed(groups, login_as):
    _, (parent,) = family(group=groups[0])
    client = login_as(parent)
    before, _ = _count_queries(client, "/groepen/")
    for index in range(20):
        GroupFactory(name=f"x{index}")
    after, html = _count_queries(client, "/groepen/")
    assert before == after and html.count('class="button black"') == 23

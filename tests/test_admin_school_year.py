"""The new school year: a preview, then every pupil one group up in one step."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.access import parent_group_ids, visible_clause
from app.admin.school_year import plan_school_year
from app.extensions import db
from app.formatting import date_nl as datum, time_nl as tijd
from app.models import AuditEntry, Child, Group, NewsItem, utcnow
from tests.fixtures.users import csrf_from, login_client
from tests.factories import (
    AdminFactory, ChildFactory, GroupFactory, GuardianshipFactory, NewsItemFactory, ParentFactory, teacher_of,
)

URL = "/beheer/school/nieuw-schooljaar"


@pytest.fixture
def school(app):
    groups = {}
    for order, (name, level) in enumerate([("1/2a", 1), ("1/2b", 1), ("3", 3), ("4", 4), ("5", 5), ("6", 6),
                                           ("7", 7), ("8", 8)]):
        groups[name] = GroupFactory(name=name, level=level, sort_order=order, school_year="2026-2027")
    return groups


def state():
    db.session.expire_all()
    return {
        "children": sorted((c.id, c.group_id, c.left_at) for c in db.session.scalars(select(Child))),
        "years": sorted({g.school_year for g in db.session.scalars(select(Group))}),
        "audit": db.session.scalar(select(func.count()).select_from(AuditEntry)),
    }


def test_preview_then_move_every_pupil_up_in_one_step(app, school):
    g = school
    oldest_kleuter = ChildFactory(first_name="Kleuter2", group=g["1/2a"], birth_date=date(2021, 5, 1))
    youngest_kleuter = ChildFactory(first_name="Kleuter1", group=g["1/2a"], birth_date=date(2022, 3, 1))
    on_cutoff = ChildFactory(first_name="Oktober1", group=g["1/2b"], birth_date=date(2021, 10, 1))
    after_cutoff = ChildFactory(first_name="Oktober2", group=g["1/2b"], birth_date=date(2021, 10, 2))
    pupils = {name: ChildFactory(first_name=f"Groep{name}", group=g[name]) for name in ("3", "4", "5", "6", "7")}
    leaver = ChildFactory(first_name="Achtste", group=g["8"])
    leaver_with_sibling = ChildFactory(first_name="Tweede8", group=g["8"])
    former = ChildFactory(first_name="Oud", group=None, left_at=date(2025, 7, 10))
    only_leaver_parent = ParentFactory()
    GuardianshipFactory(parent=only_leaver_parent, child=leaver)
    sibling_parent = ParentFactory()
    GuardianshipFactory(parent=sibling_parent, child=leaver_with_sibling)
    GuardianshipFactory(parent=sibling_parent, child=pupils["5"])
    teacher8 = teacher_of(g["8"])
    office = login_client(app, AdminFactory())
    before = state()

    # The preview shows what will happen and changes nothing.
    page = office.get(URL)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Van 2026-2027 naar 2027-2028" in html
    assert "verlaat de school (oud-leerling)" in html
    assert f'value="{oldest_kleuter.id}" checked' in html and f'value="{on_cutoff.id}" checked' in html
    assert f'value="{youngest_kleuter.id}">' in html and f'value="{after_cutoff.id}">' in html
    assert "<strong>7</strong> leerlingen gaan een groep omhoog" in html  # 5 + two kleuters
    assert "<strong>2</strong> leerlingen van groep 8 worden oud-leerling" in html
    assert state() == before

    response = office.post(URL, data={"csrf_token": csrf_from(html), "from_year": "2026-2027", "actie": "uitvoeren",
                                      "naar_groep_3": [str(oldest_kleuter.id), str(on_cutoff.id)]})
    assert response.status_code == 302
    db.session.expire_all()
    group_of = {c.first_name: (c.group.name if c.group else None) for c in db.session.scalars(select(Child))}
    assert group_of == {"Kleuter2": "3", "Kleuter1": "1/2a", "Oktober1": "3", "Oktober2": "1/2b",
                        "Groep3": "4", "Groep4": "5", "Groep5": "6", "Groep6": "7", "Groep7": "8",
                        "Achtste": None, "Tweede8": None, "Oud": None}
    assert db.session.get(Child, leaver.id).left_at == clock.today()  # the school's (Amsterdam) day
    assert db.session.get(Child, former.id).left_at == date(2025, 7, 10)  # untouched
    assert state()["years"] == ["2027-2028"]
    assert [t.id for t in db.session.get(Group, g["8"].id).teachers] == [teacher8.id]  # teachers stay
    # Former pupils' parents lose access to current content; a parent with a sibling keeps it.
    school_news = NewsItemFactory(school_wide=True)

    def visible_news(parent):  # the access check every content list uses
        return db.session.scalars(select(NewsItem.id).where(visible_clause(parent, NewsItem))).all()
    assert visible_news(only_leaver_parent) == [] and parent_group_ids(only_leaver_parent) == set()
    assert visible_news(sibling_parent) == [school_news.id]
    assert parent_group_ids(sibling_parent) == {g["6"].id}
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before["audit"] + 9
    listing = office.get("/beheer/school/leerlingen?status=oud").get_data(as_text=True)
    assert "Achtste" in listing and "Oud" in listing

    # The same form a second time (double click, back button) changes nothing.
    after = state()
    again = office.post(URL, data={"csrf_token": csrf_from(html), "from_year": "2026-2027", "actie": "uitvoeren"})
    assert again.status_code == 422
    assert "al overgezet" in again.get_data(as_text=True)
    assert state() == after


def test_the_office_can_change_a_kindergarten_choice_in_the_preview(app, school):
    stays = ChildFactory(first_name="Oktoberkind", group=school["1/2b"], birth_date=date(2021, 10, 20))
    office = login_client(app, AdminFactory())
    token = csrf_from(office.get(URL).get_data(as_text=True))
    before = state()
    preview = office.post(URL, data={"csrf_token": token, "from_year": "2026-2027", "actie": "voorbeeld",
                                     "naar_groep_3": [str(stays.id)]})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert f'value="{stays.id}" checked' in html and "aangepast" in html
    assert state() == before
    office.post(URL, data={"csrf_token": token, "from_year": "2026-2027", "actie": "uitvoeren",
                           "naar_groep_3": [str(stays.id)]})
    db.session.expire_all()
    assert db.session.get(Child, stays.id).group.name == "3"


def test_a_missing_next_group_blocks_the_move(app):
    GroupFactory(name="4", level=4, school_year="2026-2027")
    ChildFactory(group=GroupFactory(name="3", level=3, school_year="2026-2027"))
    office = login_client(app, AdminFactory())
    html = office.get(URL).get_data(as_text=True)
    assert "Er is geen groep met leerjaar 5 voor de leerlingen van Groep 4" not in html  # groep 4 is empty
    GroupFactory(name="6", level=6, school_year="2026-2027")
    ChildFactory(group=db.session.scalar(select(Group).where(Group.name == "4")))
    html = office.get(URL).get_data(as_text=True)
    assert "Er is geen groep met leerjaar 5 voor de leerlingen van Groep 4" in html
    before = state()
    response = office.post(URL, data={"csrf_token": csrf_from(html), "from_year": "2026-2027", "actie": "uitvoeren"})
    assert response.status_code == 422
    assert state() == before


def test_parallel_groups_keep_their_letter(app):
    for name, level in (("4a", 4), ("4b", 4), ("5a", 5), ("5b", 5)):
        GroupFactory(name=name, level=level, school_year="2026-2027")
    plan = plan_school_year()
    targets = {move.group.name: move.target.name if move.target else None for move in plan.moves}
    assert targets["4a"] == "5a" and targets["4b"] == "5b"


# --- a second move of the same school year (issue 12) ------------------------------------------

WARNING = "Let op: dit schooljaar is al overgezet."


def test_a_second_move_of_the_same_school_year_warns_and_needs_an_explicit_tick(app, school):
    pupil = ChildFactory(first_name="Sem", group=school["3"])
    office = login_client(app, AdminFactory(first_name="Karin", last_name="Administratie"))
    page = office.get(URL).get_data(as_text=True)
    assert WARNING not in page and 'name="again"' not in page
    assert office.post(URL, data={"csrf_token": csrf_from(page), "from_year": "2026-2027",
                                  "actie": "uitvoeren"}).status_code == 302

    page = office.get(URL).get_data(as_text=True)
    assert "Van 2027-2028 naar 2028-2029" in page
    assert WARNING in page
    moved_at = db.session.scalar(select(func.max(AuditEntry.created_at)))
    assert (f"Op {datum(moved_at)} om {tijd(moved_at)} heeft Karin Administratie alle leerlingen een groep hoger "
            f"gezet; de groepen staan nu op schooljaar 2027-2028.") in page
    assert 'name="again"' in page

    # Without the tick: refused, nothing changes.
    before = state()
    response = office.post(URL, data={"csrf_token": csrf_from(page), "from_year": "2027-2028", "actie": "uitvoeren"})
    assert response.status_code == 422
    assert "Dit schooljaar is al overgezet. Vink aan dat u alle leerlingen echt nóg een groep hoger wilt zetten" in \
        response.get_data(as_text=True)
    assert state() == before
    # With it: the office meant it.
    response = office.post(URL, data={"csrf_token": csrf_from(page), "from_year": "2027-2028", "actie": "uitvoeren",
                                      "again": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Child, pupil.id).group.name == "5" and state()["years"] == ["2028-2029"]


@pytest.mark.parametrize("days_ago, warned", [(299, True), (301, False)])
def test_only_a_recent_move_counts_as_this_school_year(app, school, days_ago, warned):
    pupil = ChildFactory(group=school["4"])
    db.session.add(AuditEntry(actor_id=None, subject_type="child", subject_id=pupil.id, action="nieuw schooljaar",
                              fields=["group"], created_at=utcnow() - timedelta(days=days_ago)))
    db.session.commit()
    page = login_client(app, AdminFactory()).get(URL).get_data(as_text=True)
    assert (WARNING in page) is warned
    if warned:  # the account that did it was erased meanwhile: the sentence still reads
        assert "zijn alle leerlingen een groep hoger gezet" in page

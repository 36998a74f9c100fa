"""The privacy matrix (issue 3, Must show): for every field of a parent and of a child and
every level, who sees it on the group page, on the child page and through its photo URL —
and that nothing else leaks (the value absent from the HTML, the photo URL a 404).

Viewers: the owner, a parent of the same group, a parent of another group, the teacher of
the group (staff), plus the office and a teacher of another group.
"""
from datetime import date

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from app import privacy
from app.extensions import db
from app.models import AuditEntry, ContactNumber, PrivacySetting, utcnow
from tests.fixtures.mail import mail_text
from tests.fixtures.users import Auth
from tests.factories import AdminFactory, GroupFactory, family, teacher_of
from tests.test_storage import jpeg_bytes

# Distinctive values: each can only appear in the HTML because that field was shown.
PARENT_VALUES = {
    "email": ["contact.eigenaar@voorbeeld.nl"],
    "phone_mobile": ["06-11112222"],
    "phone_home": ["053-7654321"],
    "extra_numbers": ["0548-998877", "Werk bij Ten Cate"],
    "address": ["Kastanjelaan", "7461 AB", "Rijssen"],
}
CHILD_VALUES = {
    "birthday": ["3 oktober"],
    "phone": ["06-33334444"],
    "email": ["kind.eigen@voorbeeld.nl"],
    "address": ["Lindenhof", "7462 CD", "Holten"],
}
VIEWERS = ("owner", "same_group", "other_group", "teacher", "office", "other_teacher")


def expected(viewer, level):
    """The rule of app/privacy.py, written out for the test."""
    if viewer in ("owner", "teacher", "office"):
        return True
    if viewer == "same_group":
        return level in ("group", "school")
    return level == "school"  # other_group parent, teacher of another group


def upload_photo(client, url, csrf_page):
    import io

    token = Auth(client).csrf(csrf_page)
    response = client.post(url, data={"csrf_token": token, "photo": (io.BytesIO(jpeg_bytes()), "f.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


@pytest.fixture
def school(app, login_as):
    group_a = GroupFactory(name="3")
    group_b = GroupFactory(name="6")
    child, (owner,) = family(group=group_a, first_name="Pien", last_name="Eigenaar",
                             birth_date=date(2019, 10, 3), phone="06-33334444",
                             email="kind.eigen@voorbeeld.nl", street="Lindenhof", house_number="4",
                             postcode="7462 CD", city="Holten")
    owner.email = "contact.eigenaar@voorbeeld.nl"
    owner.phone_mobile, owner.phone_home = "06-11112222", "053-7654321"
    owner.street, owner.house_number, owner.postcode, owner.city = "Kastanjelaan", "17", "7461 AB", "Rijssen"
    db.session.add(ContactNumber(user_id=owner.id, label="Werk bij Ten Cate", number="0548-998877"))
    db.session.commit()
    _, (same,) = family(group=group_a)
    _, (other,) = family(group=group_b)
    people = {
        "owner": owner, "same_group": same, "other_group": other,
        "teacher": teacher_of(group_a), "office": AdminFactory(), "other_teacher": teacher_of(group_b),
    }
    clients = {name: login_as(user) for name, user in people.items()}
    upload_photo(clients["owner"], "/account/foto", "/account/")
    upload_photo(clients["owner"], f"/kinderen/{child.id}/foto", f"/kinderen/{child.id}")
    db.session.expire_all()
    return {"group": group_a, "child": child, "owner": owner, "people": people, "clients": clients}


def set_level(kind, owner_id, field, level):
    column = "user_id" if kind == "parent" else "child_id"
    db.session.add(PrivacySetting(**{column: owner_id}, field=field, visibility=level))
    db.session.commit()


def photo_urls(image_id):
    return [f"/groepen/foto/{image_id}", f"/groepen/foto/{image_id}/klein"]


def assert_shown(html, values, shown, where):
    for value in values:
        assert (value in html) is shown, f"{value!r} {'missing from' if shown else 'leaks into'} {where}"


PARENT_CASES = [(f, lvl) for f in privacy.PARENT_FIELDS for lvl in privacy.LEVELS]
CHILD_CASES = [(f, lvl) for f in privacy.CHILD_FIELDS for lvl in privacy.LEVELS]


@pytest.mark.parametrize("field,level", PARENT_CASES)
def test_parent_field_matrix(school, field, level):
    owner = school["owner"]
    set_level("parent", owner.id, field, level)
    for viewer in VIEWERS:
        client = school["clients"][viewer]
        html = client.get(f"/groepen/{school['group'].id}").get_data(as_text=True)
        assert "Pien Eigenaar" in html and str(escape(owner.name)) in html  # names are not private
        sees = expected(viewer, level)
        if field == "photo":
            urls = photo_urls(owner.photo_id)
            assert (urls[1] in html) is sees, f"photo on the group page for {viewer}"
            for url in urls:
                assert client.get(url).status_code == (200 if sees else 404), f"{url} for {viewer}"
        else:
            assert_shown(html, PARENT_VALUES[field], sees, f"the group page for {viewer}")
        # Nothing else of the owner leaks: every other field is still "staff".
        if viewer not in ("owner", "teacher", "office"):
            for other, values in PARENT_VALUES.items():
                if other != field:
                    assert_shown(html, values, False, f"the group page for {viewer} ({other})")
            for url in photo_urls(owner.photo_id) if field != "photo" else []:
                assert client.get(url).status_code == 404


@pytest.mark.parametrize("field,level", CHILD_CASES)
def test_child_field_matrix(school, field, level):
    child = school["child"]
    set_level("child", child.id, field, level)
    for viewer in VIEWERS:
        client = school["clients"][viewer]
        sees = expected(viewer, level)
        group_html = client.get(f"/groepen/{school['group'].id}").get_data(as_text=True)
        child_page = client.get(f"/kinderen/{child.id}")
        contact_page = client.get(f"/kinderen/{child.id}/bereikbaarheid")
        # The child's own pages are for its parents and the school only, whatever the level.
        own_pages = viewer in ("owner", "teacher", "office")
        assert child_page.status_code == (200 if own_pages else 404), viewer
        assert contact_page.status_code == (200 if own_pages else 404), viewer
        child_html = child_page.get_data(as_text=True) + contact_page.get_data(as_text=True)
        if field == "photo":
            urls = photo_urls(child.photo_id)
            assert (urls[1] in group_html) is sees, f"pupil photo on the group page for {viewer}"
            assert (urls[1] in child_html) is own_pages
            for url in urls:
                assert client.get(url).status_code == (200 if sees else 404), f"{url} for {viewer}"
        else:
            assert_shown(group_html, CHILD_VALUES[field], sees, f"the group page for {viewer}")
            if own_pages and field != "birthday":
                assert_shown(child_html, CHILD_VALUES[field], True, f"the child page for {viewer}")
            if own_pages and field == "birthday":
                assert "3 oktober 2019" in child_html
        if viewer not in ("owner", "teacher", "office"):
            for other, values in CHILD_VALUES.items():
                if other != field:
                    assert_shown(group_html, values, False, f"the group page for {viewer} ({other})")
            assert_shown(child_html, sum(CHILD_VALUES.values(), []), False, f"the child page for {viewer}")
            if field != "photo":
                for url in photo_urls(child.photo_id):
                    assert client.get(url).status_code == 404


def test_default_is_nobody_but_the_school(school):
    """Without any choice made, other parents see names only."""
    owner, child = school["owner"], school["child"]
    assert db.session.scalar(select(PrivacySetting.id)) is None
    for viewer in ("same_group", "other_group", "other_teacher"):
        client = school["clients"][viewer]
        html = client.get(f"/groepen/{school['group'].id}").get_data(as_text=True)
        assert str(escape(owner.name)) in html and str(escape(child.name)) in html
        for values in list(PARENT_VALUES.values()) + list(CHILD_VALUES.values()):
            assert_shown(html, values, False, f"the group page for {viewer}")
        for url in photo_urls(owner.photo_id) + photo_urls(child.photo_id):
            assert client.get(url).status_code == 404


def test_a_former_pupil_is_shown_to_nobody_else(school):
    """Leaving school ends what other families see, even with "the whole school" chosen."""
    child, owner = school["child"], school["owner"]
    for field in privacy.CHILD_FIELDS:
        set_level("child", child.id, field, "school")
    for field in privacy.PARENT_FIELDS:
        set_level("parent", owner.id, field, "school")
    child.left_at = date(2026, 7, 10)
    db.session.commit()
    same = school["clients"]["same_group"]
    html = same.get(f"/groepen/{school['group'].id}").get_data(as_text=True)
    assert str(escape(child.name)) not in html and str(escape(owner.name)) not in html
    for url in photo_urls(owner.photo_id) + photo_urls(child.photo_id):
        assert same.get(url).status_code == 404
    # Its own parent still sees the photo of their child.
    assert school["clients"]["owner"].get(photo_urls(child.photo_id)[0]).status_code == 200


def test_a_parent_without_current_pupils_sees_no_other_families(app, school, login_as):
    from tests.factories import ParentFactory

    former_child, (former,) = family(group=school["group"])
    former_child.left_at = date(2025, 7, 1)
    db.session.commit()
    for field in privacy.PARENT_FIELDS:
        set_level("parent", school["owner"].id, field, "school")
    client = login_as(former)
    assert client.get(f"/groepen/{school['group'].id}").status_code == 404
    assert client.get(photo_urls(school["owner"].photo_id)[0]).status_code == 404
    assert "geen groepen" in client.get("/groepen/").get_data(as_text=True)
    stranger = login_as(ParentFactory())
    assert stranger.get(f"/groepen/{school['group'].id}").status_code == 404


def test_group_level_follows_any_shared_group(app, school, login_as):
    """A parent with children in two groups shares "group" fields with both groups."""
    owner = school["owner"]
    set_level("parent", owner.id, "phone_mobile", "group")
    from tests.factories import ChildFactory, GuardianshipFactory

    other_group = school["people"]["other_teacher"].groups_taught[0]
    sibling = ChildFactory(group=other_group)
    GuardianshipFactory(parent=owner, child=sibling)
    html = school["clients"]["other_group"].get(f"/groepen/{school['group'].id}").get_data(as_text=True)
    assert "06-11112222" in html


def test_photos_of_albums_or_unknown_ids_are_not_served_here(app, school):
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    from app.images import save_image

    album_image = save_image(FileStorage(BytesIO(jpeg_bytes()), filename="a.jpg"), "album")
    db.session.commit()
    client = school["clients"]["office"]
    assert client.get(f"/groepen/foto/{album_image.id}").status_code == 404
    assert client.get("/groepen/foto/999999").status_code == 404
    assert client.get(f"/groepen/foto/{school['owner'].photo_id}/groot2").status_code == 404


def test_photo_responses_are_private_and_inline(school):
    response = school["clients"]["owner"].get(photo_urls(school["owner"].photo_id)[0])
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"].startswith("private")
    assert response.headers["Content-Disposition"] == "inline"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_deactivated_parent_is_not_listed(school):
    owner = school["owner"]
    # Not the child's first name (Faker may draw "Pien"): her name must vanish, the child's stays.
    owner.first_name = "Roosmarijn"
    for field in privacy.PARENT_FIELDS:
        set_level("parent", owner.id, field, "school")
    owner.deactivated_at = utcnow()
    db.session.commit()
    html = school["clients"]["same_group"].get(f"/groepen/{school['group'].id}").get_data(as_text=True)
    assert str(escape(owner.name)) not in html and "06-11112222" not in html


# --- the Privacy tabs save choices -------------------------------------------------------------

def test_privacy_tab_saves_inline_with_htmx_and_audits(school):
    client, owner = school["clients"]["owner"], school["owner"]
    token = Auth(client).csrf("/account/privacy")
    data = {name: "staff" for name in privacy.PARENT_FIELDS}
    data["phone_mobile"] = "group"
    response = client.post("/account/privacy", data=data, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<form") and "<html" not in html  # the fragment only
    assert 'hx-swap-oob="innerHTML">Opgeslagen.' in html
    assert 'checked id="phone_mobile-1"' in html
    assert privacy.user_levels(owner)["phone_mobile"] == "group"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy")).one()
    assert (entry.subject_type, entry.subject_id, entry.actor_id, entry.fields) == ("user", owner.id, owner.id,
                                                                                   ["phone_mobile"])


def test_privacy_tab_works_as_a_plain_form_post(school):
    client, child = school["clients"]["owner"], school["child"]
    token = Auth(client).csrf(f"/kinderen/{child.id}/privacy")
    data = {name: "school" for name in privacy.CHILD_FIELDS}
    data["csrf_token"] = token
    response = client.post(f"/kinderen/{child.id}/privacy", data=data)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "zijn opgeslagen" in page
    assert privacy.child_levels(child) == {name: "school" for name in privacy.CHILD_FIELDS}


@pytest.mark.parametrize("bad", ["iedereen", "", "Staff"])
def test_privacy_refuses_unknown_levels_and_changes_nothing(school, bad):
    client, owner = school["clients"]["owner"], school["owner"]
    data = {name: "group" for name in privacy.PARENT_FIELDS}
    data["photo"] = bad
    data["csrf_token"] = Auth(client).csrf("/account/privacy")
    response = client.post("/account/privacy", data=data)
    assert response.status_code == 422
    assert "Kies wie dit mag zien." in response.get_data(as_text=True)
    assert set(privacy.user_levels(owner).values()) == {"staff"}


def test_a_field_left_out_of_the_post_keeps_its_level(school):
    client, owner = school["clients"]["owner"], school["owner"]
    set_level("parent", owner.id, "photo", "school")
    data = {name: "group" for name in privacy.PARENT_FIELDS if name != "photo"}
    data["csrf_token"] = Auth(client).csrf("/account/privacy")
    assert client.post("/account/privacy", data=data).status_code == 302
    levels = privacy.user_levels(owner)
    assert levels.pop("photo") == "school"
    assert set(levels.values()) == {"group"}


def test_only_the_owner_changes_privacy(school):
    """Another parent cannot post to someone else's child's privacy (404), and the
    account privacy tab always changes the logged-in user's own choices."""
    child = school["child"]
    client = school["clients"]["same_group"]
    data = {name: "school" for name in privacy.CHILD_FIELDS}
    data["csrf_token"] = Auth(client).csrf("/account/privacy")
    assert client.post(f"/kinderen/{child.id}/privacy", data=data).status_code == 404
    assert set(privacy.child_levels(child).values()) == {"staff"}


# --- privacy choices belong to the parents: staff see them, the office only makes them stricter ----

@pytest.fixture
def staff_case(app, login_as):
    """A pupil with two parents (each their own account), their teacher and the office,
    with some choices opened up by the parents."""
    group = GroupFactory(name="4")
    child, (mother, father) = family(group=group, parents=2, first_name="Noor", last_name="Keuzes")
    mother.first_name, father.first_name = "Mirjam", "Frank"
    mother.email, father.email = "mirjam@voorbeeld.nl", "frank@voorbeeld.nl"
    db.session.commit()
    set_level("child", child.id, "address", "school")
    set_level("child", child.id, "phone", "group")
    set_level("parent", mother.id, "phone_mobile", "school")
    teacher, office = teacher_of(group), AdminFactory()
    return {"child": child, "mother": mother, "father": father, "teacher": teacher, "office": office,
            "clients": {"teacher": login_as(teacher), "office": login_as(office), "mother": login_as(mother)}}


def stored_levels():
    return sorted((row.user_id or 0, row.child_id or 0, row.field, row.visibility) for row in db.session.scalars(
        select(PrivacySetting)))


def post_privacy(client, path, values, prefix="", htmx=False):
    data = {f"{prefix}{name}": level for name, level in values.items()}
    token = Auth(client).csrf("/")
    if htmx:
        return client.post(path, data=data, headers={"HX-Request": "true", "X-CSRFToken": token})
    return client.post(path, data={**data, "csrf_token": token})


def child_path(case):
    return f"/kinderen/{case['child'].id}/privacy"


def parent_path(case, parent="mother"):
    return f"/kinderen/{case['child'].id}/privacy/ouders/{case[parent].id}"


def child_choices(case, **changes):
    return {**privacy.child_levels(case["child"]), **changes}


def mother_choices(case, **changes):
    return {**privacy.user_levels(case["mother"]), **changes}


def test_a_teacher_sees_the_choices_of_pupil_and_parents_but_cannot_change_them(staff_case):
    case, client = staff_case, staff_case["clients"]["teacher"]
    page = client.get(child_path(case)).get_data(as_text=True)
    assert 'type="radio"' not in page
    assert "Privacy van Noor" in page and "Privacy van Mirjam Keuzes (ouder)" in page
    assert "Privacy van Frank Keuzes (ouder)" in page
    assert "Alle ouders van school" in page and "Ouders van de groep" in page
    assert "wijzigen kan alleen de ouder" in page
    before = stored_levels()
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    attempts = [
        (child_path(case), child_choices(case, photo="school"), ""),       # wider
        (child_path(case), child_choices(case, address="staff"), ""),      # even stricter: not a teacher's call
        (parent_path(case), mother_choices(case, address="school"), f"ouder-{case['mother'].id}-"),
        (parent_path(case), mother_choices(case, phone_mobile="staff"), f"ouder-{case['mother'].id}-"),
    ]
    for path, values, prefix in attempts:
        for htmx in (False, True):
            response = post_privacy(client, path, values, prefix, htmx=htmx)
            html = response.get_data(as_text=True)
            assert response.status_code == 422, (path, values, htmx)
            assert "Privacy-keuzes zijn van de ouders. U kunt ze bekijken, maar niet wijzigen." in html
            assert ("<html" in html) is not htmx  # htmx: only the block, swapped in place
    assert stored_levels() == before
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before


def test_the_office_cannot_open_a_choice_wider(staff_case, smtp):
    case, client = staff_case, staff_case["clients"]["office"]
    page = client.get(child_path(case)).get_data(as_text=True)
    # The form offers only what is not wider than the parents chose.
    assert 'disabled id="phone-2" name="phone" type="radio" value="school"' in page
    assert 'id="address-2" name="address" type="radio" value="school"' in page
    assert 'disabled id="address-2"' not in page
    prefix = f"ouder-{case['mother'].id}-"
    assert f'disabled id="{prefix}email-1"' in page
    before = stored_levels()
    attempts = [
        (child_path(case), child_choices(case, phone="school"), "", "Telefoonnummer ruimer zetten (‘Alle ouders van school’)"),
        (child_path(case), child_choices(case, photo="group", address="staff"), "", "Foto ruimer zetten (‘Ouders van de groep’)"),
        (parent_path(case), mother_choices(case, email="group"), prefix, "E-mailadres ruimer zetten (‘Ouders van de groep’)"),
        (parent_path(case, "father"), {**privacy.user_levels(case["father"]), "address": "school"},
         f"ouder-{case['father'].id}-", "Adres ruimer zetten (‘Alle ouders van school’)"),
    ]
    for path, values, prefix_, message in attempts:
        for htmx in (False, True):
            response = post_privacy(client, path, values, prefix_, htmx=htmx)
            html = response.get_data(as_text=True)
            assert response.status_code == 422, (path, values, htmx)
            assert "De school kan een privacy-keuze alleen strenger maken." in html and message in html
            assert "kan alleen de ouder zelf" in html
    # Only the pupil's own parents are on this tab: another account's id is a 404.
    stranger = f"/kinderen/{case['child'].id}/privacy/ouders/{case['teacher'].id}"
    assert post_privacy(client, stranger, {"address": "staff"}, f"ouder-{case['teacher'].id}-").status_code == 404
    assert stored_levels() == before  # also the stricter half of a mixed post stayed as it was
    assert smtp.messages == []


def test_the_office_makes_a_choice_stricter_audited_and_both_parents_are_mailed(staff_case, pipeline):
    case, client = staff_case, staff_case["clients"]["office"]
    response = post_privacy(client, child_path(case), child_choices(case, address="staff"), htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'hx-swap-oob="innerHTML">Opgeslagen.' in html and "<html" not in html
    assert privacy.child_levels(case["child"])["address"] == "staff"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "child")).one()
    assert (entry.action, entry.actor_id, entry.subject_id, entry.fields) == (
        "privacy strenger (school)", case["office"].id, case["child"].id, ["address"])
    assert pipeline.smtp.messages == []  # nothing sent inside the request
    pipeline.drain()
    received = pipeline.smtp.wait_for(2)
    assert sorted(address for m in received for address in m["to"]) == ["frank@voorbeeld.nl", "mirjam@voorbeeld.nl"]
    for mail in received:
        text = mail_text(mail["message"])
        assert "Privacy-instelling van Noor strenger gemaakt door de school" in str(mail["message"]["Subject"])
        assert "De administratie van de school heeft een privacy-instelling van Noor" in text
        assert '- Adres: was "Alle ouders van school", is nu "Alleen de school"' in text
        assert "Telefoonnummer" not in text  # only what changed
        assert f"/kinderen/{case['child'].id}/privacy" in text

    # A parent's own field, as a plain form post: only that parent hears of it.
    pipeline.smtp.clear()
    prefix = f"ouder-{case['mother'].id}-"
    response = post_privacy(client, parent_path(case), mother_choices(case, phone_mobile="group"), prefix)
    assert response.status_code == 302
    assert "strenger gemaakt. Mirjam Keuzes krijgt hierover een e-mail." in client.get(response.location).get_data(as_text=True)
    assert privacy.user_levels(case["mother"])["phone_mobile"] == "group"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "user")).one()
    assert (entry.action, entry.subject_id, entry.fields) == ("privacy strenger (school)", case["mother"].id,
                                                              ["phone_mobile"])
    pipeline.drain()
    (mail,) = pipeline.smtp.wait_for(1)
    assert mail["to"] == ["mirjam@voorbeeld.nl"]
    assert '- Mobiel nummer: was "Alle ouders van school", is nu "Ouders van de groep"' in mail_text(mail["message"])

    # The parents' own choices are still theirs: wider again is fine for them, and no mail.
    pipeline.smtp.clear()
    mother = case["clients"]["mother"]
    assert post_privacy(mother, child_path(case), child_choices(case, address="school")).status_code == 302
    assert privacy.child_levels(case["child"])["address"] == "school"
    pipeline.drain()
    assert pipeline.smtp.messages == []


def test_parents_do_not_reach_the_other_parents_choices(staff_case):
    case, client = staff_case, staff_case["clients"]["mother"]
    before = stored_levels()
    prefix = f"ouder-{case['father'].id}-"
    values = {**privacy.user_levels(case["father"]), "address": "school"}
    assert post_privacy(client, parent_path(case, "father"), values, prefix).status_code == 404
    assert post_privacy(client, parent_path(case), mother_choices(case), f"ouder-{case['mother'].id}-").status_code == 404
    page = client.get(child_path(case)).get_data(as_text=True)
    assert "Frank" not in page and "(ouder)" not in page
    assert stored_levels() == before

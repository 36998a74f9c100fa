"""Mijn kinderen: the children list, "Leerling bekijken" with its tabs, emergency numbers,
the read-only guardian, IDOR on every route with an id, Resultaten and teacher notes."""
import io
from datetime import date

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from app import privacy
from app.extensions import db
from app.models import AuditEntry, Child, ChildNote, ContactNumber, PrivacySetting, StoredImage
from app.settings import set_setting
from tests.fixtures.users import Auth
from tests.factories import (AdminFactory, ChildFactory, GroupFactory, GuardianshipFactory, ParentFactory,
                             family, teacher_of)
from tests.test_storage import jpeg_bytes


def form_post(client, path, data, page, **kwargs):
    data = dict(data)
    data["csrf_token"] = Auth(client).csrf(page)
    return client.post(path, data=data, **kwargs)


def htmx_post(client, path, data, page):
    return client.post(path, data=data, headers={"HX-Request": "true", "X-CSRFToken": Auth(client).csrf(page)})


def reload_child(child):
    db.session.expire_all()
    return db.session.get(Child, child.id)


@pytest.fixture
def home(app, login_as):
    """Sam (groep 3) and Lotte (groep 6) with their mother; Sam's father read-only."""
    group3, group6 = GroupFactory(name="3"), GroupFactory(name="6")
    sam, (mother, father) = family(group=group3, parents=2, read_only_second=True, first_name="Sam",
                                   last_name="Jansen", birth_date=date(2019, 10, 3))
    # Fixed names: random ones could collide with the children's names asserted below.
    mother.first_name, father.first_name = "Marloes", "Peter"
    db.session.commit()
    lotte = ChildFactory(group=group6, first_name="Lotte", last_name="Jansen")
    GuardianshipFactory(parent=mother, child=lotte)
    stranger_child, (stranger,) = family(group=group3, first_name="Daan")
    return {
        "group3": group3, "group6": group6, "sam": sam, "lotte": lotte, "mother": mother, "father": father,
        "stranger": stranger, "stranger_child": stranger_child,
        "teacher": teacher_of(group3, first_name="Anna", last_name="de Vries"),
        "login": login_as,
    }


# --- Mijn kinderen ------------------------------------------------------------------------

def test_children_list_with_leerling_bekijken(home):
    client = home["login"](home["mother"])
    html = client.get("/kinderen/").get_data(as_text=True)
    assert "Sam Jansen" in html and "Lotte Jansen" in html and "Groep 3" in html and "Groep 6" in html
    assert html.count("Leerling bekijken") == 2
    assert "Daan" not in html
    father_html = home["login"](home["father"]).get("/kinderen/").get_data(as_text=True)
    assert "Sam Jansen" in father_html and "alleen lezen" in father_html and "Lotte" not in father_html


def test_child_page_tabs_and_data(home):
    client = home["login"](home["mother"])
    sam = home["sam"]
    html = client.get(f"/kinderen/{sam.id}").get_data(as_text=True)
    assert "3 oktober 2019" in html and "Groep 3" in html
    for tab in ("Gegevens", "Bereikbaarheid", "Privacy", "Notities"):
        assert f">{tab}</a>" in html
    assert ">Resultaten</a>" not in html  # the school has the module off (SPEC.md)
    assert client.get(f"/kinderen/{sam.id}/resultaten").status_code == 404
    assert ">Wijzigen</a>" in html and 'type="file"' in html


def test_resultaten_appears_when_the_school_switches_it_on(home):
    set_setting("module.resultaten", "1")
    db.session.commit()
    client = home["login"](home["mother"])
    assert ">Resultaten</a>" in client.get(f"/kinderen/{home['sam'].id}").get_data(as_text=True)
    assert client.get(f"/kinderen/{home['sam'].id}/resultaten").status_code == 200


def test_parent_changes_child_data_audited(home):
    client, sam = home["login"](home["mother"]), home["sam"]
    page = f"/kinderen/{sam.id}/wijzigen"
    assert client.get(page).status_code == 200
    response = form_post(client, page, {"gender": "jongen", "street": "Lindenhof", "house_number": "4",
                                        "postcode": "7462cd", "city": "Holten"}, page)
    assert response.status_code == 302
    sam = reload_child(sam)
    assert (sam.gender, sam.street, sam.postcode, sam.city) == ("jongen", "Lindenhof", "7462 CD", "Holten")
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.actor_id, entry.subject_type, entry.subject_id) == (home["mother"].id, "child", sam.id)
    assert entry.fields == ["city", "gender", "house_number", "postcode", "street"]


def test_invalid_child_data_changes_nothing(home):
    client, sam = home["login"](home["mother"]), home["sam"]
    page = f"/kinderen/{sam.id}/wijzigen"
    response = form_post(client, page, {"gender": "draak", "postcode": "ABCD 12"}, page)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Kies een van de mogelijkheden." in html and "Vul een geldige postcode in" in html
    assert reload_child(sam).postcode == ""
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_teacher_of_the_group_can_change_and_is_audited(home):
    teacher, sam = home["teacher"], home["sam"]
    client = home["login"](teacher)
    page = f"/kinderen/{sam.id}/bereikbaarheid"
    response = form_post(client, page, {"phone": "06-10101010", "email": ""}, page)
    assert response.status_code == 302
    assert reload_child(sam).phone == "06-10101010"
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.actor_id, entry.subject_id, entry.fields) == (teacher.id, sam.id, ["phone"])


def test_child_photo_upload(home):
    client, sam = home["login"](home["mother"]), home["sam"]
    token = Auth(client).csrf(f"/kinderen/{sam.id}")
    response = client.post(f"/kinderen/{sam.id}/foto", content_type="multipart/form-data",
                           data={"csrf_token": token, "photo": (io.BytesIO(jpeg_bytes()), "sam.jpg")})
    assert response.status_code == 302
    sam = reload_child(sam)
    assert db.session.get(StoredImage, sam.photo_id).purpose == "child"
    assert f"/groepen/foto/{sam.photo_id}/klein" in client.get(f"/kinderen/{sam.id}").get_data(as_text=True)
    # The read-only father sees it too (he sees everything of his child).
    assert home["login"](home["father"]).get(f"/groepen/foto/{sam.photo_id}").status_code == 200


def test_child_bad_photo_refused(home, app):
    client, sam = home["login"](home["mother"]), home["sam"]
    token = Auth(client).csrf(f"/kinderen/{sam.id}")
    response = client.post(f"/kinderen/{sam.id}/foto", content_type="multipart/form-data",
                           data={"csrf_token": token, "photo": (io.BytesIO(b"<svg/>"), "sam.jpg")})
    assert response.status_code == 422
    assert "Dit bestand is geen foto" in response.get_data(as_text=True)
    assert reload_child(sam).photo_id is None
    assert db.session.scalar(select(func.count()).select_from(StoredImage)) == 0


# --- Bereikbaarheid: Primaire gegevens and emergency numbers ----------------------------------

def test_emergency_numbers_add_change_remove_plain(home):
    client, sam = home["login"](home["mother"]), home["sam"]
    page = f"/kinderen/{sam.id}/bereikbaarheid"
    html = client.get(page).get_data(as_text=True)
    assert "Primaire gegevens" in html and "Extra gegevens" in html
    response = form_post(client, f"/kinderen/{sam.id}/noodnummers", {"new-label": "Oma", "new-number": "0548-111222"}, page)
    assert response.status_code == 302
    number = db.session.scalars(select(ContactNumber)).one()
    assert (number.child_id, number.user_id, number.is_emergency) == (sam.id, None, True)
    response = form_post(client, f"/kinderen/{sam.id}/noodnummers/{number.id}",
                         {f"n{number.id}-label": "Opa en oma", f"n{number.id}-number": "0548-111333"}, page)
    assert response.status_code == 302
    db.session.expire_all()
    assert (number.label, number.number) == ("Opa en oma", "0548-111333")
    assert form_post(client, f"/kinderen/{sam.id}/noodnummers/{number.id}/verwijderen", {}, page).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ContactNumber)) == 0
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["nummer toegevoegd", "nummer gewijzigd", "nummer verwijderd"]


def test_emergency_numbers_inline_with_htmx(home):
    client, sam = home["login"](home["mother"]), home["sam"]
    page = f"/kinderen/{sam.id}/bereikbaarheid"
    response = htmx_post(client, f"/kinderen/{sam.id}/noodnummers", {"new-label": "Buurvrouw", "new-number": "06-22223333"}, page)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<section") and 'value="Buurvrouw"' in html
    number = db.session.scalars(select(ContactNumber)).one()
    response = htmx_post(client, f"/kinderen/{sam.id}/noodnummers/{number.id}",
                         {f"n{number.id}-label": "Buurvrouw", f"n{number.id}-number": "geen"}, page)
    assert response.status_code == 422
    assert "Vul een geldig telefoonnummer in" in response.get_data(as_text=True)
    db.session.expire_all()
    assert number.number == "06-22223333"
    response = htmx_post(client, f"/kinderen/{sam.id}/noodnummers/{number.id}/verwijderen", {}, page)
    assert response.status_code == 200 and "Buurvrouw is verwijderd." in response.get_data(as_text=True)


def test_a_number_of_another_child_is_a_404_even_for_own_child_url(home):
    """Mother of Sam and Lotte: Lotte's number through Sam's URL is refused too."""
    client, sam, lotte = home["login"](home["mother"]), home["sam"], home["lotte"]
    lotte_number = ContactNumber(child_id=lotte.id, label="Oma", number="06-44445555", is_emergency=True)
    parent_number = ContactNumber(user_id=home["mother"].id, label="werk", number="06-77778888")
    db.session.add_all([lotte_number, parent_number])
    db.session.commit()
    page = f"/kinderen/{sam.id}/bereikbaarheid"
    for number in (lotte_number, parent_number):
        data = {f"n{number.id}-label": "x", f"n{number.id}-number": "0612345678"}
        assert form_post(client, f"/kinderen/{sam.id}/noodnummers/{number.id}", data, page).status_code == 404
        assert form_post(client, f"/kinderen/{sam.id}/noodnummers/{number.id}/verwijderen", {}, page).status_code == 404
    db.session.expire_all()
    assert lotte_number.label == "Oma" and parent_number.label == "werk"


# --- IDOR: another family's child, photo, number and notes ------------------------------------

def _child_routes(child_id, number_id=None):
    gets = [f"/kinderen/{child_id}", f"/kinderen/{child_id}/wijzigen", f"/kinderen/{child_id}/bereikbaarheid",
            f"/kinderen/{child_id}/privacy", f"/kinderen/{child_id}/notities", f"/kinderen/{child_id}/resultaten"]
    posts = [f"/kinderen/{child_id}/wijzigen", f"/kinderen/{child_id}/bereikbaarheid",
             f"/kinderen/{child_id}/privacy", f"/kinderen/{child_id}/foto", f"/kinderen/{child_id}/foto/verwijderen",
             f"/kinderen/{child_id}/noodnummers"]
    if number_id:
        posts += [f"/kinderen/{child_id}/noodnummers/{number_id}", f"/kinderen/{child_id}/noodnummers/{number_id}/verwijderen"]
    return gets, posts


def test_idor_another_familys_child_is_404_everywhere(home):
    set_setting("module.resultaten", "1")
    daan = home["stranger_child"]
    daan.phone, daan.street = "06-99990000", "Geheimstraat"
    number = ContactNumber(child_id=daan.id, label="Noodnummer", number="06-12121212", is_emergency=True)
    db.session.add(number)
    db.session.add(ChildNote(child_id=daan.id, body="Vertrouwelijke notitie over Daan"))
    db.session.commit()
    client = home["login"](home["mother"])  # same group, but not her child
    gets, posts = _child_routes(daan.id, number.id)
    page = "/kinderen/"
    for path in gets:
        response = client.get(path)
        assert response.status_code == 404, path
        html = response.get_data(as_text=True)
        assert "Geheimstraat" not in html and "06-99990000" not in html and "Vertrouwelijke" not in html
    for path in posts:
        data = {"phone": "1", "street": "X", "new-label": "x", "new-number": "0612345678",
                f"n{number.id}-label": "x", f"n{number.id}-number": "0612345678"}
        data.update({name: "school" for name in privacy.CHILD_FIELDS})
        assert form_post(client, path, data, page).status_code == 404, path
    daan = reload_child(daan)
    assert (daan.phone, daan.street) == ("06-99990000", "Geheimstraat")
    assert db.session.scalar(select(func.count()).select_from(PrivacySetting)) == 0
    assert db.session.get(ContactNumber, number.id).label == "Noodnummer"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_idor_unknown_child_id_is_404(home):
    client = home["login"](home["mother"])
    assert client.get("/kinderen/987654").status_code == 404


def test_teacher_of_another_group_cannot_reach_the_child(home, login_as):
    other_teacher = teacher_of(home["group6"])
    client = login_as(other_teacher)
    sam = home["sam"]
    gets, posts = _child_routes(sam.id)
    for path in gets:
        assert client.get(path).status_code == 404, path
    assert form_post(client, f"/kinderen/{sam.id}/bereikbaarheid", {"phone": "06-10101010"}, "/").status_code == 404
    # The office reaches every pupil.
    assert login_as(AdminFactory()).get(f"/kinderen/{sam.id}").status_code == 200


# --- the read-only guardian -------------------------------------------------------------------

def test_read_only_guardian_sees_everything_but_gets_no_forms(home):
    sam = home["sam"]
    number = ContactNumber(child_id=sam.id, label="Oma", number="06-44445555", is_emergency=True)
    db.session.add(number)
    db.session.commit()
    client = home["login"](home["father"])
    show = client.get(f"/kinderen/{sam.id}").get_data(as_text=True)
    assert "alleen lezen" in show and "3 oktober 2019" in show
    assert ">Wijzigen</a>" not in show and 'type="file"' not in show
    contact = client.get(f"/kinderen/{sam.id}/bereikbaarheid").get_data(as_text=True)
    assert "Oma" in contact and "06-44445555" in contact
    assert "<form" not in contact.split('id="inhoud"')[1]  # no form at all in the content
    privacy_page = client.get(f"/kinderen/{sam.id}/privacy").get_data(as_text=True)
    assert 'type="radio"' not in privacy_page and "Alleen de school" in privacy_page
    assert client.get(f"/kinderen/{sam.id}/notities").status_code == 200


def test_read_only_guardian_is_refused_on_every_editing_route(home):
    sam = home["sam"]
    number = ContactNumber(child_id=sam.id, label="Oma", number="06-44445555", is_emergency=True)
    sam.photo_id = None
    db.session.add(number)
    db.session.commit()
    client = home["login"](home["father"])
    page = f"/kinderen/{sam.id}"
    assert client.get(f"/kinderen/{sam.id}/wijzigen").status_code == 403
    forged = {
        f"/kinderen/{sam.id}/wijzigen": {"gender": "meisje", "street": "Vervalst"},
        f"/kinderen/{sam.id}/bereikbaarheid": {"phone": "06-66666666", "email": ""},
        f"/kinderen/{sam.id}/privacy": {name: "school" for name in privacy.CHILD_FIELDS},
        f"/kinderen/{sam.id}/foto": {"photo": (io.BytesIO(jpeg_bytes()), "x.jpg")},
        f"/kinderen/{sam.id}/foto/verwijderen": {},
        f"/kinderen/{sam.id}/noodnummers": {"new-label": "Vervalst", "new-number": "0612345678"},
        f"/kinderen/{sam.id}/noodnummers/{number.id}": {f"n{number.id}-label": "Vervalst",
                                                        f"n{number.id}-number": "0612345678"},
        f"/kinderen/{sam.id}/noodnummers/{number.id}/verwijderen": {},
    }
    for path, data in forged.items():
        kwargs = {"content_type": "multipart/form-data"} if "foto" in path else {}
        assert form_post(client, path, data, page, **kwargs).status_code == 403, path
        # htmx requests are refused the same way.
        assert htmx_post(client, path, {k: v for k, v in data.items() if k != "photo"}, page).status_code == 403
    sam = reload_child(sam)
    assert (sam.gender, sam.street, sam.phone, sam.photo_id) == ("", "", "", None)
    assert db.session.get(ContactNumber, number.id).label == "Oma"
    assert db.session.scalar(select(func.count()).select_from(ContactNumber)) == 1
    assert db.session.scalar(select(func.count()).select_from(PrivacySetting)) == 0
    assert db.session.scalar(select(func.count()).select_from(StoredImage)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_read_only_guardian_still_manages_his_own_account(home):
    client = home["login"](home["father"])
    response = form_post(client, "/account/bereikbaarheid",
                         {"phone_mobile": "06-12341234", "phone_home": "", "email": home["father"].email},
                         "/account/bereikbaarheid")
    assert response.status_code == 302


# --- Notities -----------------------------------------------------------------------------------

def test_teacher_writes_a_note_parents_read_it(home):
    sam, teacher = home["sam"], home["teacher"]
    staff = home["login"](teacher)
    html = staff.get("/beheer/notities/").get_data(as_text=True)
    assert "Sam Jansen" in html and "Daan" in html and "Lotte" not in html  # only pupils of groep 3
    response = form_post(staff, "/beheer/notities/", {"child_id": sam.id, "body": "Sam las vandaag zijn eerste boek!"},
                         "/beheer/notities/")
    assert response.status_code == 302
    note = db.session.scalars(select(ChildNote)).one()
    assert (note.child_id, note.author_id) == (sam.id, teacher.id)
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.subject_type, entry.subject_id, entry.action) == ("child", sam.id, "notitie")

    for parent in ("mother", "father"):
        html = home["login"](home[parent]).get(f"/kinderen/{sam.id}/notities").get_data(as_text=True)
        assert "Sam las vandaag zijn eerste boek!" in html and str(escape(teacher.name)) in html
        assert "<textarea" not in html and "Verwijderen" not in html  # read-only for parents
    other = home["login"](home["stranger"])
    assert "eerste boek" not in other.get(f"/kinderen/{home['stranger_child'].id}/notities").get_data(as_text=True)


def test_teacher_cannot_note_a_pupil_of_another_group(home):
    lotte = home["lotte"]
    staff = home["login"](home["teacher"])
    response = form_post(staff, "/beheer/notities/", {"child_id": lotte.id, "body": "Niet mijn leerling"},
                         "/beheer/notities/")
    assert response.status_code == 422
    assert "Kies een leerling uit uw groep(en)." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ChildNote)) == 0


def test_note_ids_are_guarded(home, login_as):
    sam, lotte = home["sam"], home["lotte"]
    sam_note = ChildNote(child_id=sam.id, author_id=home["teacher"].id, body="Over Sam")
    lotte_note = ChildNote(child_id=lotte.id, body="Over Lotte")
    db.session.add_all([sam_note, lotte_note])
    db.session.commit()
    staff = home["login"](home["teacher"])
    # A teacher of groep 3 cannot reach a note on a pupil of groep 6.
    assert staff.get(f"/beheer/notities/{lotte_note.id}/wijzigen").status_code == 404
    assert form_post(staff, f"/beheer/notities/{lotte_note.id}/wijzigen", {"body": "x"}, "/beheer/notities/").status_code == 404
    assert form_post(staff, f"/beheer/notities/{lotte_note.id}/verwijderen", {}, "/beheer/notities/").status_code == 404
    assert "Over Lotte" not in staff.get("/beheer/notities/").get_data(as_text=True)
    assert "Over Lotte" not in staff.get(f"/beheer/notities/?leerling={lotte.id}").get_data(as_text=True)
    # Parents never reach Beheer, not even for their own child's note.
    mother = home["login"](home["mother"])
    assert mother.get("/beheer/notities/").status_code == 403
    assert mother.get(f"/beheer/notities/{sam_note.id}/wijzigen").status_code == 403
    assert form_post(mother, f"/beheer/notities/{sam_note.id}/verwijderen", {}, "/").status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ChildNote)) == 2
    assert lotte_note.body == "Over Lotte"
    # The office reaches every note.
    office = login_as(AdminFactory())
    assert "Over Lotte" in office.get("/beheer/notities/").get_data(as_text=True)
    assert office.get(f"/beheer/notities/{lotte_note.id}/wijzigen").status_code == 200


def test_teacher_edits_and_deletes_a_note(home):
    sam = home["sam"]
    note = ChildNote(child_id=sam.id, author_id=home["teacher"].id, body="Eerste versie")
    db.session.add(note)
    db.session.commit()
    staff = home["login"](home["teacher"])
    page = f"/beheer/notities/{note.id}/wijzigen"
    assert form_post(staff, page, {"body": ""}, page).status_code == 422
    assert form_post(staff, page, {"body": "Tweede versie"}, page).status_code == 302
    db.session.expire_all()
    assert note.body == "Tweede versie" and note.updated_at is not None
    assert form_post(staff, f"/beheer/notities/{note.id}/verwijderen", {}, "/beheer/notities/").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ChildNote)) == 0
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["notitie gewijzigd", "notitie verwijderd"]


def test_notes_section_appears_in_beheer(home):
    staff = home["login"](home["teacher"])
    assert 'href="/beheer/notities/"' in staff.get("/beheer/").get_data(as_text=True)


def test_staff_without_children_gets_a_helpful_list(home):
    html = home["login"](home["teacher"]).get("/kinderen/").get_data(as_text=True)
    assert "geen kinderen gekoppeld" in html


def test_parent_without_children(home, login_as):
    html = login_as(ParentFactory()).get("/kinderen/").get_data(as_text=True)
    assert "Uw account is nog niet aan een kind gekoppeld." in html and "administratie" in html


# --- demo data ------------------------------------------------------------------------------

def test_demo_profiles_step_is_varied_and_idempotent(app, login_as):
    from app.demo import DemoContext, people, profiles
    from app.models import User

    def run():
        ctx = DemoContext()
        people.seed(ctx)
        db.session.commit()
        profiles.seed(ctx)
        db.session.commit()
        return ctx

    def counts():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (PrivacySetting, StoredImage, ChildNote, ContactNumber)}

    ctx = run()
    first = counts()
    run()
    assert counts() == first
    assert first["StoredImage"] >= 8 and first["ChildNote"] >= 3
    levels = set(db.session.scalars(select(PrivacySetting.visibility)))
    assert levels == {"group", "school"}  # and "staff" by default for the rest
    sam = ctx.created["sam"]
    assert sam.photo_id and sam.street
    assert db.session.scalar(select(func.count()).select_from(ContactNumber)
                             .where(ContactNumber.child_id == sam.id, ContactNumber.is_emergency.is_(True))) >= 1
    # The demo parent sees her notes and Sam's photo; groep 3 parents see what was opened.
    parent = db.session.scalar(select(User).where(User.login_name == "ouder@example.nl"))
    client = login_as(parent, "Demo!2026")
    assert "eerste boekje" in client.get(f"/kinderen/{sam.id}/notities").get_data(as_text=True)
    assert client.get(f"/groepen/foto/{sam.photo_id}").status_code == 200
    group_page = client.get(f"/groepen/{sam.group_id}").get_data(as_text=True)
    assert group_page.count("/groepen/foto/") >= 2

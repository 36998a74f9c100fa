"""Mijn kinderen in Chromium: emergency numbers added and removed inline, the child's
privacy inline, the pupil photo upload, the read-only guardian; Beheer > Notities; the
staff's view of a pupil's privacy (teacher read-only, office only stricter); axe-core and
360 px on every page of Mijn kinderen."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from app import privacy
from app.extensions import db
from app.models import Child, ChildNote, ContactNumber
from app.settings import set_setting
from tests.browser.conftest import assert_accessible, assert_fits, htmx_settled, login
from tests.factories import AdminFactory, GroupFactory, family, teacher_of
from tests.test_storage import jpeg_bytes


@pytest.fixture
def home(app):
    group = GroupFactory(name="3")
    sam, (mother, father) = family(group=group, parents=2, read_only_second=True, first_name="Sam",
                                   last_name="Jansen", birth_date=date(2019, 10, 3))
    # Fixed names: random ones could collide with the children's names asserted below.
    mother.first_name, father.first_name = "Marloes", "Peter"
    db.session.commit()
    teacher = teacher_of(group, first_name="Anna", last_name="de Vries")
    db.session.add(ChildNote(child_id=sam.id, author_id=teacher.id, body="Sam las zijn eerste boekje helemaal zelf."))
    db.session.commit()
    return {"sam": sam, "mother": mother, "father": father, "teacher": teacher}


def test_add_and_remove_an_emergency_number_inline(page, home):
    sam = home["sam"]
    login(page, home["mother"])
    page.goto("/kinderen/")
    page.get_by_role("link", name=re.compile(r"^Leerling bekijken\W+Sam$")).click()
    page.get_by_role("link", name="Bereikbaarheid").click()
    assert page.get_by_role("heading", name="Primaire gegevens").is_visible()
    assert page.get_by_role("heading", name="Extra gegevens").is_visible()
    page.evaluate("window.notReloaded = true")

    add = page.locator("form.number-add")
    add.get_by_label("Omschrijving").fill("Oma Jansen")
    add.get_by_label("Telefoonnummer").fill("06-44445555")
    add.get_by_role("button", name="Toevoegen").click()
    page.get_by_text("Oma Jansen is toegevoegd.").wait_for()
    assert page.evaluate("window.notReloaded === true")
    number = db.session.scalars(select(ContactNumber)).one()
    assert (number.child_id, number.number, number.is_emergency) == (sam.id, "06-44445555", True)

    # Change it in its row.
    row = page.locator(".number-list li").first
    row.get_by_label("Telefoonnummer").fill("06-44446666")
    row.get_by_role("button", name="Opslaan (Oma Jansen)").click()
    page.get_by_text("Oma Jansen is opgeslagen.").wait_for()
    db.session.expire_all()
    assert db.session.get(ContactNumber, number.id).number == "06-44446666"

    page.reload()
    assert page.locator(".number-list input[value='06-44446666']").count() == 1
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Verwijderen (Oma Jansen)").click()
    page.get_by_text("Oma Jansen is verwijderd.").wait_for()
    assert page.evaluate("window.notReloaded === true")
    assert page.get_by_text("Er zijn nog geen nummers opgegeven.").is_visible()
    assert db.session.scalars(select(ContactNumber)).all() == []
    assert_accessible(page)
    assert not page.js_errors


def test_child_privacy_inline_and_after_reload(page, home):
    sam = home["sam"]
    login(page, home["mother"])
    page.goto(f"/kinderen/{sam.id}/privacy")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("group", name="Verjaardag", exact=True).get_by_text("Ouders van de groep").click()
    page.locator("#privacy-status").filter(has_text="Opgeslagen.").wait_for()
    page.get_by_role("group", name="Foto", exact=True).get_by_text("Alle ouders van school").click()
    page.wait_for_function("() => document.querySelector('#photo-2').checked")
    for _ in range(50):
        if privacy.child_levels(sam)["photo"] == "school":
            break
        page.wait_for_timeout(100)
    assert page.evaluate("window.notReloaded === true")
    page.reload()
    assert page.get_by_role("group", name="Verjaardag", exact=True).get_by_role("radio", name="Ouders van de groep").is_checked()
    assert page.get_by_role("group", name="Foto", exact=True).get_by_role("radio", name="Alle ouders van school").is_checked()
    assert privacy.child_levels(sam) == {"photo": "school", "birthday": "group", "phone": "staff",
                                         "email": "staff", "address": "staff"}
    assert_accessible(page)
    assert not page.js_errors


def test_staff_view_of_a_pupils_privacy_at_360(mobile_page, home):
    """Teachers see the choices of the pupil and its parents; the office can only make one
    stricter (inline, saved, focus kept on the choice); both fit a phone and pass axe-core."""
    sam, mother = home["sam"], home["mother"]
    privacy.save_child_levels(mother, sam, {"address": "school"})
    privacy.save_user_levels(mother, mother, {"phone_mobile": "group"})
    page = mobile_page
    login(page, home["teacher"])
    page.goto(f"/kinderen/{sam.id}/privacy")
    assert page.locator("input[type=radio]").count() == 0
    assert page.get_by_role("heading", name=f"Privacy van {mother.name} (ouder)").is_visible()
    assert page.get_by_text("wijzigen kan alleen de ouder").first.is_visible()
    assert_fits(page)
    assert_accessible(page)

    page.context.clear_cookies()
    login(page, AdminFactory())
    page.goto(f"/kinderen/{sam.id}/privacy")
    address = page.get_by_role("group", name="Adres", exact=True).first
    assert address.get_by_role("radio", name="Alle ouders van school").is_checked()
    # Wider than the parents chose is not on offer: the phone (Alleen de school) stays so.
    phone = page.get_by_role("group", name="Telefoonnummer", exact=True)
    assert phone.get_by_role("radio", name="Ouders van de groep").is_disabled()
    assert_fits(page)
    assert_accessible(page)
    address.get_by_text("Ouders van de groep").click()
    page.locator("#privacy-status").filter(has_text="Opgeslagen.").wait_for()
    htmx_settled(page)
    assert privacy.child_levels(sam)["address"] == "group"
    assert page.evaluate("document.activeElement.id") == "address-1"
    # Now "Alle ouders van school" is wider than the stored choice: disabled after the swap.
    assert address.get_by_role("radio", name="Alle ouders van school").is_disabled()

    prefix = f"ouder-{mother.id}"
    block = page.locator("section", has=page.get_by_role("heading", name=f"Privacy van {mother.name} (ouder)"))
    block.get_by_role("group", name="Mobiel nummer", exact=True).get_by_text("Alleen de school").click()
    page.locator(f"#privacy-status-{prefix}").filter(has_text="Opgeslagen.").wait_for()
    htmx_settled(page)
    assert privacy.user_levels(mother)["phone_mobile"] == "staff"
    assert_fits(page)
    assert_accessible(page)
    assert not page.js_errors


def test_pupil_photo_upload(page, home, tmp_path):
    sam = home["sam"]
    photo = tmp_path / "sam.png"
    photo.write_bytes(jpeg_bytes(size=(300, 300)))  # a JPEG named .png: the content decides
    login(page, home["mother"])
    page.goto(f"/kinderen/{sam.id}")
    with page.expect_navigation():
        page.get_by_label("Foto uploaden").set_input_files(str(photo))
    assert page.get_by_text("De foto van Sam is opgeslagen.").is_visible()
    image = page.get_by_role("img", name="Foto van Sam Jansen")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    db.session.expire_all()
    assert db.session.get(Child, sam.id).photo_id is not None
    assert_accessible(page)


def test_read_only_guardian_sees_no_forms(page, home):
    sam = home["sam"]
    db.session.add(ContactNumber(child_id=sam.id, label="Oma", number="06-12345678", is_emergency=True))
    db.session.commit()
    login(page, home["father"])
    page.goto(f"/kinderen/{sam.id}")
    assert page.get_by_text("alleen lezen").first.is_visible()
    assert page.get_by_role("link", name="Wijzigen").count() == 0
    assert page.get_by_label("Foto uploaden").count() == 0
    page.get_by_role("link", name="Bereikbaarheid").click()
    assert page.get_by_text("06-12345678").is_visible()
    assert page.locator("main form").count() == 0
    page.get_by_role("link", name="Privacy").last.click()
    assert page.locator("main input[type=radio]").count() == 0
    assert_accessible(page)


def test_teacher_writes_a_note_in_beheer(page, home):
    sam = home["sam"]
    login(page, home["teacher"])
    page.goto("/beheer/notities/")
    page.get_by_label("Leerling", exact=True).select_option(label="Sam Jansen")
    page.get_by_label("Notitie", exact=True).fill("Wilt u gymkleding meegeven op donderdag?")
    page.get_by_role("button", name="Opslaan").click()
    assert page.get_by_text("De notitie is opgeslagen.").is_visible()
    assert page.get_by_text("Wilt u gymkleding meegeven op donderdag?").is_visible()
    assert_accessible(page)
    note = db.session.scalars(select(ChildNote).order_by(ChildNote.id.desc())).first()
    assert note.child_id == sam.id


def _pages(sam_id, note_id):
    return {
        "mother": ["/kinderen/", f"/kinderen/{sam_id}", f"/kinderen/{sam_id}/wijzigen",
                   f"/kinderen/{sam_id}/bereikbaarheid", f"/kinderen/{sam_id}/privacy",
                   f"/kinderen/{sam_id}/notities", f"/kinderen/{sam_id}/resultaten"],
        "father": [f"/kinderen/{sam_id}", f"/kinderen/{sam_id}/bereikbaarheid", f"/kinderen/{sam_id}/privacy"],
        "teacher": ["/beheer/notities/", f"/beheer/notities/{note_id}/wijzigen", f"/kinderen/{sam_id}/notities"],
    }


@pytest.mark.parametrize("who", ["mother", "father", "teacher"])
def test_children_pages_accessible_and_fit_360(mobile_page, home, who):
    sam = home["sam"]
    set_setting("module.resultaten", "1")
    sam.street, sam.city = "Burgemeester van der Borch tot Verwolde-laan", "Rijssen"
    db.session.add(ContactNumber(child_id=sam.id, label="Opa en oma van moederskant", number="06-12345678",
                                 is_emergency=True))
    db.session.commit()
    note_id = db.session.scalar(select(ChildNote.id))
    login(mobile_page, home[who])
    for path in _pages(sam.id, note_id)[who]:
        mobile_page.goto(path)
        assert_fits(mobile_page)
        assert_accessible(mobile_page)
    assert not mobile_page.js_errors

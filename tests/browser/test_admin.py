"""Beheer for the office in Chromium: creating a parent (activation mail through Redis, the
worker and SMTP), the import preview, the htmx interactions, axe-core and 360 px."""
import re
from datetime import date, timedelta

from playwright.sync_api import expect

from app.extensions import db
from app.models import Group, User
from tests.browser.conftest import assert_accessible, assert_fits, htmx_settled, login
from tests.fixtures.mail import first_link
from tests.factories import AdminFactory, ChildFactory, GroupFactory, GuardianshipFactory, ParentFactory, teacher_of

NEW_PASSWORD = "Nieuw!Wachtw00rd"


def _school():
    groups = {}
    for order, (name, level) in enumerate([("1/2a", 1), ("1/2b", 1), ("3", 3), ("4", 4), ("5", 5), ("6", 6),
                                           ("7", 7), ("8", 8)]):
        groups[name] = GroupFactory(name=name, level=level, sort_order=order, school_year="2026-2027")
    return groups


def _no_reload_marker(page):
    page.evaluate("window.__zonderHerladen = true")


def _still_same_page(page):
    return page.evaluate("window.__zonderHerladen === true")


def test_office_creates_a_parent_and_the_activation_mail_arrives(page, pipeline, live_server):
    groups = _school()
    child = ChildFactory(first_name="Sam", last_name="Jansen", group=groups["3"])
    login(page, AdminFactory())
    page.goto(f"/beheer/school/leerlingen/{child.id}")
    page.get_by_role("link", name="Nieuwe ouder aanmaken en koppelen").click()
    page.get_by_label("E-mailadres (wordt de inlognaam)").fill("marloes.jansen@example.nl")
    page.get_by_label("Voornaam").fill("Marloes")
    page.get_by_label("Achternaam").fill("Jansen")
    page.get_by_label("Mobiel nummer").fill("06-12345678")
    assert_accessible(page)
    page.get_by_role("button", name="Account aanmaken en activatiemail sturen").click()
    expect(page.get_by_text("De activatiemail is onderweg naar marloes.jansen@example.nl")).to_be_visible()
    expect(page.locator("#ouders").get_by_role("link", name="Marloes Jansen")).to_be_visible()

    assert pipeline.smtp.messages == []
    pipeline.drain()
    (received,) = pipeline.smtp.wait_for(1)
    assert received["to"] == ["marloes.jansen@example.nl"]
    link = first_link(received["message"], "/activeren/")

    # The parent follows the link in the mail and chooses a password.
    parent_page = page.context.browser.new_page(base_url=live_server.url)
    parent_page.goto(re.sub(r"^https?://[^/]+", "", link))
    parent_page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
    parent_page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW_PASSWORD)
    parent_page.get_by_role("button", name=re.compile("activeren", re.I)).click()
    expect(parent_page.get_by_text("Uw account is geactiveerd")).to_be_visible()
    parent_page.close()

    page.goto("/beheer/school/personen?status=geactiveerd")
    expect(page.get_by_role("link", name="Marloes Jansen")).to_be_visible()


def test_import_preview_with_a_bad_row_then_import(page, mobile_page, tmp_path):
    _school()
    data = ("Leerlingnummer;Roepnaam;Achternaam;Geboortedatum;Groep;Ouder 1 roepnaam;Ouder 1 achternaam;Ouder 1 e-mail\r\n"
            "1001;Zoë;Prins;03-10-2019;3;Renée;Prins;renee@example.nl\r\n"
            "1002;Daan;Bos;31-02-2018;5;Ilse;Bos;ilse@example.nl\r\n"
            "1003;Noor;Vos;09-09-2017;9;Eva;Vos;eva@example.nl\r\n"
            f"1004;Jip;Van Dam;{date.today() - timedelta(days=2 * 365 + 100):%d-%m-%Y};3;Ruud;Van Dam;ruud@example.nl\r\n")
    path = tmp_path / "leerlingen.csv"
    path.write_bytes(data.encode("cp1252"))
    office = AdminFactory()
    login(page, office)
    page.goto("/beheer/school/importeren")
    assert_accessible(page)
    page.get_by_label("CSV-bestand uit de leerlingadministratie").set_input_files(str(path))
    page.get_by_role("button", name="Voorbeeld bekijken").click()
    expect(page.get_by_role("heading", name="Voorbeeld van de import")).to_be_visible()
    expect(page.get_by_text("tekenset Windows-1252")).to_be_visible()
    bad = page.locator(".bad-rows")
    expect(bad.get_by_text("Geboortedatum '31-02-2018' is geen geldige datum")).to_be_visible()
    expect(bad.get_by_text("Groep '9' bestaat niet in het portaal")).to_be_visible()
    warned = page.locator(".warnings")
    expect(warned.get_by_role("heading", name="Let op (1 rij)")).to_be_visible()
    expect(warned.get_by_text("de leerling is 2 jaar, jonger dan 3")).to_be_visible()
    expect(page.get_by_role("cell", name="Jip van Dam", exact=True)).to_be_visible()
    assert_accessible(page)

    # Importing without leaving out the bad rows writes nothing.
    page.get_by_role("button", name="Importeren").click()
    expect(page.get_by_text("Er is niets geïmporteerd")).to_be_visible()
    assert db.session.scalar(db.select(db.func.count()).select_from(User).where(User.login_name == "renee@example.nl")) == 0

    # The same preview at 360 px.
    login(mobile_page, office)
    mobile_page.goto("/beheer/school/importeren")
    mobile_page.get_by_label("CSV-bestand uit de leerlingadministratie").set_input_files(str(path))
    mobile_page.get_by_role("button", name="Voorbeeld bekijken").click()
    expect(mobile_page.get_by_role("heading", name="Foutieve rijen (2)")).to_be_visible()
    expect(mobile_page.get_by_role("heading", name="Let op (1 rij)")).to_be_visible()
    assert_fits(mobile_page)
    assert_accessible(mobile_page)
    mobile_page.get_by_label("Importeer zonder de foutieve rijen").check()
    mobile_page.get_by_role("button", name="Importeren").click()
    expect(mobile_page.get_by_text("Import klaar: 2 leerlingen toegevoegd")).to_be_visible()
    assert db.session.scalar(db.select(User.first_name).where(User.login_name == "renee@example.nl")) == "Renée"


def test_pupil_search_and_parent_links_work_with_htmx(page):
    groups = _school()
    sam = ChildFactory(first_name="Sam", last_name="Jansen", group=groups["3"])
    ChildFactory(first_name="Lotte", last_name="Bakker", group=groups["6"])
    mother = ParentFactory(first_name="Marloes", last_name="Jansen", login_name="marloes@example.nl")
    GuardianshipFactory(parent=mother, child=sam)
    ParentFactory(first_name="Peter", last_name="Jansen", login_name="peter@example.nl")
    login(page, AdminFactory())
    page.goto("/beheer/school/leerlingen")
    _no_reload_marker(page)
    page.get_by_label("Zoek op naam of leerlingnummer").fill("lotte")
    expect(page.locator("#leerlingen-resultaat")).to_contain_text("Lotte Bakker")
    expect(page.locator("#leerlingen-resultaat")).not_to_contain_text("Sam Jansen")
    page.get_by_label("Groep").select_option(label="Groep 3")
    expect(page.locator("#leerlingen-resultaat")).to_contain_text("Geen leerlingen gevonden")
    assert _still_same_page(page)

    page.goto(f"/beheer/school/leerlingen/{sam.id}")
    _no_reload_marker(page)
    parents = page.locator("#ouders")
    # An unknown address: the Dutch message appears in place (422 swapped in).
    parents.get_by_label("E-mailadres (inlognaam) van de ouder").fill("onbekend@example.nl")
    parents.get_by_role("button", name="Koppelen", exact=True).click()
    expect(parents.get_by_text("Er is geen account met dit e-mailadres")).to_be_visible()
    parents.get_by_label("E-mailadres (inlognaam) van de ouder").fill("peter@example.nl")
    parents.get_by_label("Alleen lezen").check()
    parents.get_by_role("button", name="Koppelen", exact=True).click()
    expect(parents.get_by_text("Peter Jansen is gekoppeld aan Sam Jansen.")).to_be_visible()
    peter_row = parents.locator("li", has_text="Peter Jansen")
    expect(peter_row.get_by_text("alleen lezen")).to_be_visible()
    htmx_settled(page)
    # Keyboard: the toggle is a real button.
    peter_row.get_by_role("button", name=re.compile("Mag weer wijzigen")).focus()
    page.keyboard.press("Enter")
    expect(parents.locator("li", has_text="Peter Jansen").get_by_text("lezen en wijzigen")).to_be_visible()
    htmx_settled(page)
    page.once("dialog", lambda dialog: dialog.accept())
    parents.locator("li", has_text="Marloes Jansen").get_by_role("button", name=re.compile("Ontkoppelen")).click()
    expect(parents.get_by_text("Marloes Jansen is niet meer gekoppeld")).to_be_visible()
    assert _still_same_page(page)
    assert not page.js_errors


def test_every_office_page_is_accessible_and_fits_360px(mobile_page, page):
    groups = _school()
    child = ChildFactory(first_name="Sam", last_name="Jansen", group=groups["3"], birth_date=date(2019, 10, 3),
                         student_number="12345")
    ChildFactory(first_name="Mila", last_name="de Wit", group=groups["1/2a"], birth_date=date(2021, 3, 3))
    parent = ParentFactory(first_name="Marloes", last_name="Jansen", login_name="marloes.jansen.met.een.lang.adres@example.nl")
    GuardianshipFactory(parent=parent, child=child, read_only=True)
    ParentFactory(activated_at=None, password=None)
    teacher_of(groups["3"], first_name="Anna", last_name="de Vries")
    from app.audit import record_change

    record_change(parent, "user", parent.id, "gewijzigd", ["phone_mobile", "email"])
    db.session.commit()
    office = AdminFactory()
    pages = ["/beheer/school/groepen", f"/beheer/school/groepen/{groups['3'].id}", "/beheer/school/groepen/nieuw",
             "/beheer/school/leerlingen", f"/beheer/school/leerlingen/{child.id}", "/beheer/school/leerlingen/nieuw",
             "/beheer/school/personen", "/beheer/school/personen/nieuw", f"/beheer/school/personen/{parent.id}",
             f"/beheer/school/personen/{parent.id}/inlognaam", f"/beheer/school/personen/{parent.id}/wissen",
             "/beheer/school/importeren", "/beheer/school/nieuw-schooljaar", "/beheer/school/instellingen",
             "/beheer/school/logboek"]
    login(mobile_page, office)
    for url in pages:
        mobile_page.goto(url)
        assert_fits(mobile_page)
        assert_accessible(mobile_page)
    login(page, office)
    for url in ("/beheer/school/leerlingen", f"/beheer/school/personen/{parent.id}", "/beheer/school/nieuw-schooljaar"):
        page.goto(url)
        assert_accessible(page)
    assert not mobile_page.js_errors and not page.js_errors


def test_new_school_year_in_the_browser(page, mobile_page):
    groups = _school()
    leaver = ChildFactory(first_name="Achtste", group=groups["8"])
    ChildFactory(first_name="Derde", group=groups["3"])
    login(page, AdminFactory())
    page.goto("/beheer/school/nieuw-schooljaar")
    expect(page.get_by_role("heading", name="Van 2026-2027 naar 2027-2028")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Nieuw schooljaar 2027-2028 starten").click()
    expect(page.get_by_text("Het nieuwe schooljaar 2027-2028 is ingesteld")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(type(leaver), leaver.id).left_at is not None
    assert {g.school_year for g in db.session.scalars(db.select(Group))} == {"2027-2028"}

    # Moving the same school year again: a warning, and nothing happens without the tick.
    office = AdminFactory()
    login(mobile_page, office)
    mobile_page.goto("/beheer/school/nieuw-schooljaar")
    expect(mobile_page.get_by_text("Let op: dit schooljaar is al overgezet.")).to_be_visible()
    assert_fits(mobile_page)
    assert_accessible(mobile_page)
    page.goto("/beheer/school/nieuw-schooljaar")
    assert_accessible(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Nieuw schooljaar 2028-2029 starten").click()
    expect(page.get_by_text("Dit schooljaar is al overgezet. Vink aan")).to_be_visible()
    page.get_by_label("Ja, zet alle leerlingen nóg een groep hoger").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Nieuw schooljaar 2028-2029 starten").click()
    expect(page.get_by_text("Het nieuwe schooljaar 2028-2029 is ingesteld")).to_be_visible()

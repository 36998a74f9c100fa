"""Nieuws, Agenda and Documenten in Chromium: reading news, the agenda and its private
feed link (htmx), downloading a document, staff creating items; axe-core and 360 px on
every page of these modules."""
import io
from datetime import time, timedelta

from app.agenda.services import today
from app.extensions import db
from app.models import AgendaItem, Document, NewsItem
from tests.browser.conftest import assert_accessible, assert_fits, login
from tests.content_helpers import make_school
from tests.factories import AgendaItemFactory, NewsItemFactory, pdf_bytes, png_bytes, stored_document


def news_image():
    from werkzeug.datastructures import FileStorage

    from app.images import save_image

    image = save_image(FileStorage(io.BytesIO(png_bytes(320, 200)), filename="foto.png"), purpose="news")
    db.session.commit()
    return image


def content(school):
    news = NewsItemFactory(title="Sinterklaas op school", school_wide=True, image=news_image(),
                           body="De Sint komt **woensdag**.\n\n- surprise\n- gedicht\n\n<script>alert(1)</script>")
    NewsItemFactory(title="Gym groep 3", groups=[school["own"]])
    upcoming = AgendaItemFactory(title="Informatieavond groep 3", date=today() + timedelta(days=3),
                                 start_time=time(19, 0), end_time=time(20, 0), location="Lokaal 3",
                                 description="Koffie staat klaar.", groups=[school["own"]])
    AgendaItemFactory(title="Studiedag", date=today() + timedelta(days=40), school_wide=True)
    past = AgendaItemFactory(title="Eerste schooldag", date=today() - timedelta(days=60), school_wide=True)
    document = stored_document(title="Schoolgids", filename="Schoolgids 2026-2027.pdf", school_wide=True,
                               data=pdf_bytes("# Schoolgids\n\nWelkom op school."))
    return {"news": news, "upcoming": upcoming, "past": past, "document": document}


def check(page):
    assert_accessible(page)
    assert not page.js_errors, page.js_errors


def test_parent_reads_news(page, mobile_page):
    school = make_school()
    items = content(school)
    parent = school["people"]["parent_in"]
    login(page, parent)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Nieuws").click()
    page.wait_for_url("**/nieuws/")
    assert page.get_by_role("heading", name="Nieuws", exact=True).is_visible()
    assert page.get_by_role("link", name="Gym groep 3", exact=True).is_visible()
    check(page)
    page.get_by_role("link", name="Sinterklaas op school", exact=True).click()
    page.wait_for_url(f"**/nieuws/{items['news'].id}")
    assert page.get_by_role("heading", name="Sinterklaas op school").is_visible()
    assert page.locator(".rich-text strong").inner_text() == "woensdag"
    assert page.get_by_text("<script>alert(1)</script>").is_visible()  # shown as text, not run
    image = page.locator("img.news-image")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 320
    check(page)

    login(mobile_page, parent)
    for path in ("/nieuws/", f"/nieuws/{items['news'].id}"):
        mobile_page.goto(path)
        assert_fits(mobile_page)
        check(mobile_page)


def test_agenda_and_private_feed_link(page, mobile_page):
    school = make_school()
    items = content(school)
    parent = school["people"]["parent_in"]
    login(page, parent)
    page.goto("/agenda/")
    entry = page.locator(".agenda-entry", has_text="Informatieavond groep 3")
    assert "19:00 – 20:00" in entry.inner_text() and "Groep 3" in entry.inner_text()
    assert page.get_by_text("Eerste schooldag").count() == 0
    check(page)

    # Making the feed link swaps only its section (htmx); the page stays.
    page.evaluate("window.marker = 'same page'")
    page.get_by_role("button", name="Agenda-link maken").click()
    url_box = page.get_by_label("Uw persoonlijke agenda-link")
    url_box.wait_for()
    first_url = url_box.input_value()
    assert "/agenda/feed/" in first_url and page.evaluate("window.marker") == "same page"
    assert page.request.get(first_url).status == 200
    check(page)
    # Renewing from the keyboard, confirming the question: the old address stops working.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Nieuwe link maken").focus()
    page.keyboard.press("Enter")
    page.get_by_text("De oude link werkt niet meer.").wait_for()
    second_url = page.get_by_label("Uw persoonlijke agenda-link").input_value()
    assert second_url != first_url
    assert page.request.get(first_url).status == 404
    assert "Informatieavond groep 3" in page.request.get(second_url).text()
    check(page)

    page.get_by_role("link", name="Eerdere items", exact=True).click()
    page.wait_for_url("**/agenda/eerder")
    assert page.get_by_role("link", name="Eerste schooldag").is_visible()
    check(page)
    page.goto(f"/agenda/{items['upcoming'].id}")
    assert page.get_by_text("Koffie staat klaar.").is_visible()
    check(page)

    login(mobile_page, parent)
    for path in ("/agenda/", "/agenda/eerder", f"/agenda/{items['upcoming'].id}", "/"):
        mobile_page.goto(path)
        assert_fits(mobile_page)
        check(mobile_page)


def test_parent_downloads_a_document(page, mobile_page):
    school = make_school()
    items = content(school)
    login(page, school["people"]["parent_in"])
    page.goto("/documenten/")
    check(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Schoolgids").click()
    download = info.value
    assert download.suggested_filename == "Schoolgids 2026-2027.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == pdf_bytes("# Schoolgids\n\nWelkom op school.")
    assert items["document"].id

    login(mobile_page, school["people"]["parent_in"])
    mobile_page.goto("/documenten/")
    assert_fits(mobile_page)
    check(mobile_page)


def test_teacher_creates_news_agenda_and_document(page, tmp_path):
    school = make_school()
    teacher = school["people"]["teacher_own"]
    login(page, teacher)
    page.goto("/beheer/")
    page.get_by_role("link", name="Nieuws", exact=True).last.click()
    page.wait_for_url("**/beheer/nieuws/")
    check(page)
    page.get_by_role("link", name="Nieuwsbericht plaatsen").click()
    check(page)
    # Submitting without a title: a Dutch message, the form again, still accessible.
    page.get_by_label("Tekst").fill("Morgen gym, neem je **gymschoenen** mee.")
    page.get_by_role("button", name="Plaatsen").click()
    assert page.get_by_text("Vul een titel in.").is_visible()
    check(page)
    page.get_by_label("Titel").fill("Gymschoenen mee")
    page.get_by_role("button", name="Plaatsen").click()
    page.wait_for_url("**/beheer/nieuws/")
    assert page.get_by_text("Het nieuwsbericht is geplaatst.").is_visible()
    assert page.get_by_role("link", name="Gymschoenen mee", exact=True).is_visible()
    item = db.session.query(NewsItem).one()
    assert [g.id for g in item.groups] == [school["own"].id]

    page.goto("/beheer/agenda/nieuw")
    check(page)
    page.get_by_label("Titel").fill("Excursie naar het museum")
    page.get_by_label("Datum").fill((today() + timedelta(days=10)).isoformat())
    page.get_by_label("Begintijd (optioneel)").fill("09:00")
    page.get_by_label("Eindtijd (optioneel)").fill("08:00")
    page.get_by_role("button", name="Toevoegen").click()
    assert page.get_by_text("De eindtijd moet na de begintijd liggen.").is_visible()
    check(page)
    page.get_by_label("Eindtijd (optioneel)").fill("12:00")
    page.get_by_role("button", name="Toevoegen").click()
    page.wait_for_url("**/beheer/agenda/")
    assert page.get_by_role("link", name="Excursie naar het museum", exact=True).is_visible()
    check(page)

    pdf = tmp_path / "Weekplanning.pdf"
    pdf.write_bytes(pdf_bytes())
    fake = tmp_path / "nep.pdf"
    fake.write_bytes(b"<html>geen pdf</html>")
    page.goto("/beheer/documenten/nieuw")
    check(page)
    page.get_by_label("Titel").fill("Weekplanning")
    page.get_by_label("Bestand").set_input_files(str(fake))
    page.get_by_role("button", name="Uploaden").click()
    # Sent with a progress bar (static/js/uploads.js): the answer replaces the page when it comes.
    page.get_by_text("Dit bestand is niet echt een PDF-bestand").wait_for()
    check(page)
    page.get_by_label("Bestand").set_input_files(str(pdf))
    page.get_by_label("Of een nieuwe map").fill("Planning")
    page.get_by_role("button", name="Uploaden").click()
    page.wait_for_url("**/beheer/documenten/")
    assert page.get_by_role("link", name="Weekplanning", exact=True).is_visible()
    check(page)
    assert db.session.query(AgendaItem).count() == 1 and db.session.query(Document).count() == 1


def test_staff_pages_fit_a_phone(mobile_page):
    school = make_school()
    items = content(school)
    login(mobile_page, school["people"]["office"])
    paths = [
        "/beheer/nieuws/", "/beheer/nieuws/nieuw", f"/beheer/nieuws/{items['news'].id}/wijzigen",
        "/beheer/agenda/", "/beheer/agenda/?eerder=1", "/beheer/agenda/nieuw",
        f"/beheer/agenda/{items['upcoming'].id}/wijzigen",
        "/beheer/documenten/", "/beheer/documenten/nieuw", f"/beheer/documenten/{items['document'].id}/wijzigen",
        "/nieuws/", "/agenda/", "/documenten/", "/",
    ]
    for path in paths:
        mobile_page.goto(path)
        assert_fits(mobile_page)
        check(mobile_page)

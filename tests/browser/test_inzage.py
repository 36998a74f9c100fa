"""Mijn account › Gegevens downloaden in Chromium at 360 px: asking for the export, the
htmx status that turns into the downloads by itself, a real download; axe-core."""
from app.extensions import db
from app.models import DataExport, utcnow
from tests.browser.conftest import assert_accessible, assert_fits, login
from tests.factories import family


def test_asking_for_my_data_on_a_phone(mobile_page):
    page = mobile_page
    child, (parent,) = family(first_name="Wietske")
    login(page, parent)
    page.goto("/account/gegevens")
    page.get_by_role("link", name="Gegevens downloaden").click()
    page.get_by_role("heading", name="Mijn gegevens downloaden").wait_for()
    assert "Opslaan als PDF" in page.content()
    assert_accessible(page)
    assert_fits(page)

    page.get_by_role("button", name="Mijn gegevens downloaden").click()
    page.get_by_text("Uw download is klaar").wait_for()
    assert_accessible(page)
    assert_fits(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download als webpagina (HTML)").click()
    download = info.value
    assert download.suggested_filename.startswith("mijn-gegevens-ouderportaal-")
    assert "Wietske" in open(download.path(), encoding="utf-8").read()
    assert page.js_errors == []


def test_the_status_turns_into_the_downloads_without_a_reload(mobile_page):
    page = mobile_page
    _, (parent,) = family()
    export = DataExport(user_id=parent.id, state="queued")
    db.session.add(export)
    db.session.commit()
    login(page, parent)
    page.goto("/account/inzage")
    page.get_by_text("Uw download wordt gemaakt").wait_for()
    assert page.get_by_role("link", name="Vernieuwen").is_visible()
    assert_accessible(page)
    # The job finishes (here: by hand); the page polls and shows the downloads.
    export.state, export.html, export.json, export.ready_at = "ready", "<p>klaar</p>", "{}", utcnow()
    db.session.commit()
    page.get_by_role("link", name="Download als JSON").wait_for(timeout=15_000)
    assert page.url.endswith("/account/inzage")
    assert_fits(page)

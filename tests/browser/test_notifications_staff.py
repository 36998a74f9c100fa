"""Beheer > E-mail in Chromium: readable at 1280 and 360 px, retry through htmx."""
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import NotificationDelivery
from tests.browser.conftest import assert_accessible, assert_fits, login
from tests.factories import AdminFactory, GroupFactory, family
from tests.test_notifications import WINTER, ams, make_album, make_message
from tests.test_notifications_staff import failed_delivery


def _failed_album_mail():
    group = GroupFactory()
    _, (parent,) = family(group, first_name="Sam")
    album = make_album(ams(*WINTER, 9), groups=[group], title="Schoolreis Efteling")
    make_message(ams(*WINTER, 10), groups=[group], urgent=True, title="Gym vervalt")
    return parent, failed_delivery(parent, "album", album.id, error="550 Mailbox bestaat niet")


def test_retry_a_failed_mail_with_htmx(page, app):
    parent, delivery = _failed_album_mail()
    login(page, AdminFactory())
    page.goto("/beheer/e-mail/")
    failed = page.locator("#mislukte-emails")
    assert failed.get_by_text(parent.email).is_visible()
    assert failed.get_by_text("550 Mailbox bestaat niet").is_visible()
    assert_accessible(page)
    url = page.url
    failed.get_by_role("button", name=f"Opnieuw versturen aan {parent.name}").click()
    page.get_by_role("status").filter(has_text="De e-mail wordt opnieuw verstuurd.").wait_for()
    assert page.url == url  # swapped in place, no reload
    assert page.get_by_text("Er zijn geen mislukte e-mails.").is_visible()
    db.session.expire_all()
    assert db.session.get(NotificationDelivery, delivery.id).state == "sent"
    outbox = list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    assert len(outbox) == 1  # no Redis here: the retry ran inline, into the outbox
    assert_accessible(page)
    assert not page.js_errors


def test_readable_on_a_phone_and_keyboard_usable(mobile_page):
    from tests.meetings_data import make_round

    page = mobile_page
    parent, delivery = _failed_album_mail()
    group = GroupFactory(name="3")
    child, _ = family(group, first_name="Noor")
    make_round(group, invite=[child], title="Voortgangsgesprekken groep 3 met een lange titel")
    login(page, AdminFactory())
    page.goto("/beheer/e-mail/")
    assert page.get_by_role("heading", name="E-mail", exact=True).is_visible()
    assert page.get_by_role("heading", name="Oudergesprekken").is_visible()
    assert page.get_by_text("Voortgangsgesprekken groep 3 met een lange titel").is_visible()
    assert_fits(page)
    assert_accessible(page)
    button = page.get_by_role("button", name=f"Opnieuw versturen aan {parent.name}")
    button.focus()
    page.keyboard.press("Enter")
    page.get_by_text("Er zijn geen mislukte e-mails.").wait_for()
    db.session.expire_all()
    assert db.session.scalar(select(NotificationDelivery.state)) == "sent"
    assert_fits(page)

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


def _account_mails():
    """An activation mail the server refused and a reset mail waiting for a retry."""
    from datetime import timedelta

    from app.models import utcnow
    from tests.factories import ParentFactory

    new = ParentFactory(activated_at=None, first_name="Bé", last_name="van der Heijden-Ørsted",
                        email="be.van.der.heijden.orsted.met.een.heel.lang.adres@xn--exmple-cua.org")
    waiting = ParentFactory(first_name="Sam")
    failed = NotificationDelivery(recipient_id=new.id, kind="account:activate", key="mail:1", state="failed",
                                  attempts=1, last_error="550 5.1.1 Mailbox bestaat niet")
    db.session.add_all([failed, NotificationDelivery(
        recipient_id=waiting.id, kind="account:reset", key="mail:2", state="pending", attempts=2,
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
        next_attempt_at=utcnow() + timedelta(hours=1))])
    db.session.commit()
    return new, failed


def test_account_mails_shown_and_retried_with_a_fresh_link(page, app):
    new, failed = _account_mails()
    login(page, AdminFactory())
    page.goto("/beheer/e-mail/")
    accounts = page.locator("section", has=page.get_by_role("heading", name="Accountmails"))
    assert accounts.get_by_role("heading", name="Wachten op een nieuwe poging").is_visible()
    assert accounts.get_by_text("Connection refused").is_visible()
    assert page.locator("#mislukte-emails").get_by_text("Activatiemail").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name=f"Opnieuw versturen aan {new.name}").click()
    page.get_by_role("status").filter(has_text="De e-mail wordt opnieuw verstuurd.").wait_for()
    db.session.expire_all()
    assert db.session.get(NotificationDelivery, failed.id).state == "sent"
    (eml,) = Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")
    assert b"/activeren/" in eml.read_bytes()  # a fresh activation link (the first was never stored)
    assert_accessible(page)
    assert not page.js_errors


def test_account_mails_fit_on_a_phone(mobile_page):
    _account_mails()
    page = mobile_page
    login(page, AdminFactory())
    page.goto("/beheer/e-mail/")
    assert page.get_by_role("heading", name="Accountmails").is_visible()
    assert_fits(page)
    assert_accessible(page)

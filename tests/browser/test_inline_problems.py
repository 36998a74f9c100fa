"""Nothing fails silently (issue 17), in Chromium: every inline (htmx) action of a parent —
the privacy choice, the notification switch, booking a meeting time, a reply — after the
session ended and with a stale CSRF token (a new login in another tab) shows a Dutch
message next to the control with the focus on it, and the stored value stays unchanged,
in the database and on the page. No network: the same. The login link returns to the page.
axe-core on pages showing a message, and 360 px."""
import pytest

from tests.browser.conftest import assert_accessible, assert_fits, htmx_settled, login, open_inline_action
from tests.factories import PASSWORD
from tests.inline_actions import expire, inline_school

SESSION_TEXT = ("Niet opgeslagen. U bent automatisch uitgelogd omdat u een tijd niets in het portaal heeft "
                "gedaan. Log opnieuw in; daarna komt u terug op deze pagina.")
STALE_TEXT = ("Niet opgeslagen. Deze pagina is verlopen, bijvoorbeeld omdat u in een ander tabblad opnieuw "
              "heeft ingelogd. Laad de pagina opnieuw en probeer het nog eens.")
OFFLINE_TEXT = "Niet opgeslagen. Het portaal is niet bereikbaar. Controleer uw internetverbinding en probeer het opnieuw."


@pytest.fixture
def school(app):
    return inline_school(app)


# --- the four actions, as a parent does them, and what the page shows of the stored value ---

def _privacy_field(page):
    return page.get_by_role("group", name="Mobiel nummer", exact=True)


def do_privacy(page):
    _privacy_field(page).get_by_text("Ouders van de groep").click()
    return _privacy_field(page)


def shown_privacy(page):
    return _privacy_field(page).get_by_role("radio", name="Alleen de school").is_checked() and \
        not _privacy_field(page).get_by_role("radio", name="Ouders van de groep").is_checked()


def do_notifications(page):
    page.get_by_role("switch", name="Nieuws").click()
    return page.locator(".switch-list li").filter(has=page.get_by_role("switch", name="Nieuws"))


def shown_notifications(page):
    return page.get_by_role("switch", name="Nieuws").is_checked() and \
        not page.locator("#notificaties-waarschuwing").count()


def _slot(page):
    return page.locator('.slot-planning li.slot[data-start="10:00"]')


def do_booking(page):
    _slot(page).get_by_role("button", name="Reserveren mogelijk").click()
    return _slot(page)


def shown_booking(page):
    return _slot(page).get_by_role("button", name="Reserveren mogelijk").is_visible() and \
        not page.get_by_text("Gereserveerd voor Sam").count()


def do_reply(page):
    page.get_by_label("Uw reactie", exact=True).fill("Ik kan koffie schenken.")
    page.get_by_role("button", name="Reactie versturen").click()
    return page.locator("form.reply-form")


def shown_reply(page):
    return page.locator("#reacties .reply-text").count() == 0 and \
        page.get_by_label("Uw reactie", exact=True).input_value() == "Ik kan koffie schenken."  # kept to copy


BROWSER = {
    "privacy": (do_privacy, shown_privacy, "Niet opgeslagen."),
    "notifications": (do_notifications, shown_notifications, "Niet opgeslagen."),
    "booking": (do_booking, shown_booking, "Niet gereserveerd."),
    "reply": (do_reply, shown_reply, "Uw reactie is niet verstuurd."),
}


def message_of(page, near):
    """The message next to the control (inside its row, group or form), with the focus on it."""
    message = near.locator(".inline-problem")
    message.wait_for()
    assert message.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.classList.contains('inline-problem')")
    assert page.evaluate("window.notReloaded === true")  # in place: the page stayed
    return message


def text(locator):
    return " ".join(locator.inner_text().split())


def assert_unchanged(page, action, name):
    assert action.stored() == action.unchanged  # in the database
    assert BROWSER[name][1](page)  # and on the page


# --- an ended session ----------------------------------------------------------------------

@pytest.mark.parametrize("name", list(BROWSER))
def test_after_the_session_ended(page, app, school, name):
    action = open_inline_action(page, school, name)
    expire(app)  # three hours later: the idle limit has passed
    do, _, headline = BROWSER[name]
    message = message_of(page, do(page))
    assert text(message).startswith(SESSION_TEXT.replace("Niet opgeslagen.", headline))
    link = message.get_by_role("link", name="Opnieuw inloggen")
    assert link.get_attribute("href") == f"/login?next={action.page}"
    assert_unchanged(page, action, name)
    if name == "reply":
        assert "Uw tekst staat nog in het invulvak" in text(message)
    assert not page.js_errors


def test_logging_in_again_returns_to_the_page_with_the_stored_choice(mobile_page, app, school):
    page = mobile_page
    action = open_inline_action(page, school, "privacy")
    expire(app)
    message = message_of(page, do_privacy(page))
    assert_fits(page)
    assert_accessible(page)
    page.keyboard.press("Tab")  # from the message, the keyboard reaches its link first
    assert page.evaluate("document.activeElement.textContent") == "Opnieuw inloggen"
    page.keyboard.press("Enter")
    page.wait_for_url("**/login?next=**")
    assert_fits(page)
    page.get_by_label("Gebruikersnaam").fill(school["parent"].login_name)
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"**{action.page}")
    assert shown_privacy(page) and action.stored() == "staff"
    # And now the change works.
    do_privacy(page)
    page.locator("#privacy-status").filter(has_text="Opgeslagen.").wait_for()
    assert action.stored() == "group"
    assert not message.count() and not page.js_errors


# --- a stale CSRF token ----------------------------------------------------------------------

def new_login_in_another_tab(page, parent):
    other = page.context.new_page()
    other.goto("/")
    other.locator("#hoofdmenu").get_by_role("button", name="Uitloggen").click()
    other.wait_for_url("**/login")
    login(other, parent)
    other.close()


@pytest.mark.parametrize("name", list(BROWSER))
def test_with_a_stale_csrf_token(page, school, name):
    action = open_inline_action(page, school, name)
    new_login_in_another_tab(page, school["parent"])
    do, _, headline = BROWSER[name]
    message = message_of(page, do(page))
    assert text(message).startswith(STALE_TEXT.replace("Niet opgeslagen.", headline))
    assert message.get_by_role("link", name="Pagina opnieuw laden").get_attribute("href") == action.page
    assert_unchanged(page, action, name)
    if name in ("booking", "notifications"):
        assert_accessible(page)
    assert not page.js_errors


def test_a_stale_page_reloaded_works_again(page, school):
    action = open_inline_action(page, school, "notifications")
    new_login_in_another_tab(page, school["parent"])
    message = message_of(page, do_notifications(page))
    message.get_by_role("link", name="Pagina opnieuw laden").click()
    page.wait_for_load_state()
    htmx_settled(page)
    do_notifications(page)
    page.locator("#notificaties-waarschuwing").wait_for()
    assert action.stored() is False


# --- no network ------------------------------------------------------------------------------

def test_no_network(mobile_page, school):
    page = mobile_page
    action = open_inline_action(page, school, "notifications")
    page.route(f"**{action.path}", lambda route: route.abort("internetdisconnected"))
    message = message_of(page, do_notifications(page))
    assert text(message) == OFFLINE_TEXT
    assert not message.get_by_role("link").count()
    assert_unchanged(page, action, "notifications")
    assert_fits(page)
    assert_accessible(page)
    # The network is back: the switch works, and the message goes.
    page.unroute(f"**{action.path}")
    do_notifications(page)
    page.locator("#notificaties-waarschuwing").wait_for()
    assert action.stored() is False
    assert not page.locator(".inline-problem").count()
    assert not page.js_errors


def test_a_message_next_to_a_slot_fits_a_phone(mobile_page, app, school):
    page = mobile_page
    action = open_inline_action(page, school, "booking")
    expire(app)
    message_of(page, do_booking(page))
    assert_unchanged(page, action, "booking")
    assert_fits(page)
    assert_accessible(page)

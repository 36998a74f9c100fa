"""Mijn account › Apparaten in Chromium: the list of login sessions on a phone (360 px) and a
laptop, ending the other one from the list, and "Uitloggen op alle apparaten"; axe-core."""
import re

import pytest

from tests.browser.conftest import NARROW, WIDE, assert_accessible, assert_fits, login
from tests.factories import PASSWORD, ParentFactory

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/131.0.0.0 Safari/537.36")


@pytest.fixture
def devices(browser, live_server):
    """A phone (Safari on an iPhone, 360 px) and a laptop (Chrome on Windows, wide)."""
    contexts = []

    def open_device(user_agent, viewport):
        context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="nl-NL",
                                      user_agent=user_agent)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
        return page

    yield open_device(IPHONE, NARROW), open_device(WINDOWS, WIDE)
    for context in contexts:
        context.close()


def test_the_list_on_a_phone_and_ending_the_laptops_session(devices):
    phone, laptop = devices
    parent = ParentFactory(first_name="Marloes")
    login(laptop, parent)
    login(phone, parent)

    # On the phone, through the menu: Mijn School › Mijn account › Apparaten.
    phone.locator(".menu-toggle").click()
    phone.locator("#hoofdmenu").get_by_role("link", name="Mijn account").click()
    phone.get_by_role("navigation", name="Mijn account").get_by_role("link", name="Apparaten").click()
    phone.wait_for_url("**/account/apparaten")
    items = phone.locator(".session-list > li")
    assert items.count() == 2
    this_device = phone.locator('.session-list > li[aria-current="true"]')
    assert "Safari op iPhone" in this_device.inner_text() and "dit apparaat" in this_device.inner_text()
    assert "Laatst actief: nu" in this_device.inner_text()
    other = items.filter(has_text="Chrome op Windows")
    assert re.search(r"Ingelogd: \w+dag \d+ \w+ \d{4} \d\d:\d\d", other.inner_text())
    assert_fits(phone)
    assert_accessible(phone)

    other.get_by_role("button", name=re.compile(r"^Uitloggen\W+Chrome op Windows")).click()
    phone.get_by_role("status").filter(has_text="Dat apparaat is uitgelogd.").wait_for()
    assert phone.locator(".session-list > li").count() == 1
    assert_fits(phone)
    assert_accessible(phone)

    laptop.goto("/berichten")
    assert "/login" in laptop.url  # the laptop's session has ended
    assert laptop.get_by_label("Gebruikersnaam").is_visible()
    phone.goto("/")
    assert "/login" not in phone.url  # the phone's has not
    assert not phone.js_errors and not laptop.js_errors


def test_logging_out_on_all_devices(devices):
    phone, laptop = devices
    parent = ParentFactory()
    login(phone, parent)
    login(laptop, parent)
    laptop.goto("/account/apparaten")
    assert_accessible(laptop)
    laptop.get_by_role("button", name="Uitloggen op alle apparaten").click()
    laptop.wait_for_url("**/login")
    assert laptop.get_by_role("status").filter(has_text="U bent op alle apparaten uitgelogd.").is_visible()
    assert_accessible(laptop)
    phone.goto("/account/apparaten")
    assert "/login" in phone.url
    assert_fits(phone)


def test_staying_logged_in_on_a_phone(devices, app):
    """"Ingelogd blijven" on the phone: a cookie with an expiry (it outlives the browser), the
    list says until when; the login form with the choice on a phone passes axe-core."""
    phone, laptop = devices
    parent = ParentFactory()
    app.config["PRETEND_NOW"] = "2026-01-05 09:00"
    phone.goto("/login")
    keep = phone.get_by_role("checkbox", name="Ingelogd blijven")
    assert not keep.is_checked()
    assert "u blijft dan 30 dagen ingelogd, ook als u de browser sluit" in keep.evaluate(
        "box => document.getElementById(box.getAttribute('aria-describedby')).textContent")
    assert_fits(phone)
    assert_accessible(phone)
    phone.get_by_label("Gebruikersnaam").fill(parent.login_name)
    phone.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    keep.check()
    phone.get_by_role("button", name="Inloggen").click()
    phone.wait_for_url(lambda url: "/login" not in url)
    (cookie,) = [c for c in phone.context.cookies() if c["name"] == "session"]
    assert cookie["expires"] > 0 and cookie["httpOnly"]  # not a cookie that ends with the browser
    login(laptop, parent)
    (laptop_cookie,) = [c for c in laptop.context.cookies() if c["name"] == "session"]
    assert laptop_cookie["expires"] == -1

    app.config["PRETEND_NOW"] = "2026-02-03 09:00"  # 29 days later, the phone is still logged in
    phone.goto("/account/apparaten")
    assert "/login" not in phone.url
    this_device = phone.locator('.session-list > li[aria-current="true"]')
    assert "Blijft ingelogd tot woensdag 4 februari 2026 09:00" in " ".join(this_device.inner_text().split())
    assert_fits(phone)
    assert_accessible(phone)

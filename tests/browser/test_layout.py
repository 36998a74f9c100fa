"""Login and logout in Chromium at 1280 px and 360 px; axe-core on login, reset and Home."""
from tests.browser.conftest import assert_accessible, assert_fits, login
from tests.factories import ChildFactory, GroupFactory, GuardianshipFactory, ParentFactory


def _parent_with_child():
    group = GroupFactory(name="3")
    child = ChildFactory(first_name="Sam", group=group)
    parent = ParentFactory(first_name="Marloes")
    GuardianshipFactory(parent=parent, child=child)
    return parent


def test_login_and_logout_wide(page):
    parent = _parent_with_child()
    page.goto("/mijnschool")
    assert page.url.endswith("/login")
    assert_accessible(page)
    login(page, parent)
    assert page.get_by_role("heading", name="Welkom, Marloes").is_visible()
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    assert menu.is_visible()  # the menu on the left on wide screens
    assert not page.locator(".menu-toggle").is_visible()
    assert page.get_by_text("Sam").first.is_visible()
    assert_accessible(page)
    menu.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/login")
    assert page.get_by_text("U bent uitgelogd.").is_visible()
    page.goto("/")
    assert "/login" in page.url
    assert not page.js_errors


def test_login_and_logout_narrow_through_the_menu_button(mobile_page):
    page = mobile_page
    parent = _parent_with_child()
    login(page, parent)
    toggle = page.locator(".menu-toggle")
    assert toggle.is_visible()
    box = toggle.bounding_box()
    assert box["x"] > 360 - 80 and box["y"] < 60  # top right
    color = toggle.evaluate("el => getComputedStyle(el).backgroundColor")
    assert color == "rgb(179, 0, 0)"  # the red square
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    assert not menu.is_visible()
    assert_fits(page)
    assert_accessible(page)
    toggle.click()
    assert menu.is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert menu.get_by_text("Mijn School").is_visible()
    assert menu.get_by_role("link", name="Mijn account").is_visible()
    menu.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/login")
    assert_fits(page)


def test_menu_works_from_the_keyboard(mobile_page):
    page = mobile_page
    login(page, _parent_with_child())
    page.locator(".menu-toggle").focus()
    page.keyboard.press("Enter")
    assert page.get_by_role("navigation", name="Hoofdmenu").is_visible()
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Home"
    page.keyboard.press("Escape")
    assert not page.get_by_role("navigation", name="Hoofdmenu").is_visible()


def test_wrong_password_message_and_reset_page_accessible(page, mobile_page):
    parent = ParentFactory()
    page.goto("/login")
    page.get_by_label("Gebruikersnaam").fill(parent.login_name)
    page.get_by_label("Wachtwoord", exact=True).fill("Fout!Wachtw00rd")
    page.get_by_role("button", name="Inloggen").click()
    assert page.get_by_text("Gebruikersnaam of wachtwoord onjuist.").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    page.wait_for_url("**/wachtwoord-vergeten")
    assert_accessible(page)
    page.get_by_label("Gebruikersnaam").fill("onbekend@example.com")
    page.get_by_role("button", name="Aanvragen").click()
    assert page.get_by_role("heading", name="Controleer uw e-mail").is_visible()
    assert_accessible(page)
    mobile_page.goto("/wachtwoord-vergeten")
    assert_fits(mobile_page)
    assert_accessible(mobile_page)

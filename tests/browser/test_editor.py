"""Beheer's text editor in Chromium (issue 17): the Vet button makes bold text, the preview
shows it as parents will (focus on it, announced), keyboard only, axe-core, 360 px."""
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, assert_fits, htmx_settled, login
from tests.factories import AdminFactory, GroupFactory, teacher_of


def test_bold_button_and_preview_on_a_phone(mobile_page):
    page = mobile_page
    login(page, AdminFactory())
    page.goto("/beheer/nieuws/nieuw")
    body = page.get_by_label("Tekst", exact=True)
    body.fill("De schoolreis gaat door")
    body.evaluate("el => el.setSelectionRange(14, 23)")  # "gaat door"
    page.get_by_role("button", name="Vet").click()
    assert body.input_value() == "De schoolreis **gaat door**"
    body.press("End")
    body.type("\n\n<script>window.__oeps = 1</script>")
    page.get_by_role("button", name="Voorbeeld bekijken").click()
    preview = page.locator(".editor-preview-output")
    expect(preview.locator("strong")).to_have_text("gaat door")
    expect(preview).to_be_focused()
    expect(page.locator("#portal-announcer")).to_have_text("Het voorbeeld is bijgewerkt.")
    assert "<script>" in preview.inner_text()  # shown as text, never run
    assert page.evaluate("window.__oeps") is None
    assert_fits(page)
    assert_accessible(page)
    assert not page.js_errors


def test_toolbar_from_the_keyboard_on_the_message_form(page):
    login(page, teacher_of(GroupFactory(name="4")))
    page.goto("/beheer/berichten/nieuw")
    text = page.get_by_label("Tekst", exact=True)
    text.focus()
    page.keyboard.type("Neem mee")
    page.keyboard.press("Shift+Home")
    page.keyboard.press("Control+i")
    assert text.input_value() == "*Neem mee*"
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    # Tab back to the toolbar is long; the buttons are ordinary buttons: focus one, press Enter.
    page.get_by_role("button", name="Lijst").focus()
    page.keyboard.press("Enter")
    assert text.input_value() == "*Neem mee*\n\n- eerste punt"
    expect(text).to_be_focused()
    page.get_by_role("button", name="Link").focus()
    page.keyboard.press("Enter")
    assert text.input_value() == "*Neem mee*\n\n- [eerste punt](https://)"  # the selected placeholder became the link text
    page.get_by_role("button", name="Voorbeeld bekijken").focus()
    page.keyboard.press("Enter")
    htmx_settled(page)
    preview = page.locator(".editor-preview-output")
    expect(preview.locator("em")).to_have_text("Neem mee")
    expect(preview.locator("li").first).to_have_text("eerste punt")
    assert_accessible(page)
    assert not page.js_errors

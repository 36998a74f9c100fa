"""Focus and feedback after every htmx swap (issue 17), keyboard only, in Chromium: a reply,
booking and cancelling a meeting time, a privacy choice and a notification switch. After
each swap the focus is on the result (the message, the field to correct) or stays on the
control that was used, and the page's one polite live region says what happened. And the
focus ring has at least 3:1 contrast against whatever lies behind it, on every page a
parent and a teacher tab through, light or dark."""
import pytest

from tests.browser.conftest import assert_accessible, assert_fits, htmx_settled, login, open_inline_action
from tests.inline_actions import actions, inline_school

ANNOUNCER = "#portal-announcer"


@pytest.fixture
def school(app):
    return inline_school(app)


def active(page, script="el => el"):
    return page.evaluate(f"(() => {{ const f = {script}; return f(document.activeElement); }})()")


def tab_to(page, test, limit=80):
    """Press Tab until the focused element passes `test` (a JS function of the element)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"({test})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element for which {test}")


def announced(page, text):
    page.locator(ANNOUNCER).filter(has_text=text).wait_for()
    region = page.locator(ANNOUNCER)
    assert region.get_attribute("role") == "status" and region.get_attribute("aria-live") == "polite"
    return " ".join(region.inner_text().split())


def test_reply_by_keyboard(mobile_page, school):
    page = mobile_page
    open_inline_action(page, school, "reply")
    tab_to(page, "el => el.tagName === 'TEXTAREA'")
    page.keyboard.type("Ik kan koffie schenken.")
    page.keyboard.press("Tab")
    assert active(page, "el => el.textContent") == "Reactie versturen"
    page.keyboard.press("Enter")
    assert announced(page, "verstuurd") == "Uw reactie is verstuurd."
    assert active(page, "el => el.textContent") == "Uw reactie is verstuurd."
    assert page.locator("#reacties .reply-text").inner_text() == "Ik kan koffie schenken."
    # An empty reply: the focus goes to the field to fill in, which says why.
    tab_to(page, "el => el.textContent === 'Reactie versturen'")
    page.keyboard.press("Enter")
    page.get_by_text("Schrijf eerst uw reactie.").first.wait_for()
    htmx_settled(page)
    page.wait_for_function("document.activeElement.tagName === 'TEXTAREA'")
    assert active(page, "el => el.getAttribute('aria-invalid')") == "true"
    assert page.evaluate("window.notReloaded === true")
    assert_fits(page)
    assert_accessible(page)
    assert not page.js_errors


def test_booking_and_cancelling_by_keyboard(page, school):
    open_inline_action(page, school, "booking")
    tab_to(page, "el => el.classList.contains('slot-book') && el.closest('li').dataset.start === '10:00'")
    page.keyboard.press("Enter")
    text = announced(page, "Gereserveerd voor Sam")
    assert active(page, "el => el.classList.contains('meeting-message')")
    assert active(page, "el => el.textContent") == text
    # From the message the keyboard goes on into the list: on to "Annuleren", which asks first.
    page.once("dialog", lambda dialog: dialog.accept())
    tab_to(page, "el => el.classList.contains('slot-cancel')")
    page.keyboard.press("Enter")
    announced(page, "geannuleerd")
    assert active(page, "el => el.classList.contains('meeting-message')")
    assert "geannuleerd" in active(page, "el => el.textContent")
    assert actions(school)["booking"].stored() == []
    assert page.evaluate("window.notReloaded === true")
    assert_accessible(page)
    assert not page.js_errors


def test_privacy_choice_by_keyboard(mobile_page, school):
    page = mobile_page
    action = open_inline_action(page, school, "privacy")
    legend = "el => el.type === 'radio' && el.closest('fieldset').querySelector('legend').textContent === 'Mobiel nummer'"
    tab_to(page, legend)
    first = active(page, "el => el.id")
    page.keyboard.press("ArrowRight")  # the next choice: saved at once
    assert announced(page, "Opgeslagen.") == "Opgeslagen."
    htmx_settled(page)
    chosen = active(page, "el => el.id")
    assert chosen != first and active(page, "el => el.checked")  # still on the choice, now stored
    assert active(page, legend)
    assert action.stored() == "group"
    # And on to the next one, without leaving the group.
    page.evaluate(f"document.querySelector('{ANNOUNCER}').textContent = ''")
    page.keyboard.press("ArrowRight")
    announced(page, "Opgeslagen.")
    htmx_settled(page)
    assert active(page, legend) and active(page, "el => el.checked") and active(page, "el => el.id") != chosen
    assert action.stored() != "group"
    assert_fits(page)
    assert_accessible(page)
    assert not page.js_errors


def test_notification_switch_by_keyboard(page, school):
    action = open_inline_action(page, school, "notifications")
    tab_to(page, "el => el.getAttribute('role') === 'switch' && el.labels[0].textContent === 'Nieuws'")
    page.keyboard.press("Space")
    assert announced(page, "Opgeslagen.").startswith("Opgeslagen.")
    htmx_settled(page)
    assert active(page, "el => el.labels[0].textContent") == "Nieuws"
    assert active(page, "el => el.checked") is False and action.stored() is False
    assert not page.js_errors


# --- the focus ring ------------------------------------------------------------------------

RING = """el => {
  // The ring is the element's own outline, or (a hidden radio, the photo button) its label's.
  const candidates = [el, el.nextElementSibling].filter(Boolean);
  const ring = candidates.find(c => { const s = getComputedStyle(c);
    return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; });
  if (!ring) return {name: el.outerHTML.slice(0, 80), missing: true};
  // What lies behind the ring: the first opaque background from the ring's parent up.
  let behind = ring.parentElement, bg = 'rgb(255, 255, 255)';
  for (; behind; behind = behind.parentElement) {
    const color = getComputedStyle(behind).backgroundColor;
    if (color !== 'transparent' && !color.endsWith(', 0)')) { bg = color; break; }
  }
  return {name: el.outerHTML.slice(0, 80), ring: getComputedStyle(ring).outlineColor, bg: bg};
}"""


def luminance(css):
    values = [float(part) for part in css[css.index("(") + 1:-1].split(",")[:3]]
    channels = [v / 255 for v in values]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one, other):
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rings_on(page, presses=60):
    seen = {}
    for _ in range(presses):
        page.keyboard.press("Tab")
        found = page.evaluate(f"({RING})(document.activeElement)")
        if found["name"].startswith("<body"):
            break
        seen[found["name"]] = found
    return list(seen.values())


def test_focus_ring_contrast_everywhere(page, school):
    login(page, school["parent"])
    weak = []
    for path in ("/", "/account/privacy", "/account/notificaties", actions(school)["booking"].page,
                 actions(school)["reply"].page):
        page.goto(path)
        htmx_settled(page)
        for found in rings_on(page):
            if found.get("missing") or contrast(found["ring"], found["bg"]) < 3:
                weak.append((path, found))
    assert not weak, weak


def test_focus_ring_contrast_for_staff(page, school):
    login(page, school["teacher"])
    weak = []
    for path in ("/", "/beheer/"):
        page.goto(path)
        for found in rings_on(page):
            if found.get("missing") or contrast(found["ring"], found["bg"]) < 3:
                weak.append((path, found))
    assert not weak, weak

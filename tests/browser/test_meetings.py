"""Oudergesprekken in Chromium: the double-slot hover highlight, booking and cancelling
inline (htmx), a refusal when someone was faster, the closed view, without JavaScript;
axe-core and 360 px on the parents' and the teacher's pages."""
import pytest

from app.extensions import db
from tests.browser.conftest import NARROW, assert_accessible, assert_fits, login
from tests.factories import GroupFactory, family, teacher_of
from tests.meetings_data import book_directly, make_round, pretend
from tests.test_meetings import booked_times


@pytest.fixture(autouse=True)
def _clock(app):
    """Every slot of the test rounds lies ahead (the rounds are in March 2026)."""
    pretend(app)


@pytest.fixture
def klas(app):
    group = GroupFactory(name="3")
    sam, (parent,) = family(group, first_name="Sam")
    noor, (noor_parent,) = family(group, first_name="Noor")
    finn, (finn_parent,) = family(group, first_name="Finn")
    round_ = make_round(group, invite=[noor, finn], double=[sam], breaks="11:10-11:20",
                        info="In het lokaal van groep 3.", messages={sam.id: "Ik neem wat meer tijd voor ons gesprek."})
    return {"group": group, "sam": sam, "parent": parent, "noor": noor, "noor_parent": noor_parent,
            "finn": finn, "finn_parent": finn_parent, "round": round_, "teacher": teacher_of(group)}


def row(page, clock):
    return page.locator(f'.slot-planning li.slot[data-start="{clock}"]')


def status_of(page, clock):
    return " ".join(row(page, clock).locator(".slot-status").inner_text().split())


def highlighted(page):
    return page.eval_on_selector_all(".slot.is-highlighted", "rows => rows.map(r => r.dataset.start)")


def detail(klas):
    return f"/oudergesprekken/{klas['round'].id}/kind/{klas['sam'].id}"


def test_double_slot_hover_highlights_two_and_books_inline(page, klas):
    login(page, klas["parent"])
    page.goto("/oudergesprekken/")
    page.get_by_role("link", name="Inschrijven voor Sam").click()
    page.wait_for_url(f"**{detail(klas)}")
    assert page.get_by_text("Ik neem wat meer tijd voor ons gesprek.").is_visible()
    page.evaluate("window.notReloaded = true")

    row(page, "10:30").hover()
    assert highlighted(page) == ["10:30", "10:40"]
    plain = row(page, "10:50").evaluate("r => getComputedStyle(r).backgroundColor")
    lit = row(page, "10:30").evaluate("r => getComputedStyle(r).backgroundColor")
    assert lit != plain  # the two slots light up together
    row(page, "11:00").hover()  # 11:10 is the break: 11:00 is not offered, nothing lights up
    assert status_of(page, "11:00") == "Te kort voor een dubbel gesprek"
    assert highlighted(page) == []

    row(page, "10:40").get_by_role("button", name="Reserveren mogelijk").click()
    page.get_by_role("status").filter(has_text="Gereserveerd voor Sam").wait_for()
    assert status_of(page, "10:30") == "Reserveren mogelijk"
    assert status_of(page, "10:40") == "Gereserveerd – Annuleren"
    assert status_of(page, "10:50") == "Gereserveerd"
    assert page.evaluate("window.notReloaded === true")  # swapped in place
    assert page.evaluate("document.activeElement.classList.contains('meeting-message')")
    assert_accessible(page)

    # "Annuleren" asks first, as in Beheer: "no" keeps the booking ...
    questions = []

    def answer(accept):
        def handle(dialog):
            questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()
        return handle

    page.once("dialog", answer(False))
    row(page, "10:40").get_by_role("button", name="Annuleren").click()
    assert questions == ["De reservering voor Sam op dinsdag 10 maart 2026, 10:40–11:00 annuleren?"]
    page.wait_for_timeout(300)
    assert status_of(page, "10:40") == "Gereserveerd – Annuleren"
    assert booked_times(klas["round"], klas["sam"]) == ["10:40", "10:50"]
    # ... "yes" cancels, in place.
    page.once("dialog", answer(True))
    row(page, "10:40").get_by_role("button", name="Annuleren").click()
    page.get_by_role("status").filter(has_text="geannuleerd").wait_for()
    assert len(questions) == 2
    assert status_of(page, "10:40") == "Reserveren mogelijk"
    assert status_of(page, "10:50") == "Reserveren mogelijk"
    assert page.evaluate("window.notReloaded === true")
    assert booked_times(klas["round"], klas["sam"]) == []
    assert not page.js_errors


def test_keyboard_and_a_click_on_the_row(page, klas):
    login(page, klas["parent"])
    page.goto(detail(klas))
    button = row(page, "10:00").get_by_role("button", name="Reserveren mogelijk")
    button.focus()
    assert highlighted(page) == ["10:00", "10:10"]  # focus highlights like hovering
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="10:00–10:20").wait_for()
    assert status_of(page, "10:00") == "Gereserveerd – Annuleren"
    # Changing: a click anywhere on a free row moves the booking there.
    row(page, "10:30").locator(".slot-time").click()
    page.get_by_role("status").filter(has_text="10:30–10:50").wait_for()
    assert status_of(page, "10:30") == "Gereserveerd – Annuleren"
    assert status_of(page, "10:00") == "Reserveren mogelijk"
    assert not page.js_errors


def test_someone_else_was_faster(page, klas):
    login(page, klas["parent"])
    page.goto(detail(klas))
    assert status_of(page, "10:20") == "Reserveren mogelijk"
    book_directly(klas["noor_parent"], klas["round"], klas["noor"], "10:30")  # meanwhile, another family
    row(page, "10:20").get_by_role("button", name="Reserveren mogelijk").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Dit tijdslot is zojuist door een andere ouder gereserveerd." in alert.inner_text()
    assert status_of(page, "10:30") == "Gereserveerd"  # the refreshed list
    assert status_of(page, "10:20") == "Te kort voor een dubbel gesprek"
    assert_accessible(page)


def test_closed_view_on_a_phone(mobile_page, klas):
    page = mobile_page
    book_directly(klas["parent"], klas["round"], klas["sam"], "10:40")
    book_directly(klas["noor_parent"], klas["round"], klas["noor"], "10:00")
    klas["round"].status = "closed"
    db.session.commit()
    login(page, klas["parent"])
    page.goto(detail(klas))
    rows = page.locator(".slot-planning li.slot")
    assert rows.count() == 2
    assert status_of(page, "10:40") == "Gereserveerd" and status_of(page, "10:50") == "Gereserveerd"
    assert page.locator(".slot-planning button").count() == 0
    assert page.get_by_text("De planning is gesloten").is_visible()
    assert_fits(page)
    assert_accessible(page)


def test_booking_without_javascript(browser, live_server, klas, mobile_page):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=NARROW)
    try:
        page = context.new_page()
        login(page, klas["parent"])
        page.goto(detail(klas))
        row(page, "10:40").get_by_role("button", name="Reserveren mogelijk").click()
        page.wait_for_url(f"**{detail(klas)}")
        assert page.get_by_text("Gereserveerd voor Sam").first.is_visible()
        assert status_of(page, "10:40") == "Gereserveerd – Annuleren"
        # "Annuleren" without JavaScript: a question page first, nothing cancelled yet.
        row(page, "10:40").get_by_role("button", name="Annuleren").click()
        page.get_by_role("heading", name="Reservering annuleren").wait_for()
        assert "Wilt u de reservering voor Sam op dinsdag 10 maart 2026, 10:40–11:00 annuleren?" in \
            " ".join(page.locator("main").inner_text().split())
        assert booked_times(klas["round"], klas["sam"]) == ["10:40", "10:50"]
        assert_fits(page)
        question = page.content()
        page.get_by_role("link", name="Nee, de reservering houden").click()
        page.wait_for_url(f"**{detail(klas)}")
        assert status_of(page, "10:40") == "Gereserveerd – Annuleren"
        row(page, "10:40").get_by_role("button", name="Annuleren").click()
        page.get_by_role("button", name="Ja, annuleren").click()
        page.wait_for_url(f"**{detail(klas)}")
        assert page.get_by_text("De reservering voor Sam is geannuleerd.").first.is_visible()
        assert status_of(page, "10:40") == "Reserveren mogelijk"
        assert booked_times(klas["round"], klas["sam"]) == []
        assert_fits(page)
    finally:
        context.close()
    # axe-core needs JavaScript: the question page as it was, checked in a page that has it.
    mobile_page.goto("/login")
    mobile_page.set_content(question)
    assert_accessible(mobile_page)
    assert_fits(mobile_page)


def test_parent_pages_accessible_and_fit_on_a_phone(page, mobile_page, klas):
    book_directly(klas["noor_parent"], klas["round"], klas["noor"], "10:50")
    for p in (page, mobile_page):
        login(p, klas["parent"])
        for url in ("/", "/oudergesprekken/", detail(klas)):
            p.goto(url)
            assert_accessible(p)
            if p is mobile_page:
                assert_fits(p)
    assert mobile_page.get_by_role("button", name="Reserveren mogelijk").first.is_visible()


def test_teacher_pages_accessible_and_fit_on_a_phone(page, mobile_page, klas):
    book_directly(klas["parent"], klas["round"], klas["sam"], "10:00")
    base = f"/beheer/oudergesprekken/{klas['round'].id}"
    for p in (page, mobile_page):
        login(p, klas["teacher"])
        for url in ("/beheer/oudergesprekken/", "/beheer/oudergesprekken/nieuw", base, f"{base}/planning",
                    f"{base}/afdrukken"):
            p.goto(url)
            assert_accessible(p)
            if p is mobile_page:
                assert_fits(p)
    # The teacher blocks a slot from the planning (a plain form post).
    page.goto(f"{base}/planning")
    page.get_by_role("button", name="Blokkeren 10:20").click()
    page.get_by_text("Het tijdslot is geblokkeerd.").wait_for()
    assert page.locator("tr", has_text="10:20–10:30").get_by_role("button", name="Vrijgeven 10:20").is_visible()


def test_a_begun_slot_in_the_browser(page, klas, app):
    """With the clock at 10:25 the slots up to 10:20 read "Voorbij" and have no button."""
    pretend(app, "2026-03-10 10:25")
    login(page, klas["parent"])
    page.goto(detail(klas))
    assert status_of(page, "10:00") == "Voorbij" and status_of(page, "10:20") == "Voorbij"
    assert row(page, "10:20").get_by_role("button").count() == 0
    assert status_of(page, "10:30") == "Reserveren mogelijk"
    assert_accessible(page)


def test_teacher_confirms_a_day_in_the_past_and_sets_a_room(mobile_page, klas, app):
    page = mobile_page
    pretend(app, "2026-03-11 09:00")
    login(page, klas["teacher"])
    page.goto(f"/beheer/oudergesprekken/{klas['round'].id}")
    page.get_by_label("Datum").fill("2026-03-10")
    page.get_by_label("Begintijd").fill("13:00")
    page.get_by_label("Eindtijd").fill("14:00")
    page.get_by_label("Lokaal (optioneel)").fill("Aula")
    page.get_by_role("button", name="Dag toevoegen").click()
    page.get_by_role("alert").filter(has_text="ligt in het verleden").wait_for()
    confirm = page.get_by_label("Toch toevoegen: deze dag ligt in het verleden")
    assert confirm.is_visible() and not confirm.is_checked()
    assert page.get_by_label("Lokaal (optioneel)").input_value() == "Aula"  # kept
    assert_fits(page)
    assert_accessible(page)
    confirm.check()
    page.get_by_role("button", name="Dag toevoegen").click()
    page.get_by_text("De dag is toegevoegd.").wait_for()
    # The room of the first day, changed in place (the round is open: the families hear of it).
    page.get_by_label("Lokaal op dinsdag 10 maart 2026, 10:00–11:30").fill("Lokaal 3")
    page.get_by_role("button", name="Opslaan (lokaal op 10-03-2026, 10:00–11:30)").click()
    page.get_by_text("Het lokaal is opgeslagen.").wait_for()
    assert page.get_by_label("Lokaal op dinsdag 10 maart 2026, 10:00–11:30").input_value() == "Lokaal 3"
    assert page.get_by_label("Lokaal op dinsdag 10 maart 2026, 13:00–14:00").input_value() == "Aula"
    assert_fits(page)
    assert_accessible(page)

"""Gesprekken in Chromium, on a phone (360 px): a parent starts a conversation about their
child with the teacher, the teacher answers inline (htmx) and the focus lands on the
status that says it was sent, the parent sees the answer and that the teacher read the
message. axe-core on every page of the flow; every page fits at 360 px."""
import re

import pytest

from app.extensions import db
from tests.browser.conftest import NARROW, _page, assert_accessible, assert_fits, htmx_settled, login
from tests.factories import GroupFactory, family, teacher_of

# A Wednesday, inside the working hours (07:30–17:30); the pretended clock stands still,
# so it moves on a few minutes between the parent's and the teacher's turns.
INSIDE, LATER, LATEST = "2026-12-02 10:00", "2026-12-02 10:05", "2026-12-02 10:10"


@pytest.fixture
def school(app):
    app.config["PRETEND_NOW"] = INSIDE
    group = GroupFactory(name="3")
    sam, (mother,) = family(group, first_name="Sam", last_name="Jansen")
    teacher = teacher_of(group, first_name="Anna", last_name="de Vries")
    db.session.commit()
    yield {"sam": sam, "mother": mother, "teacher": teacher}
    app.config.pop("PRETEND_NOW", None)


@pytest.fixture
def teacher_page(browser, live_server):
    """The teacher's own browser, also a small phone."""
    context, page = _page(browser, live_server, NARROW)
    yield page
    context.close()


def checked(page):
    """Every page of the flow: no axe-core findings, no sideways scrolling, no script errors."""
    assert_fits(page)
    assert_accessible(page)
    assert not page.js_errors


def badge_of(message):
    return " ".join(message.locator(".reply-meta .badge").inner_text().split())


def parent_starts(page):
    page.goto("/gesprekken")
    assert page.get_by_text("U heeft nog geen gesprekken.").is_visible()
    checked(page)
    page.get_by_role("link", name="Nieuw gesprek").click()
    page.wait_for_url("**/gesprekken/nieuw")
    checked(page)
    assert page.get_by_label("Over welk kind?").input_value()  # the one child is chosen already
    page.get_by_label("De leerkracht(en)").check()
    page.get_by_label("Onderwerp").fill("Gymschoenen")
    page.get_by_label("Uw bericht").fill("Sam is zijn gymschoenen kwijt. Liggen ze nog in de gymzaal?")
    page.get_by_role("button", name="Bericht versturen").click()
    page.wait_for_url(re.compile(r"/gesprekken/\d+$"))
    assert page.get_by_role("heading", name="Gymschoenen", level=1).is_visible()
    assert page.get_by_text("Uw bericht is verstuurd.").is_visible()
    mine = page.locator("#gesprek .reply").first
    assert badge_of(mine) == "ongelezen"  # the teacher has not opened it yet
    checked(page)
    return page.url


def teacher_answers(page):
    page.goto("/beheer/")
    checked(page)
    page.get_by_role("link", name="1 gesprek wacht op antwoord").click()
    page.wait_for_url("**/beheer/gesprekken?open=1")
    checked(page)
    page.get_by_role("link", name="Gymschoenen").click()
    page.wait_for_url(re.compile(r"/beheer/gesprekken/\d+$"))
    assert page.get_by_text("Sam is zijn gymschoenen kwijt.").is_visible()
    checked(page)
    htmx_settled(page)
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Uw antwoord").fill("Ik kijk straks in de gymzaal.")
    page.get_by_role("button", name="Antwoord versturen").click()
    status = page.locator("#gesprek-verstuurd")
    status.wait_for()
    htmx_settled(page)
    assert page.evaluate("window.notReloaded === true")  # answered in place (htmx)
    assert status.inner_text() == "Uw antwoord is verstuurd."
    # The button that had the focus is gone with the swap: the focus is on the status.
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'gesprek-verstuurd'")
    answer = page.locator("#gesprek .reply").last
    assert "Ik kijk straks in de gymzaal." in answer.inner_text()
    assert page.get_by_role("heading", name="Berichten (2)").is_visible()
    assert page.get_by_label("Uw antwoord").input_value() == ""  # a fresh form for the next answer
    checked(page)


def test_a_parent_writes_the_teacher_answers_inline_and_the_parent_reads_it(app, mobile_page, teacher_page,
                                                                             school):
    parent = mobile_page
    login(parent, school["mother"])
    thread = parent_starts(parent)

    app.config["PRETEND_NOW"] = LATER
    login(teacher_page, school["teacher"])
    teacher_answers(teacher_page)

    app.config["PRETEND_NOW"] = LATEST
    parent.goto("/gesprekken")
    row = parent.locator(".conversation-row").filter(has_text="Gymschoenen")
    assert "ongelezen" in row.inner_text()  # the answer is new for the parent
    checked(parent)
    row.get_by_role("link", name="Gymschoenen").click()
    parent.wait_for_url(thread)
    mine, answer = parent.locator("#gesprek .reply").all()
    assert badge_of(mine) == "gelezen"  # the teacher opened the conversation after it came in
    assert "Ik kijk straks in de gymzaal." in answer.inner_text()
    assert "Anna de Vries (school)" in " ".join(answer.locator(".reply-meta").inner_text().split())
    checked(parent)
    parent.goto("/gesprekken")
    assert "ongelezen" not in parent.locator(".conversation-row").first.inner_text()
    checked(parent)

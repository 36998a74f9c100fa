"""Oudergesprekken: the parents' slot list and its rules, the teacher's planning, access.

The manual's chapter Oudergesprekken is the acceptance text: its status texts and its
example (10:30–10:40 "Reserveren mogelijk", 10:40–10:50 "Gereserveerd – Annuleren",
10:50–11:00 "Gereserveerd"; after closing only the own times as "Gereserveerd").
"""
import csv
import io
import re
from datetime import date, time
from html import unescape

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.meetings import services
from app.models import (
    MeetingBooking,
    MeetingDay,
    MeetingInvitation,
    MeetingReservation,
    MeetingRound,
    MeetingSlot,
    NotificationEvent,
    utcnow,
)
from tests.fixtures.users import Auth, csrf_from
from tests.factories import AdminFactory, ChildFactory, GroupFactory, GuardianshipFactory, family, teacher_of
from tests.fixtures.queries import count_queries
from tests.meetings_data import DAY, book_directly, make_round, pretend, slot_at

SLOT_RE = re.compile(
    r'<li class="slot slot-(?P<state>\w+)" data-start="(?P<start>\d\d:\d\d)">\s*'
    r'<span class="slot-time"[^>]*>(?P<time>[^<]+)</span>\s*'
    r'<span class="slot-status">(?P<status>.*?)</span>',
    re.S,
)


def slot_texts(html):
    """{'10:30–10:40': 'Reserveren mogelijk', ...} as a person reads the slot list."""
    result = {}
    for match in SLOT_RE.finditer(html):
        status = re.sub(r"<[^>]+>", " ", match.group("status"))
        result[match.group("time").strip()] = " ".join(status.split())
    return result


def page_url(round_, child):
    return f"/oudergesprekken/{round_.id}/kind/{child.id}"


def post_form(client, url, data, page, headers=None):
    """POST like the page's own form does (CSRF token from that page)."""
    data = dict(data)
    data["csrf_token"] = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data=data, headers=headers or {})


def book(client, round_, child, clock, version="", htmx=False):
    slot = slot_at(round_, clock)
    headers = {"HX-Request": "true"} if htmx else {}
    return post_form(client, page_url(round_, child) + "/reserveren",
                     {"slot": slot.id, "versie": version}, page_url(round_, child), headers)


def cancel(client, round_, child, version, htmx=False, confirmed=True):
    """'Annuleren', confirmed (the browser's question with htmx, the question page without)."""
    headers = {"HX-Request": "true"} if htmx else {}
    data = {"versie": version, **({"bevestigd": "1"} if confirmed else {})}
    return post_form(client, page_url(round_, child) + "/annuleren", data, page_url(round_, child), headers)


def reservation_of(round_, child):
    db.session.expire_all()
    return db.session.scalar(select(MeetingReservation).where(
        MeetingReservation.round_id == round_.id, MeetingReservation.child_id == child.id))


def booked_times(round_, child):
    db.session.expire_all()
    return [f"{start:%H:%M}" for start in db.session.scalars(
        select(MeetingSlot.starts_at).join(MeetingBooking, MeetingBooking.slot_id == MeetingSlot.id)
        .join(MeetingReservation, MeetingReservation.id == MeetingBooking.reservation_id)
        .where(MeetingReservation.round_id == round_.id, MeetingReservation.child_id == child.id)
        .order_by(MeetingSlot.starts_at))]


def booking_count(round_):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(MeetingBooking)
                             .where(MeetingBooking.round_id == round_.id))


@pytest.fixture(autouse=True)
def _clock(app):
    """Every slot of the test rounds lies ahead (the rounds are in March 2026)."""
    pretend(app)


@pytest.fixture
def klas(app):
    """Groep 3 with Sam (two parents with their own account) and two other families."""
    group = GroupFactory(name="3")
    sam, (parent, parent2) = family(group, parents=2, first_name="Sam")
    noor, (noor_parent,) = family(group, first_name="Noor", last_name="Visser")
    finn, (finn_parent,) = family(group, first_name="Finn", last_name="Bakker")
    teacher = teacher_of(group)
    return {"group": group, "sam": sam, "parent": parent, "parent2": parent2, "noor": noor,
            "noor_parent": noor_parent, "finn": finn, "finn_parent": finn_parent, "teacher": teacher}


# --- the manual's example ---------------------------------------------------------------------

def test_manual_example_double_meeting_then_closed(klas, login_as):
    """Sam needs more time: the parent's own double meeting 10:40–11:00 reads as in the manual."""
    round_ = make_round(klas["group"], invite=[klas["noor"]], double=[klas["sam"]])
    client = login_as(klas["parent"])
    assert book(client, round_, klas["sam"], "10:40").status_code == 303

    texts = slot_texts(client.get(page_url(round_, klas["sam"])).get_data(as_text=True))
    assert texts["10:30–10:40"] == "Reserveren mogelijk"
    assert texts["10:40–10:50"] == "Gereserveerd – Annuleren"
    assert texts["10:50–11:00"] == "Gereserveerd"

    round_.status = "closed"
    db.session.commit()
    html = client.get(page_url(round_, klas["sam"])).get_data(as_text=True)
    assert slot_texts(html) == {"10:40–10:50": "Gereserveerd", "10:50–11:00": "Gereserveerd"}
    assert "Reserveren mogelijk" not in html and "Annuleren" not in html
    assert "<form" not in html.split('class="slot-planning"')[1]


def test_manual_example_other_family_in_the_next_slot(klas, login_as):
    """The same three texts with a single meeting and another family at 10:50."""
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"]])
    book_directly(klas["noor_parent"], round_, klas["noor"], "10:50")
    client = login_as(klas["parent"])
    book(client, round_, klas["sam"], "10:40")
    html = client.get(page_url(round_, klas["sam"])).get_data(as_text=True)
    texts = slot_texts(html)
    assert texts["10:30–10:40"] == "Reserveren mogelijk"
    assert texts["10:40–10:50"] == "Gereserveerd – Annuleren"
    assert texts["10:50–11:00"] == "Gereserveerd"
    # Another family's booking shows no name.
    assert "Noor" not in html and "Visser" not in html


def test_closed_round_shows_only_the_own_time(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"]])
    book_directly(klas["noor_parent"], round_, klas["noor"], "10:00")
    book_directly(klas["parent"], round_, klas["sam"], "10:20")
    services.close_round(klas["teacher"], round_)
    html = login_as(klas["parent"]).get(page_url(round_, klas["sam"])).get_data(as_text=True)
    assert slot_texts(html) == {"10:20–10:30": "Gereserveerd"}
    assert "De planning is gesloten" in html


def test_closed_round_without_a_booking_says_so(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]], status="closed")
    html = login_as(klas["parent"]).get(page_url(round_, klas["sam"])).get_data(as_text=True)
    assert slot_texts(html) == {}
    assert "geen tijd gereserveerd" in html


# --- the real clock: begun slots are history -------------------------------------------------

def events_of(kind):
    db.session.expire_all()
    return db.session.scalars(select(NotificationEvent).where(NotificationEvent.kind == kind)
                              .order_by(NotificationEvent.id)).all()


def test_a_slot_that_has_begun_cannot_be_booked(klas, login_as, app):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    pretend(app, "2026-03-10 09:30")  # the morning of the day (a login lives 2 idle hours)
    client = login_as(klas["parent"])
    stale = client.get(page_url(round_, klas["sam"])).get_data(as_text=True)
    assert slot_texts(stale)["10:20–10:30"] == "Reserveren mogelijk"
    pretend(app, "2026-03-10 10:20")  # 10:20 begins now
    texts = slot_texts(client.get(page_url(round_, klas["sam"])).get_data(as_text=True))
    assert texts["10:00–10:10"] == texts["10:20–10:30"] == "Voorbij"
    assert texts["10:30–10:40"] == "Reserveren mogelijk"
    for htmx in (False, True):  # the stale page's button, as a plain POST and with htmx
        response = book(client, round_, klas["sam"], "10:20", htmx=htmx)
        assert response.status_code == (200 if htmx else 409)
        assert "Dit tijdslot is al begonnen of voorbij." in response.get_data(as_text=True)
    assert booked_times(round_, klas["sam"]) == []
    assert book(client, round_, klas["sam"], "10:30").status_code == 303


def test_a_begun_meeting_cannot_be_changed_or_cancelled_by_a_parent_but_by_staff(klas, login_as, app):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    client = login_as(klas["parent"])
    book(client, round_, klas["sam"], "10:30")
    version = reservation_of(round_, klas["sam"]).version
    pretend(app, "2026-03-10 10:31")
    client = login_as(klas["parent"])  # days later: a new login
    html = client.get(page_url(round_, klas["sam"])).get_data(as_text=True)
    assert slot_texts(html)["10:30–10:40"] == "Gereserveerd"  # no Annuleren
    assert 'class="slot-book"' not in html and 'class="slot-cancel"' not in html
    assert "Het gesprek voor Sam is al begonnen of voorbij" in html
    response = book(client, round_, klas["sam"], "11:00", version=version)
    assert response.status_code == 409 and "al begonnen of voorbij" in response.get_data(as_text=True)
    response = cancel(client, round_, klas["sam"], version)
    assert response.status_code == 409 and "al begonnen of voorbij" in response.get_data(as_text=True)
    assert booked_times(round_, klas["sam"]) == ["10:30"]

    # Staff still can, to record what happened: moved to a time in the past ...
    teacher = login_as(klas["teacher"])
    planning = f"/beheer/oudergesprekken/{round_.id}/planning"
    assert staff_post(teacher, f"{planning}/inplannen", {"child": klas["sam"].id,
                      "slot": slot_at(round_, "10:00").id}, planning).status_code == 303
    assert booked_times(round_, klas["sam"]) == ["10:00"]
    assert events_of("meeting_changed") == []  # only the past changed: nothing to tell the parents
    # ... and cancelled.
    cancel_url = f"/beheer/oudergesprekken/{round_.id}/planning/annuleren/{klas['sam'].id}"
    assert staff_post(teacher, cancel_url, {}, planning).status_code == 303
    assert booked_times(round_, klas["sam"]) == []
    # A move onto a time still ahead is news again.
    assert staff_post(teacher, f"{planning}/inplannen", {"child": klas["sam"].id,
                      "slot": slot_at(round_, "11:00").id}, planning).status_code == 303
    [event_] = events_of("meeting_changed")
    assert event_.payload["new"]["start"] == "11:00"


def test_a_day_in_the_past_needs_an_explicit_confirmation(klas, login_as, app):
    round_ = make_round(klas["group"], invite=[klas["sam"]], status="concept")
    pretend(app, "2026-03-10 12:00")
    client = login_as(klas["teacher"])
    page = f"/beheer/oudergesprekken/{round_.id}"
    before = db.session.scalar(select(func.count()).select_from(MeetingDay))
    day = {"date": "2026-03-09", "starts_at": "13:00", "ends_at": "15:00", "slot_minutes": "10", "room": "Lokaal 3"}
    response = staff_post(client, f"{page}/dagen", day, page)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "maandag 9 maart 2026 om 13:00 ligt in het verleden" in html
    assert 'name="confirm_past"' in html and "Toch toevoegen" in html
    # The form keeps what was typed, so only the box needs ticking.
    assert 'value="2026-03-09"' in html and 'value="Lokaal 3"' in html
    assert db.session.scalar(select(func.count()).select_from(MeetingDay)) == before
    # Today, but begun already, counts as the past too.
    response = staff_post(client, f"{page}/dagen", dict(day, date="2026-03-10", starts_at="11:30", ends_at="11:50"),
                          page)
    assert response.status_code == 422 and "ligt in het verleden" in response.get_data(as_text=True)
    assert 'name="confirm_past"' not in client.get(page).get_data(as_text=True)  # only when asked

    assert staff_post(client, f"{page}/dagen", dict(day, confirm_past="y"), page).status_code == 303
    assert staff_post(client, f"{page}/dagen", dict(day, date="2026-03-10", starts_at="12:30", ends_at="13:00"),
                      page).status_code == 303  # later today: no question
    added = db.session.scalars(select(MeetingDay).where(MeetingDay.round_id == round_.id)
                               .order_by(MeetingDay.date, MeetingDay.starts_at)).all()
    assert [(d.date.isoformat(), f"{d.starts_at:%H:%M}", d.room) for d in added] == [
        ("2026-03-09", "13:00", "Lokaal 3"), ("2026-03-10", "10:00", ""), ("2026-03-10", "12:30", "Lokaal 3")]


def test_a_parents_annuleren_asks_first(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    client = login_as(klas["parent"])
    book(client, round_, klas["sam"], "10:40")
    version = reservation_of(round_, klas["sam"]).version
    html = client.get(page_url(round_, klas["sam"])).get_data(as_text=True)
    # With JavaScript the browser asks (as in Beheer) and htmx says it was confirmed.
    assert 'data-confirm="De reservering voor Sam op dinsdag 10 maart 2026, 10:40–10:50 annuleren?"' in html
    assert "hx-vals='{\"bevestigd\": \"1\"}'" in html
    # Without JavaScript the same button brings a question page; nothing is cancelled yet.
    response = cancel(client, round_, klas["sam"], version, confirmed=False)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<h1>Reservering annuleren</h1>" in page
    assert "Wilt u de reservering voor Sam op <strong>dinsdag 10 maart 2026, 10:40–10:50</strong> annuleren?" in page
    assert 'name="bevestigd" value="1"' in page and f'name="versie" value="{version}"' in page
    assert booked_times(round_, klas["sam"]) == ["10:40"]
    fragment = cancel(client, round_, klas["sam"], version, htmx=True, confirmed=False).get_data(as_text=True)
    assert "<html" not in fragment and "Ja, annuleren" in fragment
    assert booked_times(round_, klas["sam"]) == ["10:40"]
    # The question page's button: cancelled.
    token = csrf_from(page)
    response = client.post(page_url(round_, klas["sam"]) + "/annuleren",
                           data={"csrf_token": token, "versie": version, "bevestigd": "1"})
    assert response.status_code == 303
    assert booked_times(round_, klas["sam"]) == []


def test_who_changed_the_reservation_is_said_only_when_known(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    tab1, tab2 = login_as(klas["parent"]), login_as(klas["parent"])  # one parent, two windows
    book(tab1, round_, klas["sam"], "10:00")
    html = book(tab2, round_, klas["sam"], "10:30", version="").get_data(as_text=True)  # tab2 showed no booking
    assert "U heeft de reservering voor Sam zojuist al gewijzigd" in html
    assert "andere ouder" not in html
    seen = reservation_of(round_, klas["sam"]).version
    book(login_as(klas["parent2"]), round_, klas["sam"], "10:40", version=seen)
    html = book(tab1, round_, klas["sam"], "11:00", version=seen).get_data(as_text=True)
    assert "De reservering voor Sam is zojuist gewijzigd door de andere ouder." in html
    assert "waarschijnlijk" not in html
    seen = reservation_of(round_, klas["sam"]).version
    services.staff_book(klas["teacher"], round_, klas["sam"].id, slot_at(round_, "11:10").id)
    html = cancel(tab1, round_, klas["sam"], seen).get_data(as_text=True)
    assert "De reservering voor Sam is zojuist gewijzigd door de leerkracht." in html
    seen = reservation_of(round_, klas["sam"]).version
    services.staff_cancel(klas["teacher"], round_, klas["sam"].id)
    html = cancel(tab1, round_, klas["sam"], seen).get_data(as_text=True)
    assert "De reservering voor Sam is zojuist geannuleerd." in html  # by whom: not guessed
    assert booked_times(round_, klas["sam"]) == []


# --- invitations ---------------------------------------------------------------------------

def test_one_invitation_per_child_siblings_in_other_groups(klas, login_as):
    lotte = ChildFactory(first_name="Lotte", group=GroupFactory(name="6"))
    GuardianshipFactory(parent=klas["parent"], child=lotte)
    round3 = make_round(klas["group"], invite=[klas["sam"]], title="Gesprekken groep 3")
    round6 = make_round(lotte.group, invite=[lotte], title="Gesprekken groep 6")
    make_round(klas["group"], invite=[klas["sam"]], status="concept", title="Nog geheim")
    html = login_as(klas["parent"]).get("/oudergesprekken/").get_data(as_text=True)
    assert "Gesprekken groep 3" in html and "Gesprekken groep 6" in html
    assert "Nog geheim" not in html  # a concept round is not shown to parents
    assert page_url(round3, klas["sam"]) in html and page_url(round6, lotte) in html
    assert html.count('class="card meeting-invitation"') == 2


def test_not_invited_child_gets_no_invitation(klas, login_as):
    make_round(klas["group"], invite=[klas["noor"]])
    html = login_as(klas["parent"]).get("/oudergesprekken/").get_data(as_text=True)
    assert "geen uitnodigingen" in html


def test_information_and_personal_message_shown(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"]], info="In het lokaal van groep 3.",
                        messages={klas["sam"].id: "Graag ook even over het lezen praten."})
    html = login_as(klas["parent"]).get(page_url(round_, klas["sam"])).get_data(as_text=True)
    assert "In het lokaal van groep 3." in html
    assert "Graag ook even over het lezen praten." in html
    other = login_as(klas["noor_parent"]).get(page_url(round_, klas["noor"])).get_data(as_text=True)
    assert "over het lezen" not in other  # the personal message is for Sam's parents only


def home_panel(client):
    """The Oudergesprekken panel on Home as text ('' when there is none)."""
    html = client.get("/").get_data(as_text=True)
    match = re.search(r'<section class="card meeting-home".*?</section>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split()) if match else ""


def test_home_shows_the_time_until_the_meeting_has_passed(klas, login_as, app):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    client = login_as(klas["parent"])
    assert page_url(round_, klas["sam"]) in client.get("/").get_data(as_text=True)
    assert "Nog geen tijd gereserveerd" in home_panel(client)
    book(client, round_, klas["sam"], "10:10")
    assert "Gereserveerd: dinsdag 10 maart 2026, 10:10–10:20" in home_panel(client)
    services.close_round(klas["teacher"], round_)
    # After closing the final time stays on Home ...
    assert "Definitieve tijd: dinsdag 10 maart 2026, 10:10–10:20" in home_panel(client)
    pretend(app, "2026-03-10 10:19")  # ... also during the meeting (days later: a new login) ...
    client = login_as(klas["parent"])
    assert "Definitieve tijd" in home_panel(client)
    pretend(app, "2026-03-10 10:20")  # ... until it has passed.
    assert home_panel(client) == ""
    assert home_panel(login_as(klas["teacher"])) == ""


def test_a_family_without_a_time_is_told_whom_to_contact(klas, login_as, app):
    from app.settings import set_setting

    set_setting("school.phone", "0341-123456")
    set_setting("school.email", "info@schutkampen.example")
    db.session.commit()
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"]])
    book_directly(klas["parent"], round_, klas["sam"], "10:00")
    services.close_round(klas["teacher"], round_)
    client = login_as(klas["noor_parent"])
    contact = (f"Neem contact op met {klas['teacher'].name} (leerkracht) of met de school "
               "(tel. 0341-123456, info@schutkampen.example).")
    assert "Er is geen tijd gereserveerd. " + contact in home_panel(client)
    for url in ("/oudergesprekken/", page_url(round_, klas["noor"])):
        text = " ".join(re.sub(r"<[^>]+>", " ", client.get(url).get_data(as_text=True)).split())
        assert contact in text, url
    # On Home until the round's last day is over.
    pretend(app, "2026-03-10 11:29")
    client = login_as(klas["noor_parent"])  # days later: a new login
    assert contact in home_panel(client)
    pretend(app, "2026-03-10 11:30")
    assert home_panel(client) == ""


# --- booking, cancelling, changing -------------------------------------------------------------

def test_book_cancel_and_book_again(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    client = login_as(klas["parent"])
    response = book(client, round_, klas["sam"], "10:30")
    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    assert "Gereserveerd voor Sam: dinsdag 10 maart 2026, 10:30–10:40." in page
    assert booked_times(round_, klas["sam"]) == ["10:30"]

    version = reservation_of(round_, klas["sam"]).version
    response = cancel(client, round_, klas["sam"], version)
    assert response.status_code == 303
    assert booked_times(round_, klas["sam"]) == []
    assert slot_texts(client.get(page_url(round_, klas["sam"])).get_data(as_text=True))["10:30–10:40"] == \
        "Reserveren mogelijk"

    assert book(client, round_, klas["sam"], "11:00").status_code == 303
    assert booked_times(round_, klas["sam"]) == ["11:00"]


def test_htmx_booking_returns_the_refreshed_list(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    client = login_as(klas["parent"])
    response = book(client, round_, klas["sam"], "10:30", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith("{#") is False and "<html" not in html  # only the fragment
    assert 'class="slot-planning"' in html
    assert slot_texts(html)["10:30–10:40"] == "Gereserveerd – Annuleren"
    # The message is the result (focus) and is announced by the page's live region (portal.js).
    assert 'data-result' in html and 'data-announce="Gereserveerd voor Sam' in html
    version = reservation_of(round_, klas["sam"]).version
    html = cancel(client, round_, klas["sam"], version, htmx=True).get_data(as_text=True)
    assert slot_texts(html)["10:30–10:40"] == "Reserveren mogelijk"
    assert "geannuleerd" in html


def test_change_to_another_time_moves_the_one_booking(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    client = login_as(klas["parent"])
    book(client, round_, klas["sam"], "10:30")
    version = reservation_of(round_, klas["sam"]).version
    assert book(client, round_, klas["sam"], "11:10", version=version).status_code == 303
    assert booked_times(round_, klas["sam"]) == ["11:10"]
    assert booking_count(round_) == 1


def test_either_parent_books_and_both_see_it(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    first, second = login_as(klas["parent"]), login_as(klas["parent2"])
    book(second, round_, klas["sam"], "10:20")
    assert slot_texts(first.get(page_url(round_, klas["sam"])).get_data(as_text=True))["10:20–10:30"] == \
        "Gereserveerd – Annuleren"
    version = reservation_of(round_, klas["sam"]).version
    assert cancel(first, round_, klas["sam"], version).status_code == 303
    assert booked_times(round_, klas["sam"]) == []


def test_one_booking_per_child_per_round(klas, login_as):
    """The second parent's page still showed no booking: the click is refused, not a second meeting."""
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    first, second = login_as(klas["parent"]), login_as(klas["parent2"])
    book(first, round_, klas["sam"], "10:00")
    response = book(second, round_, klas["sam"], "10:30", version="")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Voor Sam is zojuist al een tijd gereserveerd" in html or "is zojuist gewijzigd" in html
    assert slot_texts(html)["10:00–10:10"] == "Gereserveerd – Annuleren"  # the refreshed list
    assert booked_times(round_, klas["sam"]) == ["10:00"]


def test_stale_page_cannot_overwrite_the_other_parents_change(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    first, second = login_as(klas["parent"]), login_as(klas["parent2"])
    book(first, round_, klas["sam"], "10:00")
    seen = reservation_of(round_, klas["sam"]).version
    assert book(second, round_, klas["sam"], "10:40", version=seen).status_code == 303
    response = book(first, round_, klas["sam"], "11:00", version=seen)  # first's page is stale
    assert response.status_code == 409
    assert "zojuist gewijzigd" in response.get_data(as_text=True)
    assert booked_times(round_, klas["sam"]) == ["10:40"]
    assert cancel(first, round_, klas["sam"], seen).status_code == 409
    assert booked_times(round_, klas["sam"]) == ["10:40"]


def test_slot_of_another_family_refused_with_clear_message(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"]])
    noor_client, client = login_as(klas["noor_parent"]), login_as(klas["parent"])
    # Sam's parent loaded the page while 10:30 was still free ...
    stale = client.get(page_url(round_, klas["sam"])).get_data(as_text=True)
    assert slot_texts(stale)["10:30–10:40"] == "Reserveren mogelijk"
    book(noor_client, round_, klas["noor"], "10:30")
    # ... and clicks it: the UNIQUE constraint on the slot says no.
    response = book(client, round_, klas["sam"], "10:30")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Dit tijdslot is zojuist door een andere ouder gereserveerd." in html
    assert slot_texts(html)["10:30–10:40"] == "Gereserveerd"
    assert booked_times(round_, klas["sam"]) == [] and booked_times(round_, klas["noor"]) == ["10:30"]
    # htmx: the same message with the refreshed list, as a fragment htmx swaps in.
    response = book(client, round_, klas["sam"], "10:30", htmx=True)
    assert response.status_code == 200
    assert "Dit tijdslot is zojuist door een andere ouder gereserveerd." in response.get_data(as_text=True)
    assert 'role="alert"' in response.get_data(as_text=True)


def test_double_meeting_takes_two_consecutive_slots(klas, login_as):
    round_ = make_round(klas["group"], double=[klas["sam"]], invite=[klas["noor"]])
    client = login_as(klas["parent"])
    assert "meer tijd nodig" in client.get(page_url(round_, klas["sam"])).get_data(as_text=True)
    book(client, round_, klas["sam"], "10:10")
    assert booked_times(round_, klas["sam"]) == ["10:10", "10:20"]
    noor = login_as(klas["noor_parent"]).get(page_url(round_, klas["noor"])).get_data(as_text=True)
    assert slot_texts(noor)["10:10–10:20"] == "Gereserveerd"
    assert slot_texts(noor)["10:20–10:30"] == "Gereserveerd"


def test_double_meeting_not_offered_before_a_taken_slot(klas, login_as):
    round_ = make_round(klas["group"], double=[klas["sam"]], invite=[klas["noor"]])
    book_directly(klas["noor_parent"], round_, klas["noor"], "10:30")
    client = login_as(klas["parent"])
    texts = slot_texts(client.get(page_url(round_, klas["sam"])).get_data(as_text=True))
    assert texts["10:10–10:20"] == "Reserveren mogelijk"
    assert texts["10:20–10:30"] == "Te kort voor een dubbel gesprek"  # 10:30 is taken: no room for two
    response = book(client, round_, klas["sam"], "10:20")
    assert response.status_code == 409
    assert booked_times(round_, klas["sam"]) == []


def test_double_meeting_not_offered_across_a_break(klas, login_as):
    round_ = make_round(klas["group"], double=[klas["sam"]], breaks="10:30-10:40")
    client = login_as(klas["parent"])
    texts = slot_texts(client.get(page_url(round_, klas["sam"])).get_data(as_text=True))
    assert texts["10:10–10:20"] == "Reserveren mogelijk"
    assert texts["10:20–10:30"] == "Te kort voor een dubbel gesprek"  # the next slot is the break
    assert texts["10:30–10:40"] == "Niet beschikbaar"  # the break itself
    assert texts["10:40–10:50"] == "Reserveren mogelijk"
    response = book(client, round_, klas["sam"], "10:20")  # a forged click is refused too
    assert response.status_code == 409
    assert "twee aansluitende vrije tijdsloten" in response.get_data(as_text=True)
    assert booked_times(round_, klas["sam"]) == []


def test_double_meeting_not_offered_at_the_end_of_the_day(klas, login_as):
    round_ = make_round(klas["group"], double=[klas["sam"]], end=time(11, 30))
    client = login_as(klas["parent"])
    texts = slot_texts(client.get(page_url(round_, klas["sam"])).get_data(as_text=True))
    assert texts["11:10–11:20"] == "Reserveren mogelijk"
    assert texts["11:20–11:30"] == "Te kort voor een dubbel gesprek"
    assert book(client, round_, klas["sam"], "11:20").status_code == 409
    assert booked_times(round_, klas["sam"]) == []


def test_double_meeting_not_offered_across_two_days(klas, login_as):
    """The last slot of one day and the first of the next are not consecutive."""
    round_ = make_round(klas["group"], double=[klas["sam"]], start=time(10, 0), end=time(10, 20))
    services.add_day(round_, date(2026, 3, 11), time(10, 20), time(10, 40), 10)
    client = login_as(klas["parent"])
    html = client.get(page_url(round_, klas["sam"])).get_data(as_text=True)
    assert html.count("Reserveren mogelijk") == 2  # 10:00 on each day, not 10:10 on the first
    assert book(client, round_, klas["sam"], "10:10").status_code == 409


def test_blocked_slot_not_offered_and_refused(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]], breaks="10:00-10:10")
    client = login_as(klas["parent"])
    assert slot_texts(client.get(page_url(round_, klas["sam"])).get_data(as_text=True))["10:00–10:10"] == \
        "Niet beschikbaar"
    assert book(client, round_, klas["sam"], "10:00").status_code == 409
    assert booked_times(round_, klas["sam"]) == []


def test_sibling_overlap_refused_naming_the_other_child(klas, login_as):
    lotte = ChildFactory(first_name="Lotte", group=GroupFactory(name="6"))
    GuardianshipFactory(parent=klas["parent"], child=lotte)
    round3 = make_round(klas["group"], invite=[klas["sam"]])
    round6 = make_round(lotte.group, invite=[lotte], start=time(10, 5), end=time(11, 5))
    client = login_as(klas["parent"])
    assert book(client, round6, lotte, "10:35").status_code == 303  # Lotte 10:35–10:45
    html = client.get(page_url(round3, klas["sam"])).get_data(as_text=True)
    assert "Overlapt met het gesprek van Lotte" in html
    response = book(client, round3, klas["sam"], "10:40")
    assert response.status_code == 409
    assert "U heeft om 10:35–10:45 al een gesprek voor Lotte." in response.get_data(as_text=True)
    assert booked_times(round3, klas["sam"]) == []
    assert book(client, round3, klas["sam"], "10:50").status_code == 303  # no overlap: fine


def test_read_only_parent_sees_but_cannot_change(app, login_as):
    group = GroupFactory(name="3")
    sam, (parent, readonly) = family(group, parents=2, read_only_second=True, first_name="Sam")
    round_ = make_round(group, invite=[sam])
    book_directly(parent, round_, sam, "10:40")
    client = login_as(readonly)
    html = client.get(page_url(round_, sam)).get_data(as_text=True)
    texts = slot_texts(html)
    assert texts["10:40–10:50"] == "Gereserveerd"  # no Annuleren
    assert texts["10:30–10:40"] == "Reserveren mogelijk"
    assert 'class="slot-book"' not in html and 'class="slot-cancel"' not in html
    assert "alleen lezen" in html
    version = reservation_of(round_, sam).version
    assert book(client, round_, sam, "11:00", version=version).status_code == 403
    assert cancel(client, round_, sam, version).status_code == 403
    assert booked_times(round_, sam) == ["10:40"]


def test_closed_round_refuses_booking_and_cancelling(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"]])
    client = login_as(klas["parent"])
    book(client, round_, klas["sam"], "10:00")
    version = reservation_of(round_, klas["sam"]).version
    round_.status = "closed"
    db.session.commit()
    response = book(client, round_, klas["sam"], "11:00", version=version)
    assert response.status_code == 409 and "De planning is gesloten" in response.get_data(as_text=True)
    assert cancel(client, round_, klas["sam"], version).status_code == 409
    noor = login_as(klas["noor_parent"])
    assert book(noor, round_, klas["noor"], "11:00").status_code == 409
    assert booked_times(round_, klas["sam"]) == ["10:00"] and booked_times(round_, klas["noor"]) == []


def test_concept_round_is_not_there_for_parents(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]], status="concept")
    client = login_as(klas["parent"])
    assert client.get(page_url(round_, klas["sam"])).status_code == 404
    slot = slot_at(round_, "10:00")
    response = client.post(page_url(round_, klas["sam"]) + "/reserveren",
                           data={"slot": slot.id, "versie": "", "csrf_token": Auth(client).csrf("/")})
    assert response.status_code == 404
    assert booking_count(round_) == 0


# --- access: IDOR on round, child and slot ids ----------------------------------------------------

@pytest.mark.parametrize("method,suffix", [("get", ""), ("post", "/reserveren"), ("post", "/annuleren")])
def test_another_familys_child_is_404(klas, login_as, method, suffix):
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"]])
    book_directly(klas["noor_parent"], round_, klas["noor"], "10:00")
    client = login_as(klas["parent"])
    url = page_url(round_, klas["noor"]) + suffix
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, data={"slot": slot_at(round_, "10:30").id, "versie": "1",
                                          "csrf_token": Auth(client).csrf("/")})
    assert response.status_code == 404
    assert booked_times(round_, klas["noor"]) == ["10:00"]


@pytest.mark.parametrize("suffix", ["", "/reserveren"])
def test_another_groups_round_with_own_child_is_404(klas, login_as, suffix):
    other_child, _ = family(GroupFactory(name="5"))
    other_round = make_round(other_child.group, invite=[other_child])
    client = login_as(klas["parent"])
    url = page_url(other_round, klas["sam"]) + suffix
    if suffix:
        response = client.post(url, data={"slot": slot_at(other_round, "10:00").id, "versie": "",
                                          "csrf_token": Auth(client).csrf("/")})
    else:
        response = client.get(url)
    assert response.status_code == 404
    assert booking_count(other_round) == 0


def test_slot_of_another_round_is_404(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    other_child, _ = family(GroupFactory(name="5"))
    other_round = make_round(other_child.group, invite=[other_child])
    client = login_as(klas["parent"])
    response = post_form(client, page_url(round_, klas["sam"]) + "/reserveren",
                         {"slot": slot_at(other_round, "10:00").id, "versie": ""}, page_url(round_, klas["sam"]))
    assert response.status_code == 404
    assert booking_count(other_round) == 0 and booking_count(round_) == 0


def test_unknown_ids_are_404(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    client = login_as(klas["parent"])
    assert client.get(f"/oudergesprekken/{round_.id + 99}/kind/{klas['sam'].id}").status_code == 404
    assert client.get(f"/oudergesprekken/{round_.id}/kind/{klas['sam'].id + 99}").status_code == 404


def test_anonymous_goes_to_login(klas, client):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    assert client.get("/oudergesprekken/").status_code == 302
    assert "/login" in client.get(page_url(round_, klas["sam"])).location


def test_staff_pages_refuse_parents(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    client = login_as(klas["parent"])
    assert client.get("/beheer/oudergesprekken/").status_code == 403
    assert client.get(f"/beheer/oudergesprekken/{round_.id}/planning").status_code == 403


# --- the rules are constraints in the database ---------------------------------------------------

def test_database_allows_one_booking_per_slot(klas):
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"]])
    slot = slot_at(round_, "10:00")
    first = MeetingReservation(round_id=round_.id, child_id=klas["sam"].id)
    second = MeetingReservation(round_id=round_.id, child_id=klas["noor"].id)
    db.session.add_all([first, second])
    db.session.flush()
    db.session.add(MeetingBooking(round_id=round_.id, slot_id=slot.id, reservation_id=first.id, part=0))
    db.session.flush()
    db.session.add(MeetingBooking(round_id=round_.id, slot_id=slot.id, reservation_id=second.id, part=0))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_database_allows_one_reservation_per_child_per_round(klas):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    db.session.add(MeetingReservation(round_id=round_.id, child_id=klas["sam"].id))
    db.session.flush()
    db.session.add(MeetingReservation(round_id=round_.id, child_id=klas["sam"].id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_database_keeps_a_reservation_to_two_slots_of_its_own_round(klas):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    other_child, _ = family(GroupFactory(name="5"))
    other_round = make_round(other_child.group, invite=[other_child])
    reservation = MeetingReservation(round_id=round_.id, child_id=klas["sam"].id)
    db.session.add(reservation)
    db.session.flush()
    db.session.add(MeetingBooking(round_id=round_.id, slot_id=slot_at(round_, "10:00").id,
                                  reservation_id=reservation.id, part=0))
    db.session.flush()
    bad = [
        # a second "first part"
        MeetingBooking(round_id=round_.id, slot_id=slot_at(round_, "10:30").id, reservation_id=reservation.id,
                       part=0),
        # a third slot
        MeetingBooking(round_id=round_.id, slot_id=slot_at(round_, "10:40").id, reservation_id=reservation.id,
                       part=2),
        # a slot of another round
        MeetingBooking(round_id=round_.id, slot_id=slot_at(other_round, "10:10").id,
                       reservation_id=reservation.id, part=1),
    ]
    for booking in bad:
        savepoint = db.session.begin_nested()
        db.session.add(booking)
        with pytest.raises(IntegrityError):
            db.session.flush()
        savepoint.rollback()
    db.session.rollback()


# --- Beheer: rounds, days, invitations -------------------------------------------------------------

def staff_post(client, url, data, page):
    return post_form(client, url, data, page)


def test_teacher_creates_a_round_with_a_day_a_break_and_invitations(klas, login_as):
    client = login_as(klas["teacher"])
    assert "Nieuwe gespreksronde" in client.get("/beheer/oudergesprekken/").get_data(as_text=True)
    response = staff_post(client, "/beheer/oudergesprekken/nieuw",
                          {"group": klas["group"].id, "title": "Rapportgesprekken", "info": "Lokaal 3"},
                          "/beheer/oudergesprekken/nieuw")
    assert response.status_code == 303
    round_ = db.session.scalar(select(MeetingRound).where(MeetingRound.title == "Rapportgesprekken"))
    assert round_.status == "concept" and round_.group_id == klas["group"].id
    page = f"/beheer/oudergesprekken/{round_.id}"
    response = staff_post(client, f"{page}/dagen", {
        "date": "2026-03-10", "starts_at": "13:00", "ends_at": "15:00", "slot_minutes": "15",
        "breaks": "14:00-14:15"}, page)
    assert response.status_code == 303
    day = db.session.scalar(select(MeetingDay).where(MeetingDay.round_id == round_.id))
    slots = day.slots
    assert len(slots) == 8
    assert [f"{s.starts_at:%H:%M}" for s in slots if s.blocked] == ["14:00"]
    data = {f"uitnodigen-{klas['sam'].id}": "1", f"tijdsloten-{klas['sam'].id}": "2",
            f"bericht-{klas['sam'].id}": "Even over rekenen.",
            f"uitnodigen-{klas['noor'].id}": "1", f"tijdsloten-{klas['noor'].id}": "1"}
    assert staff_post(client, f"{page}/uitnodigingen", data, page).status_code == 303
    invitations = {inv.child_id: inv for inv in db.session.scalars(
        select(MeetingInvitation).where(MeetingInvitation.round_id == round_.id))}
    assert set(invitations) == {klas["sam"].id, klas["noor"].id}  # Finn not invited
    assert invitations[klas["sam"].id].slots_needed == 2
    assert invitations[klas["sam"].id].message == "Even over rekenen."
    assert staff_post(client, f"{page}/openen", {}, page).status_code == 303
    db.session.expire_all()
    assert db.session.get(MeetingRound, round_.id).status == "open"
    event_ = db.session.scalar(select(NotificationEvent).where(NotificationEvent.kind == "meeting_opened"))
    assert event_.subject_type == "meeting_round" and event_.subject_id == round_.id


def test_teacher_edits_a_round_removes_a_day_and_deletes_a_concept(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]], status="concept")
    services.add_day(round_, date(2026, 3, 12), time(13, 0), time(14, 0), 15)
    client = login_as(klas["teacher"])
    page = f"/beheer/oudergesprekken/{round_.id}"
    assert staff_post(client, page, {"title": "Rapportgesprekken", "info": "Neem het rapport mee."},
                      page).status_code == 303
    response = staff_post(client, page, {"title": "", "info": ""}, page)
    assert response.status_code == 422 and "Vul een titel in." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MeetingRound, round_.id).title == "Rapportgesprekken"
    assert db.session.get(MeetingRound, round_.id).info == "Neem het rapport mee."
    first, second = db.session.scalars(select(MeetingDay).where(MeetingDay.round_id == round_.id)
                                       .order_by(MeetingDay.date)).all()
    assert staff_post(client, f"{page}/dagen/{second.id}/verwijderen", {}, page).status_code == 303
    db.session.expire_all()
    assert [d.date for d in db.session.scalars(select(MeetingDay).where(MeetingDay.round_id == round_.id))] == [DAY]
    # A day with a booking stays; an open round cannot be deleted.
    round_.status = "open"
    db.session.commit()
    book_directly(klas["parent"], round_, klas["sam"], "10:00")
    response = staff_post(client, f"{page}/dagen/{first.id}/verwijderen", {}, page)
    assert response.status_code == 409 and "al gesprekken gereserveerd" in response.get_data(as_text=True)
    assert staff_post(client, f"{page}/verwijderen", {}, page).status_code == 409
    other_id = make_round(klas["group"], invite=[klas["noor"]], status="concept").id
    assert staff_post(client, f"/beheer/oudergesprekken/{other_id}/verwijderen", {}, page).status_code == 303
    db.session.expire_all()
    assert db.session.get(MeetingRound, other_id) is None
    assert db.session.scalar(select(func.count()).select_from(MeetingSlot).where(MeetingSlot.round_id == other_id)) == 0


def test_opening_needs_days_and_invitations(klas, login_as):
    round_ = MeetingRound(group_id=klas["group"].id, title="Leeg", status="concept")
    db.session.add(round_)
    db.session.commit()
    client = login_as(klas["teacher"])
    page = f"/beheer/oudergesprekken/{round_.id}"
    response = staff_post(client, f"{page}/openen", {}, page)
    assert response.status_code == 409 and "Voeg eerst een dag" in response.get_data(as_text=True)
    services.add_day(round_, DAY, time(10, 0), time(11, 0), 10)
    response = staff_post(client, f"{page}/openen", {}, page)
    assert response.status_code == 409 and "Nodig eerst minstens één leerling uit" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MeetingRound, round_.id).status == "concept"


@pytest.mark.parametrize("data,message", [
    ({"date": "", "starts_at": "13:00", "ends_at": "15:00", "slot_minutes": "10"}, "Vul een geldige datum in."),
    ({"date": "2026-03-10", "starts_at": "15:00", "ends_at": "13:00", "slot_minutes": "10"},
     "De eindtijd moet na de begintijd liggen."),
    ({"date": "2026-03-10", "starts_at": "13:00", "ends_at": "15:00", "slot_minutes": "7"},
     "Kies een lengte uit de lijst."),
    ({"date": "2026-03-10", "starts_at": "13:00", "ends_at": "13:05", "slot_minutes": "10"},
     "past geen enkel tijdslot"),
    ({"date": "2026-03-10", "starts_at": "13:00", "ends_at": "15:00", "slot_minutes": "10", "breaks": "pauze"},
     "begrijpen we niet"),
    ({"date": "2026-03-10", "starts_at": "13:00", "ends_at": "15:00", "slot_minutes": "10",
      "breaks": "16:00-16:30"}, "valt buiten"),
])
def test_day_form_refuses_bad_input(klas, login_as, data, message):
    round_ = make_round(klas["group"], invite=[klas["sam"]], status="concept")
    before = db.session.scalar(select(func.count()).select_from(MeetingSlot))
    client = login_as(klas["teacher"])
    page = f"/beheer/oudergesprekken/{round_.id}"
    response = staff_post(client, f"{page}/dagen", data, page)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MeetingSlot)) == before


def test_round_needs_a_title(klas, login_as):
    client = login_as(klas["teacher"])
    response = staff_post(client, "/beheer/oudergesprekken/nieuw", {"group": klas["group"].id, "title": ""},
                          "/beheer/oudergesprekken/nieuw")
    assert response.status_code == 422 and "Vul een titel in." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MeetingRound)) == 0


def test_teacher_cannot_create_for_another_group(klas, login_as):
    other = GroupFactory(name="7")
    client = login_as(klas["teacher"])
    response = staff_post(client, "/beheer/oudergesprekken/nieuw", {"group": other.id, "title": "Stiekem"},
                          "/beheer/oudergesprekken/nieuw")
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(MeetingRound)) == 0


@pytest.mark.parametrize("path", ["", "/planning", "/afdrukken", "/planning.csv"])
def test_teacher_cannot_reach_another_groups_round(klas, login_as, path):
    other_child, _ = family(GroupFactory(name="7"))
    other_round = make_round(other_child.group, invite=[other_child])
    client = login_as(klas["teacher"])
    assert client.get(f"/beheer/oudergesprekken/{other_round.id}{path}").status_code == 404


def test_teacher_cannot_change_another_groups_round(klas, login_as):
    other_child, _ = family(GroupFactory(name="7"))
    other_round = make_round(other_child.group, invite=[other_child])
    client = login_as(klas["teacher"])
    base = f"/beheer/oudergesprekken/{other_round.id}"
    slot = slot_at(other_round, "10:00")
    token = Auth(client).csrf("/")
    for url, data in [
        (f"{base}/planning/inplannen", {"child": other_child.id, "slot": slot.id}),
        (f"{base}/planning/tijdslot/{slot.id}/blokkeren", {}),
        (f"{base}/sluiten", {}),
        (f"{base}/uitnodigingen", {f"uitnodigen-{other_child.id}": ""}),
    ]:
        data["csrf_token"] = token
        assert client.post(url, data=data).status_code == 404, url
    db.session.expire_all()
    assert booking_count(other_round) == 0 and not slot_at(other_round, "10:00").blocked
    assert db.session.get(MeetingRound, other_round.id).status == "open"


def test_teacher_cannot_book_a_pupil_of_another_round(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    other_child, _ = family(GroupFactory(name="7"))
    make_round(other_child.group, invite=[other_child])
    client = login_as(klas["teacher"])
    page = f"/beheer/oudergesprekken/{round_.id}/planning"
    response = staff_post(client, f"/beheer/oudergesprekken/{round_.id}/planning/inplannen",
                          {"child": other_child.id, "slot": slot_at(round_, "10:00").id}, page)
    assert response.status_code == 422
    assert booking_count(round_) == 0


def test_office_manages_any_group(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    client = login_as(AdminFactory())
    assert round_.title in client.get("/beheer/oudergesprekken/").get_data(as_text=True)
    assert client.get(f"/beheer/oudergesprekken/{round_.id}/planning").status_code == 200


def test_uninviting_a_booked_pupil_is_refused(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"]])
    book_directly(klas["parent"], round_, klas["sam"], "10:00")
    client = login_as(klas["teacher"])
    page = f"/beheer/oudergesprekken/{round_.id}"
    data = {f"uitnodigen-{klas['noor'].id}": "1"}  # Sam unticked
    response = staff_post(client, f"{page}/uitnodigingen", data, page)
    assert response.status_code == 422
    assert "heeft al een tijd gereserveerd" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MeetingInvitation)
                             .where(MeetingInvitation.round_id == round_.id)) == 2


def test_invitations_all_or_nothing(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"]], status="concept")
    client = login_as(klas["teacher"])
    page = f"/beheer/oudergesprekken/{round_.id}"
    data = {f"uitnodigen-{klas['sam'].id}": "1",  # Noor unticked, Finn invited with a far too long message
            f"uitnodigen-{klas['finn'].id}": "1", f"bericht-{klas['finn'].id}": "x" * 2001}
    response = staff_post(client, f"{page}/uitnodigingen", data, page)
    assert response.status_code == 422
    assert "te lang" in response.get_data(as_text=True)
    db.session.expire_all()
    invited = set(db.session.scalars(select(MeetingInvitation.child_id).where(MeetingInvitation.round_id == round_.id)))
    assert invited == {klas["sam"].id, klas["noor"].id}


def test_pupil_invited_after_opening_is_announced(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    client = login_as(klas["teacher"])
    page = f"/beheer/oudergesprekken/{round_.id}"
    data = {f"uitnodigen-{klas['sam'].id}": "1", f"uitnodigen-{klas['finn'].id}": "1"}
    assert staff_post(client, f"{page}/uitnodigingen", data, page).status_code == 303
    [opened] = db.session.scalars(select(NotificationEvent).where(NotificationEvent.kind == "meeting_opened")).all()
    assert opened.payload == {"child_ids": [klas["finn"].id]}
    assert page_url(round_, klas["finn"]) in login_as(klas["finn_parent"]).get("/oudergesprekken/").get_data(as_text=True)


# --- Beheer: the planning ---------------------------------------------------------------------

def test_planning_shows_every_slot_who_is_booked_and_who_is_not(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"], klas["finn"]], breaks="11:00-11:10")
    book_directly(klas["parent"], round_, klas["sam"], "10:20")
    html = login_as(klas["teacher"]).get(f"/beheer/oudergesprekken/{round_.id}/planning").get_data(as_text=True)
    assert html.count('<tr id="slot-') == 9
    row = re.search(r'<tr id="slot-\d+"[^>]*>\s*<td>10:20–10:30</td>\s*<td>(.*?)</td>', html, re.S).group(1)
    assert klas["sam"].name in row
    unbooked = html.split("Uitgenodigd, nog geen tijd")[1].split("</section>")[0]
    assert klas["noor"].name in unbooked and klas["finn"].name in unbooked and klas["sam"].name not in unbooked
    blocked = re.search(r'<td>11:00–11:10</td>\s*<td>(.*?)</td>', html, re.S).group(1)
    assert blocked == "Geblokkeerd"
    assert "Planning sluiten" in html


def test_teacher_books_moves_and_cancels_with_notices(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"]], double=[klas["finn"]])
    client = login_as(klas["teacher"])
    page = f"/beheer/oudergesprekken/{round_.id}/planning"
    url = f"/beheer/oudergesprekken/{round_.id}/planning/inplannen"
    assert staff_post(client, url, {"child": klas["noor"].id, "slot": slot_at(round_, "10:00").id},
                      page).status_code == 303
    assert booked_times(round_, klas["noor"]) == ["10:00"]
    assert staff_post(client, url, {"child": klas["finn"].id, "slot": slot_at(round_, "10:30").id},
                      page).status_code == 303
    assert booked_times(round_, klas["finn"]) == ["10:30", "10:40"]
    # Moving onto a taken slot is refused; onto a free one it moves.
    response = staff_post(client, url, {"child": klas["noor"].id, "slot": slot_at(round_, "10:40").id}, page)
    assert response.status_code == 422 and "al gereserveerd" in response.get_data(as_text=True)
    assert staff_post(client, url, {"child": klas["noor"].id, "slot": slot_at(round_, "11:10").id},
                      page).status_code == 303
    assert booked_times(round_, klas["noor"]) == ["11:10"]
    cancel_url = f"/beheer/oudergesprekken/{round_.id}/planning/annuleren/{klas['noor'].id}"
    assert staff_post(client, cancel_url, {}, page).status_code == 303
    assert booked_times(round_, klas["noor"]) == []
    events = db.session.scalars(select(NotificationEvent).where(NotificationEvent.kind == "meeting_changed")
                                .order_by(NotificationEvent.id)).all()
    noor_events = [e.payload for e in events if e.payload["child_id"] == klas["noor"].id]
    # Each change raises the .ics SEQUENCE of Noor's calendar event.
    assert noor_events == [
        {"child_id": klas["noor"].id, "old": None, "new": {"date": "2026-03-10", "start": "10:00", "end": "10:10"},
         "sequence": 1},
        {"child_id": klas["noor"].id, "old": {"date": "2026-03-10", "start": "10:00", "end": "10:10"},
         "new": {"date": "2026-03-10", "start": "11:10", "end": "11:20"}, "sequence": 2},
        {"child_id": klas["noor"].id, "old": {"date": "2026-03-10", "start": "11:10", "end": "11:20"}, "new": None,
         "sequence": 3},
    ]


def test_teacher_moves_after_closing_and_parent_sees_the_new_time(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    book_directly(klas["parent"], round_, klas["sam"], "10:00")
    services.close_round(klas["teacher"], round_)
    client = login_as(klas["teacher"])
    page = f"/beheer/oudergesprekken/{round_.id}/planning"
    response = staff_post(client, f"{page}/inplannen", {"child": klas["sam"].id, "slot": slot_at(round_, "11:00").id},
                          page)
    assert response.status_code == 303
    assert booked_times(round_, klas["sam"]) == ["11:00"]
    html = login_as(klas["parent"]).get(page_url(round_, klas["sam"])).get_data(as_text=True)
    assert slot_texts(html) == {"11:00–11:10": "Gereserveerd"}
    payload = db.session.scalar(select(NotificationEvent.payload).where(NotificationEvent.kind == "meeting_changed"))
    assert payload["old"]["start"] == "10:00" and payload["new"]["start"] == "11:00"


def test_teacher_is_warned_of_a_brothers_or_sisters_meeting_and_must_confirm(klas, login_as):
    lotte = ChildFactory(first_name="Lotte", group=GroupFactory(name="6"))
    GuardianshipFactory(parent=klas["parent2"], child=lotte)  # a sister through one of the parents
    round3 = make_round(klas["group"], invite=[klas["sam"]])
    round6 = make_round(lotte.group, double=[lotte], start=time(10, 5), end=time(11, 5),
                        title="Gesprekken groep 6")
    book_directly(klas["parent2"], round6, lotte, "10:25")  # Lotte 10:25–10:45
    client = login_as(klas["teacher"])
    page = f"/beheer/oudergesprekken/{round3.id}/planning"
    data = {"child": klas["sam"].id, "slot": slot_at(round3, "10:40").id}
    response = staff_post(client, f"{page}/inplannen", data, page)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Lotte heeft om 10:25–10:45 al een gesprek (Gesprekken groep 6)" in html
    assert 'name="confirm_overlap"' in html and "Toch inplannen" in html
    assert booked_times(round3, klas["sam"]) == []
    assert staff_post(client, f"{page}/inplannen", dict(data, confirm_overlap="y"), page).status_code == 303
    assert booked_times(round3, klas["sam"]) == ["10:40"]
    # Moving within the clash asks again; a time clear of it does not.
    data = {"child": klas["sam"].id, "slot": slot_at(round3, "10:30").id}
    assert staff_post(client, f"{page}/inplannen", data, page).status_code == 422
    assert booked_times(round3, klas["sam"]) == ["10:40"]
    data["slot"] = slot_at(round3, "11:00").id
    assert staff_post(client, f"{page}/inplannen", data, page).status_code == 303
    assert booked_times(round3, klas["sam"]) == ["11:00"]


def test_from_one_to_two_slots_and_back_in_place(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"], klas["finn"]], breaks="11:20-11:30")
    book_directly(klas["parent"], round_, klas["sam"], "10:40")
    book_directly(klas["noor_parent"], round_, klas["noor"], "11:00")
    book_directly(klas["finn_parent"], round_, klas["finn"], "11:10")
    client = login_as(klas["teacher"])
    page = f"/beheer/oudergesprekken/{round_.id}"

    def slots_for(child_id, count):
        data = {f"uitnodigen-{c.id}": "1" for c in (klas["sam"], klas["noor"], klas["finn"])}
        data[f"tijdsloten-{child_id}"] = str(count)
        return staff_post(client, f"{page}/uitnodigingen", data, page)

    version = reservation_of(round_, klas["sam"]).version
    assert slots_for(klas["sam"].id, 2).status_code == 303  # 10:50 is free: in place
    assert booked_times(round_, klas["sam"]) == ["10:40", "10:50"]
    assert reservation_of(round_, klas["sam"]).version == version + 1  # a stale parent page cannot undo it
    assert slots_for(klas["sam"].id, 1).status_code == 303
    assert booked_times(round_, klas["sam"]) == ["10:40"]
    assert [(e.payload["old"]["end"], e.payload["new"]["end"]) for e in events_of("meeting_changed")] == \
        [("10:50", "11:00"), ("11:00", "10:50")]
    # What is in the way is named: another pupil, a break.
    response = slots_for(klas["noor"].id, 2)
    assert response.status_code == 422
    assert (f"{klas['noor'].name} kan niet naar twee tijdsloten: het tijdslot 11:10–11:20 erna is gereserveerd "
            f"voor {klas['finn'].name}.") in unescape(response.get_data(as_text=True))
    response = slots_for(klas["finn"].id, 2)
    assert response.status_code == 422 and "11:20–11:30 erna is geblokkeerd" in response.get_data(as_text=True)
    assert booked_times(round_, klas["noor"]) == ["11:00"] and booked_times(round_, klas["finn"]) == ["11:10"]
    db.session.expire_all()
    assert {inv.child_id: inv.slots_needed for inv in db.session.scalars(
        select(MeetingInvitation).where(MeetingInvitation.round_id == round_.id))} == \
        {klas["sam"].id: 1, klas["noor"].id: 1, klas["finn"].id: 1}


def test_removing_a_day_names_the_pupils_booked_on_it(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"]], double=[klas["finn"]])
    book_directly(klas["parent"], round_, klas["sam"], "10:40")
    book_directly(klas["finn_parent"], round_, klas["finn"], "10:10")
    day = db.session.scalar(select(MeetingDay).where(MeetingDay.round_id == round_.id))
    client = login_as(klas["teacher"])
    page = f"/beheer/oudergesprekken/{round_.id}"
    response = staff_post(client, f"{page}/dagen/{day.id}/verwijderen", {}, page)
    assert response.status_code == 409
    assert (f"Op dinsdag 10 maart 2026 zijn al gesprekken gereserveerd: {klas['finn'].name} (10:10), "
            f"{klas['sam'].name} (10:40).") in unescape(response.get_data(as_text=True))
    assert db.session.get(MeetingDay, day.id) is not None


def test_closing_twice_records_one_final_event(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    first, second = login_as(klas["teacher"]), login_as(AdminFactory())
    page = f"/beheer/oudergesprekken/{round_.id}/planning"
    token = csrf_from(second.get(page).get_data(as_text=True))  # both pages show "Planning sluiten"
    assert staff_post(first, f"/beheer/oudergesprekken/{round_.id}/sluiten", {}, page).status_code == 303
    response = second.post(f"/beheer/oudergesprekken/{round_.id}/sluiten", data={"csrf_token": token})
    assert response.status_code == 409
    assert len(events_of("meeting_final")) == 1


def test_information_and_room_changes_after_opening_are_recorded_once_per_batch(klas, login_as, app, redis_url):
    # Jobs go to Redis and no worker runs them: the events wait, as while the worker is busy.
    app.config["REDIS_URL"] = redis_url
    app.extensions.pop("portal_redis", None)
    round_ = make_round(klas["group"], invite=[klas["sam"]], info="In lokaal 3.", status="concept")
    day = db.session.scalar(select(MeetingDay).where(MeetingDay.round_id == round_.id))
    client = login_as(klas["teacher"])
    page = f"/beheer/oudergesprekken/{round_.id}"

    def save(info, title="Voortgangsgesprekken maart"):
        return staff_post(client, page, {"title": title, "info": info}, page)

    def room(name):
        return staff_post(client, f"{page}/dagen/{day.id}/lokaal", {"room": name}, page)

    assert save("In de aula.").status_code == 303 and room("Aula").status_code == 303
    assert events_of("meeting_info_changed") == []  # a concept: nobody has seen it yet
    round_.status = "open"
    db.session.commit()
    # Not sent yet (no worker ran): the saves fold into one event, first old, latest new.
    assert save("In lokaal 5.").status_code == 303
    assert save("In lokaal 5, eerste verdieping.").status_code == 303
    assert room("Lokaal 5").status_code == 303
    assert save("In lokaal 5, eerste verdieping.", title="Andere titel").status_code == 303  # info unchanged
    [event_] = events_of("meeting_info_changed")
    assert event_.payload == {
        "info": {"old": "In de aula.", "new": "In lokaal 5, eerste verdieping."},
        "rooms": {str(day.id): {"date": "2026-03-10", "start": "10:00", "end": "11:30", "old": "Aula",
                                "new": "Lokaal 5"}},
    }
    # Once planned, the next save is a notice of its own.
    event_.dispatched_at = utcnow()
    db.session.commit()
    assert room("Lokaal 6").status_code == 303
    [_, second] = events_of("meeting_info_changed")
    assert second.payload == {"rooms": {str(day.id): {"date": "2026-03-10", "start": "10:00", "end": "11:30",
                                                      "old": "Lokaal 5", "new": "Lokaal 6"}}}
    # Changed back before it went out: nothing left to tell, the event goes.
    assert room("Lokaal 5").status_code == 303
    assert len(events_of("meeting_info_changed")) == 1
    response = room("x" * 101)
    assert response.status_code == 422 and "maximaal 100 tekens" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MeetingDay, day.id).room == "Lokaal 5"


def test_block_and_free_a_slot(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"]])
    book_directly(klas["noor_parent"], round_, klas["noor"], "10:00")
    client = login_as(klas["teacher"])
    page = f"/beheer/oudergesprekken/{round_.id}/planning"
    slot = slot_at(round_, "10:30")
    assert staff_post(client, f"{page.rsplit('/', 1)[0]}/planning/tijdslot/{slot.id}/blokkeren", {}, page).status_code == 303
    parent = login_as(klas["parent"])
    assert slot_texts(parent.get(page_url(round_, klas["sam"])).get_data(as_text=True))["10:30–10:40"] == \
        "Niet beschikbaar"
    assert book(parent, round_, klas["sam"], "10:30").status_code == 409
    assert staff_post(client, f"{page}/tijdslot/{slot.id}/vrijgeven", {}, page).status_code == 303
    assert book(parent, round_, klas["sam"], "10:30").status_code == 303
    taken = slot_at(round_, "10:00")
    response = staff_post(client, f"{page}/tijdslot/{taken.id}/blokkeren", {}, page)
    assert response.status_code == 409 and "Verplaats of annuleer eerst" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not slot_at(round_, "10:00").blocked


def test_closing_the_planning(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    client = login_as(klas["teacher"])
    page = f"/beheer/oudergesprekken/{round_.id}/planning"
    assert staff_post(client, f"/beheer/oudergesprekken/{round_.id}/sluiten", {}, page).status_code == 303
    db.session.expire_all()
    assert db.session.get(MeetingRound, round_.id).status == "closed"
    assert db.session.scalar(select(func.count()).select_from(NotificationEvent)
                             .where(NotificationEvent.kind == "meeting_final")) == 1
    assert "Planning sluiten" not in client.get(page).get_data(as_text=True)
    assert staff_post(client, f"/beheer/oudergesprekken/{round_.id}/sluiten", {}, page).status_code == 409


def test_export_csv_and_printable_page(klas, login_as):
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"]], double=[klas["finn"]],
                        breaks="11:20-11:30")
    book_directly(klas["parent"], round_, klas["sam"], "10:20")
    book_directly(klas["finn_parent"], round_, klas["finn"], "10:40")
    client = login_as(klas["teacher"])
    response = client.get(f"/beheer/oudergesprekken/{round_.id}/planning.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Datum", "Begin", "Eind", "Leerling", "Status"]
    assert ["10-03-2026", "10:20", "10:30", klas["sam"].name, "Gereserveerd"] in rows
    assert ["10-03-2026", "10:50", "11:00", klas["finn"].name, "Gereserveerd (vervolg)"] in rows
    assert ["10-03-2026", "11:20", "11:30", "", "Geblokkeerd"] in rows
    assert ["", "", "", klas["noor"].name, "Nog geen tijd"] in rows
    printable = client.get(f"/beheer/oudergesprekken/{round_.id}/afdrukken").get_data(as_text=True)
    assert klas["sam"].name in printable and "10:20–10:30" in printable and "— pauze —" in printable


def test_csv_neutralises_formulas(klas, login_as):
    klas["noor"].first_name = "=cmd"
    db.session.commit()
    round_ = make_round(klas["group"], invite=[klas["noor"]])
    body = login_as(klas["teacher"]).get(f"/beheer/oudergesprekken/{round_.id}/planning.csv").get_data(as_text=True)
    assert "'=cmd" in body


# --- queries are planned ----------------------------------------------------------------------------

def test_slot_list_and_planning_queries_do_not_grow_with_the_round(klas, login_as):
    small = make_round(klas["group"], invite=[klas["sam"], klas["noor"]], end=time(10, 30))
    big = make_round(klas["group"], invite=[klas["sam"], klas["noor"], klas["finn"]], end=time(16, 0))
    for extra in range(6):
        child, _ = family(klas["group"])
        db.session.add(MeetingInvitation(round_id=big.id, child_id=child.id))
    db.session.commit()
    services.add_day(big, date(2026, 3, 11), time(8, 0), time(16, 0), 10)
    for round_, clock in ((small, "10:10"), (big, "10:10")):
        book_directly(klas["noor_parent"], round_, klas["noor"], clock)
    book_directly(klas["finn_parent"], big, klas["finn"], "13:00")
    parent, teacher = login_as(klas["parent"]), login_as(klas["teacher"])
    assert count_queries(parent, page_url(small, klas["sam"])) == count_queries(parent, page_url(big, klas["sam"]))
    assert count_queries(teacher, f"/beheer/oudergesprekken/{small.id}/planning") == \
        count_queries(teacher, f"/beheer/oudergesprekken/{big.id}/planning")
    assert count_queries(parent, "/oudergesprekken/") <= 12


# --- demo data ---------------------------------------------------------------------------------

def test_demo_round_of_groep_3(app, login_as):
    from app.demo import DEMO_PASSWORD, DemoContext
    from app.demo import meetings as demo_meetings
    from app.demo import people as demo_people
    from app.models import User

    for _ in range(2):  # idempotent: twice gives the same school
        ctx = DemoContext()
        demo_people.seed(ctx)
        db.session.commit()
        demo_meetings.seed(ctx)
        db.session.commit()
    [round_] = db.session.scalars(select(MeetingRound)).all()
    assert round_.status == "open" and round_.group.name == "3"
    assert booking_count(round_) >= 4
    assert db.session.scalar(select(func.count()).select_from(MeetingSlot)
                             .where(MeetingSlot.round_id == round_.id, MeetingSlot.blocked.is_(True))) >= 2
    sam = ctx.created["sam"]
    assert db.session.scalar(select(MeetingInvitation.slots_needed).where(
        MeetingInvitation.round_id == round_.id, MeetingInvitation.child_id == sam.id)) == 2

    parent = db.session.scalar(select(User).where(User.login_name == "ouder@example.nl"))
    client = login_as(parent, DEMO_PASSWORD)
    assert page_url(round_, sam) in client.get("/oudergesprekken/").get_data(as_text=True)
    html = client.get(page_url(round_, sam)).get_data(as_text=True)
    statuses = set(slot_texts(html).values())
    assert {"Reserveren mogelijk", "Gereserveerd", "Niet beschikbaar"} <= statuses
    assert 'data-slots-needed="2"' in html
    assert book(client, round_, sam, "10:40").status_code == 303
    texts = slot_texts(client.get(page_url(round_, sam)).get_data(as_text=True))
    assert (texts["10:30–10:40"], texts["10:40–10:50"], texts["10:50–11:00"]) == \
        ("Reserveren mogelijk", "Gereserveerd – Annuleren", "Gereserveerd")

    other = db.session.scalar(select(User).where(User.login_name == "ouder2@example.nl"))
    html = login_as(other, DEMO_PASSWORD).get(page_url(round_, sam)).get_data(as_text=True)
    assert slot_texts(html)["10:40–10:50"] == "Gereserveerd" and 'class="slot-book"' not in html

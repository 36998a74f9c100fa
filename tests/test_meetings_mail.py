"""Meeting mails through the real pipeline: Redis, `python worker.py` and an SMTP server.

The meetings services record an event and enqueue the notification dispatcher; the
dispatcher puts one ledger row per parent (UNIQUE) and sends each exactly once:

- opening a round tells the parents of the invited pupils: one mail per parent account
  per round, naming each of their invited children (two parents of one child: two mails;
  one parent of two invited children: one mail naming both);
- closing sends the final times: one mail per parent per round with each child's time and
  one .ics holding one calendar event per booked child (Europe/Amsterdam);
- a teacher's move or cancel tells that pupil's parents, one mail per change;
- the recipient rule of every notice: active, activated parent accounts with the
  "Oudergesprekken" switch on;
- a failing SMTP server means retries of the mails that failed, never a second mail to a
  parent whose mail was already accepted (the old own-job sender retried whole events).
"""
import time
from collections import Counter
from datetime import date, datetime, time as clock_time, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.extensions import db
from app.jobs import get_queue
from app.jobs.notifications import run_due
from app.meetings import services
from app.models import NotificationDelivery, NotificationEvent, utcnow
from app.notifications.services import set_preference
from tests.fixtures.mail import mail_text
from tests.fixtures.users import Auth
from tests.factories import (
    AdminFactory,
    ChildFactory,
    GroupFactory,
    GuardianshipFactory,
    ParentFactory,
    family,
    teacher_of,
)
from tests.meetings_data import book_directly, make_round, pretend, slot_at
from tests.test_notifications_worker import Workers

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def _clock(app):
    """Every slot of the test rounds lies ahead (the rounds are in March 2026)."""
    pretend(app)


@pytest.fixture
def klas(app):
    group = GroupFactory(name="3")
    sam, (parent, parent2) = family(group, parents=2, first_name="Sam", last_name="Jansen")
    noor, (noor_parent,) = family(group, first_name="Noor", last_name="Bakker")
    finn, (finn_parent,) = family(group, first_name="Finn", last_name="Visser")
    lotte, (lotte_parent,) = family(group, first_name="Lotte", last_name="Smit")
    set_preference(noor_parent, "meetings", False)  # switched "Oudergesprekken" off
    finn_parent.deactivated_at = utcnow()           # deactivated
    lotte_parent.activated_at = None                # never activated
    # Sam's parents' own names are fixed: a random "Noor" would look like another family's.
    parent.first_name, parent2.first_name = "Marloes", "Jeroen"
    db.session.commit()
    return {"group": group, "sam": sam, "parent": parent, "parent2": parent2, "noor": noor,
            "noor_parent": noor_parent, "finn": finn, "finn_parent": finn_parent, "lotte": lotte,
            "lotte_parent": lotte_parent, "teacher": teacher_of(group)}


@pytest.fixture
def workers(pipeline, tmp_path):
    """Long-running `worker.py` processes (with their RQ scheduler, which runs the retries)."""
    runner = Workers(pipeline, tmp_path)
    yield runner
    runner.stop_all()


def recipients(messages):
    return sorted(address for m in messages for address in m["to"])


def received(smtp):
    return Counter(address.lower() for m in smtp.messages for address in m["to"])


def emails(*people):
    return Counter(person.email.lower() for person in people)


def attachment(message, content_type="text/calendar"):
    for part in message.iter_attachments():
        if part.get_content_type() == content_type:
            return part.get_payload(decode=True)
    return None


def events(kind):
    db.session.expire_all()
    return db.session.scalars(select(NotificationEvent).where(NotificationEvent.kind == kind)).all()


def ledger(kind=None):
    """The delivery ledger's rows (of one kind), fresh from the database."""
    db.session.expire_all()
    query = select(NotificationDelivery)
    if kind:
        query = query.where(NotificationDelivery.kind == kind)
    rows = db.session.scalars(query).all()
    db.session.commit()
    return rows


def settle(smtp, count, timeout=30):
    """Wait for `count` mails, then a moment longer so a duplicate would show up too."""
    smtp.wait_for(count, timeout=timeout)
    time.sleep(0.5)
    return smtp.messages


def test_opened_final_and_changed_mails_through_the_worker(klas, pipeline):
    smtp = pipeline.smtp
    round_ = make_round(klas["group"], invite=[klas["noor"], klas["finn"], klas["lotte"]], double=[klas["sam"]],
                        status="concept", title="Voortgangsgesprekken maart")
    services.open_round(klas["teacher"], round_)
    pipeline.drain()
    settle(smtp, 2)
    # Sam's two parents each get their own mail; Noor's parent switched them off; Finn's
    # is deactivated; Lotte's never activated the account.
    assert received(smtp) == emails(klas["parent"], klas["parent2"])
    opened = smtp.to(klas["parent"].email)[0]
    text = mail_text(opened)
    assert opened["Subject"].startswith("Uitnodiging oudergesprek: Voortgangsgesprekken maart")
    assert "Beste " + klas["parent"].name in text
    assert "Sam Jansen" in text and "twee tijdsloten" in text and "dinsdag 10 maart 2026, 10:00–11:30" in text
    assert "http://localhost/oudergesprekken/" in text
    assert "http://localhost/account/notificaties" in text  # where to switch these mails off
    assert opened["List-Unsubscribe"] == "<http://localhost/account/notificaties>"
    for foreign in ("Noor", "Finn", "Lotte", "Bakker", "Visser", "Smit"):
        assert foreign not in text
    assert events("meeting_opened")[0].dispatched_at is not None
    rows = ledger("meeting_opened")
    assert sorted(row.recipient_id for row in rows) == sorted([klas["parent"].id, klas["parent2"].id])
    assert {row.state for row in rows} == {"sent"}

    smtp.clear()
    book_directly(klas["parent"], round_, klas["sam"], "10:40")
    services.close_round(klas["teacher"], round_)
    pipeline.drain()
    settle(smtp, 2)
    assert received(smtp) == emails(klas["parent"], klas["parent2"])
    final = smtp.to(klas["parent2"].email)[0]
    assert "Definitieve tijd oudergesprek" in final["Subject"]
    assert "Sam" in mail_text(final) and "dinsdag 10 maart 2026, 10:40–11:00" in mail_text(final)
    calendar = Calendar.from_ical(attachment(final))
    [vevent] = calendar.walk("VEVENT")
    assert vevent.decoded("DTSTART") == datetime(2026, 3, 10, 10, 40, tzinfo=AMSTERDAM)
    assert vevent.decoded("DTEND") == datetime(2026, 3, 10, 11, 0, tzinfo=AMSTERDAM)
    assert vevent.get("DTSTART").params["TZID"] == "Europe/Amsterdam"
    assert calendar.walk("VTIMEZONE")  # the zone travels along, so every calendar reads 10:40
    assert "Sam" in str(vevent.get("SUMMARY"))

    smtp.clear()
    services.staff_book(klas["teacher"], round_, klas["sam"].id, slot_at(round_, "11:00").id)
    pipeline.drain()
    settle(smtp, 2)
    assert received(smtp) == emails(klas["parent"], klas["parent2"])
    moved = smtp.to(klas["parent"].email)[0]
    assert moved["Subject"].startswith("Uw oudergesprek is verplaatst")
    body = mail_text(moved)
    assert "Was: dinsdag 10 maart 2026, 10:40–11:00" in body
    assert "Nieuwe tijd: dinsdag 10 maart 2026, 11:00–11:20" in body
    [vevent] = Calendar.from_ical(attachment(moved)).walk("VEVENT")
    assert vevent.decoded("DTSTART") == datetime(2026, 3, 10, 11, 0, tzinfo=AMSTERDAM)

    smtp.clear()
    services.staff_cancel(klas["teacher"], round_, klas["sam"].id)
    pipeline.drain()
    settle(smtp, 2)
    assert received(smtp) == emails(klas["parent"], klas["parent2"])
    cancelled = smtp.to(klas["parent2"].email)[0]
    assert cancelled["Subject"].startswith("Uw oudergesprek is geannuleerd")
    assert "Was: dinsdag 10 maart 2026, 11:00–11:20" in mail_text(cancelled)
    # The calendar removes the event it had: METHOD:CANCEL for the same UID.
    cancel_ics = Calendar.from_ical(attachment(cancelled))
    assert str(cancel_ics["METHOD"]) == "CANCEL"
    assert [str(v["UID"]) for v in cancel_ics.walk("VEVENT")] == [str(vevent["UID"])]
    assert all(e.dispatched_at is not None for e in events("meeting_changed"))
    # Each change is a notice of its own: two events, two ledger rows per parent.
    assert len(ledger("meeting_changed")) == 4

    # Handled events are not sent again, whoever runs the dispatcher again.
    smtp.clear()
    get_queue("mail").enqueue(run_due)
    pipeline.drain()
    assert run_due().sent == 0
    assert smtp.messages == []


def test_a_parent_with_two_invited_children_gets_one_mail_per_round(klas, pipeline):
    """One mail per parent per round, naming both children; the final mail's .ics holds
    one calendar event per child (each child has a time of its own)."""
    smtp = pipeline.smtp
    mila = ChildFactory(group=klas["group"], first_name="Mila", last_name="Jansen")
    GuardianshipFactory(parent=klas["parent"], child=mila)
    db.session.commit()
    round_ = make_round(klas["group"], invite=[klas["sam"], mila], status="concept")
    services.open_round(klas["teacher"], round_)
    pipeline.drain()
    settle(smtp, 2)
    assert received(smtp) == emails(klas["parent"], klas["parent2"])
    text = mail_text(smtp.to(klas["parent"].email)[0])
    assert "Sam Jansen" in text and "Mila Jansen" in text
    assert "Mila" not in mail_text(smtp.to(klas["parent2"].email)[0])  # not parent2's child

    smtp.clear()
    book_directly(klas["parent"], round_, klas["sam"], "10:00")
    book_directly(klas["parent"], round_, mila, "10:30")
    services.close_round(klas["teacher"], round_)
    pipeline.drain()
    settle(smtp, 2)
    assert received(smtp) == emails(klas["parent"], klas["parent2"])
    final = smtp.to(klas["parent"].email)[0]
    assert "dinsdag 10 maart 2026, 10:00–10:10" in mail_text(final)
    assert "dinsdag 10 maart 2026, 10:30–10:40" in mail_text(final)
    vevents = Calendar.from_ical(attachment(final)).walk("VEVENT")
    starts = {str(v.get("SUMMARY")).split()[1]: v.decoded("DTSTART") for v in vevents}
    assert starts == {"Sam": datetime(2026, 3, 10, 10, 0, tzinfo=AMSTERDAM),
                      "Mila": datetime(2026, 3, 10, 10, 30, tzinfo=AMSTERDAM)}
    assert len({str(v.get("UID")) for v in vevents}) == 2
    [only_sam] = Calendar.from_ical(attachment(smtp.to(klas["parent2"].email)[0])).walk("VEVENT")
    assert "Sam" in str(only_sam.get("SUMMARY"))


@pytest.mark.parametrize("day, utc_hour", [(date(2026, 3, 10), 9), (date(2026, 6, 16), 8)],
                         ids=["winter", "summer"])
def test_final_ics_is_amsterdam_time_in_winter_and_summer(klas, pipeline, day, utc_hour):
    smtp = pipeline.smtp
    round_ = make_round(klas["group"], invite=[klas["sam"]], day=day)
    book_directly(klas["parent"], round_, klas["sam"], "10:40")
    services.close_round(klas["teacher"], round_)
    pipeline.drain()
    settle(smtp, 2)
    [vevent] = Calendar.from_ical(attachment(smtp.to(klas["parent"].email)[0])).walk("VEVENT")
    start = vevent.decoded("DTSTART")
    assert start.replace(tzinfo=None) == datetime.combine(day, datetime.min.time()).replace(hour=10, minute=40)
    assert start.astimezone(timezone.utc).hour == utc_hour  # 10:40 CET is 09:40 UTC, CEST 08:40


def test_final_mail_without_a_booking_says_so_and_has_no_ics(klas, pipeline):
    smtp = pipeline.smtp
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    services.close_round(klas["teacher"], round_)
    pipeline.drain()
    settle(smtp, 2)
    message = smtp.to(klas["parent"].email)[0]
    assert "geen tijd gereserveerd" in mail_text(message)
    assert attachment(message) is None


def test_a_parents_own_booking_sends_no_mail(klas, pipeline):
    """Only the teacher's changes are mailed; parents see their own booking on screen."""
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    book_directly(klas["parent"], round_, klas["sam"], "10:40")
    pipeline.drain()
    assert pipeline.smtp.messages == []
    assert events("meeting_changed") == []


def test_switched_off_deactivated_and_never_activated_parents_get_no_meeting_mail(klas, pipeline):
    """The recipient rule of every notice, for all three meeting mails."""
    smtp = pipeline.smtp
    quiet = [klas["noor"], klas["finn"], klas["lotte"]]
    round_ = make_round(klas["group"], invite=quiet, status="concept")
    services.open_round(klas["teacher"], round_)
    for child, clock in zip(quiet, ("10:00", "10:10", "10:20")):
        services.staff_book(klas["teacher"], round_, child.id, slot_at(round_, clock).id)
    services.staff_book(klas["teacher"], round_, klas["noor"].id, slot_at(round_, "11:00").id)
    services.staff_cancel(klas["teacher"], round_, klas["finn"].id)
    services.close_round(klas["teacher"], round_)
    pipeline.drain()
    time.sleep(0.5)
    assert smtp.messages == []
    assert ledger() == []  # nobody planned: no row to send, retry or count
    assert all(e.dispatched_at is not None for kind in ("meeting_opened", "meeting_changed", "meeting_final")
               for e in events(kind))

    # Switched on again: the next change reaches Noor's parent.
    set_preference(klas["noor_parent"], "meetings", True)
    db.session.commit()
    services.staff_book(klas["teacher"], round_, klas["noor"].id, slot_at(round_, "11:10").id)
    pipeline.drain()
    settle(smtp, 1)
    assert received(smtp) == emails(klas["noor_parent"])


def test_mail_written_to_the_outbox_without_redis(klas, app):
    """Without REDIS_URL the dispatcher runs inline and, without MAIL_SERVER, writes .eml files."""
    round_ = make_round(klas["group"], invite=[klas["sam"]], status="concept")
    services.open_round(klas["teacher"], round_)
    files = sorted(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    assert len(files) == 2
    assert events("meeting_opened")[0].dispatched_at is not None
    assert {row.state for row in ledger()} == {"sent"}
    assert run_due().sent == 0  # already sent: nothing again
    assert len(list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))) == 2


def test_pupil_invited_later_only_their_parents_are_mailed(klas, pipeline):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    set_preference(klas["noor_parent"], "meetings", True)
    db.session.commit()
    services.save_invitations(klas["teacher"], round_, {klas["sam"].id: (True, 1, ""),
                                                        klas["noor"].id: (True, 2, "Welkom!")})
    pipeline.drain()
    settle(pipeline.smtp, 1)
    # Sam's parents heard when the round opened; now only Noor's parent is told.
    assert recipients(pipeline.smtp.messages) == [klas["noor_parent"].email]
    text = mail_text(pipeline.smtp.messages[0]["message"])
    assert "Noor" in text and "twee tijdsloten" in text and "Welkom!" in text


def test_a_sibling_invited_later_is_announced_to_a_parent_who_already_had_the_round_mail(klas, pipeline):
    smtp = pipeline.smtp
    mila = ChildFactory(group=klas["group"], first_name="Mila", last_name="Jansen")
    GuardianshipFactory(parent=klas["parent"], child=mila)
    db.session.commit()
    round_ = make_round(klas["group"], invite=[klas["sam"]], status="concept")
    services.open_round(klas["teacher"], round_)
    pipeline.drain()
    settle(smtp, 2)
    smtp.clear()
    services.save_invitations(klas["teacher"], round_, {klas["sam"].id: (True, 1, ""), mila.id: (True, 1, "")})
    pipeline.drain()
    settle(smtp, 1)
    assert received(smtp) == emails(klas["parent"])
    text = mail_text(smtp.messages[0]["message"])
    assert "Mila Jansen" in text and "Sam" not in text  # only the newcomer


def test_smtp_refusing_the_first_attempts_then_every_meeting_mail_arrives_once(klas, pipeline, workers):
    smtp = pipeline.smtp
    others = [family(klas["group"], first_name=f"Kind{index}", last_name=f"Achternaam{index}") for index in range(2)]
    round_ = make_round(klas["group"], invite=[klas["sam"]] + [child for child, _ in others], status="concept")
    everyone = [klas["parent"], klas["parent2"]] + [parents[0] for _, parents in others]
    workers.start(NOTIFY_RETRY_DELAYS="1,1,1,1,1")
    workers.wait_registered(1)

    smtp.fail_next = 3  # "451 try again later" for the first three mails
    services.open_round(klas["teacher"], round_)
    settle(smtp, 4, timeout=60)
    time.sleep(1.5)  # a retry round more: nothing arrives twice
    assert received(smtp) == emails(*everyone)
    rows = ledger("meeting_opened")
    assert len(rows) == 4 and {row.state for row in rows} == {"sent"}
    assert sum(row.attempts for row in rows) == 4 + 3

    smtp.clear()
    smtp.fail_next = 2
    book_directly(klas["parent"], round_, klas["sam"], "10:40")
    services.close_round(klas["teacher"], round_)
    services.staff_book(klas["teacher"], round_, klas["sam"].id, slot_at(round_, "11:00").id)
    settle(smtp, 6, timeout=60)
    time.sleep(1.5)
    assert received(smtp) == emails(*everyone) + emails(klas["parent"], klas["parent2"])
    subjects = Counter(m["message"]["Subject"].split(" – ")[0].split(":")[0] for m in smtp.messages)
    assert subjects == {"Definitieve tijd oudergesprek": 4, "Uw oudergesprek is verplaatst": 2}
    assert {row.state for row in ledger()} == {"sent"}


def test_a_refusal_in_the_middle_of_an_event_mails_nobody_twice(klas, pipeline, workers, monkeypatch):
    """The bug this fixes: one parent's mail refused after others were accepted. The old
    own job retried the whole event, so the parents already mailed got it twice; the
    ledger retries only the refused mail."""
    smtp = pipeline.smtp
    others = [family(klas["group"], first_name=f"Kind{index}", last_name=f"Achternaam{index}") for index in range(3)]
    round_ = make_round(klas["group"], invite=[klas["sam"]] + [child for child, _ in others])
    everyone = [klas["parent"], klas["parent2"]] + [parents[0] for _, parents in others]
    refused = max(everyone, key=lambda person: person.id)  # the last one the old job mailed
    refused_address = refused.email.lower()  # read here: the SMTP thread has no app context
    refusals = {"left": 2}
    accept = type(smtp).handle_DATA

    async def handle_DATA(server, session, envelope):
        if refused_address in [a.lower() for a in envelope.rcpt_tos] and refusals["left"]:
            refusals["left"] -= 1
            return "451 Tijdelijke fout, probeer later opnieuw"
        return await accept(smtp, server, session, envelope)

    monkeypatch.setattr(smtp, "handle_DATA", handle_DATA)
    workers.start(NOTIFY_RETRY_DELAYS="1,1,1,1,1")
    workers.wait_registered(1)
    services.close_round(klas["teacher"], round_)
    try:
        settle(smtp, 5, timeout=60)
    except AssertionError as error:
        raise AssertionError(f"{error}; ledger {[(r.recipient_id, r.state, r.attempts, r.last_error) for r in ledger()]}"
                             f"; refusals left {refusals}; worker: {workers.logs()}") from None
    time.sleep(1.5)
    assert refusals["left"] == 0
    assert received(smtp) == emails(*everyone)
    [row] = [row for row in ledger("meeting_final") if row.recipient_id == refused.id]
    assert row.state == "sent" and row.attempts == 3


# --- Beheer > E-mail: the meeting mails per round -------------------------------------------------

def round_counts(html, title):
    from tests.test_notifications_staff import counts_row

    return counts_row(html, "meeting_round", title)


def test_beheer_email_counts_meeting_mails_per_round_and_retries_a_failed_one(klas, pipeline, login_as):
    smtp = pipeline.smtp
    round_ = make_round(klas["group"], invite=[klas["sam"]], status="concept", title="Rapportgesprekken")
    other_group = GroupFactory(name="5")
    family(other_group, first_name="Daan", last_name="Mulder")
    make_round(other_group, invite=[], status="open", title="Gesprekken groep 5")
    services.open_round(klas["teacher"], round_)
    pipeline.drain()
    settle(smtp, 2)
    pipeline.env["NOTIFY_RETRY_DELAYS"] = "none"  # a refusal is final at once
    smtp.fail_next = 1
    services.close_round(klas["teacher"], round_)
    pipeline.drain()
    settle(smtp, 3)

    teacher = login_as(klas["teacher"])
    html = teacher.get("/beheer/e-mail/").get_data(as_text=True)
    assert "Oudergesprekken" in html
    assert round_counts(html, "Rapportgesprekken") == [3, 1, 0]  # opened 2 + final 1 sent, 1 failed
    assert "Gesprekken groep 5" not in html  # another group's round
    failed = html.split('id="mislukte-emails"', 1)[1].split("</section>", 1)[0]
    assert "Oudergesprekken: definitieve tijd: Rapportgesprekken" in failed
    assert "451" in failed
    office = login_as(AdminFactory()).get("/beheer/e-mail/").get_data(as_text=True)
    assert round_counts(office, "Rapportgesprekken") == [3, 1, 0]
    assert round_counts(office, "Gesprekken groep 5") == [0, 0, 0]

    # Another group's teacher sees neither the round nor its failed mail, and cannot retry it.
    [failed_row] = [row for row in ledger("meeting_final") if row.state == "failed"]
    stranger = login_as(teacher_of(other_group))
    assert "Rapportgesprekken" not in stranger.get("/beheer/e-mail/").get_data(as_text=True)
    token = Auth(stranger).csrf("/beheer/e-mail/")
    assert stranger.post(f"/beheer/e-mail/{failed_row.id}/opnieuw", data={"csrf_token": token}).status_code == 404

    token = Auth(teacher).csrf("/beheer/e-mail/")
    response = teacher.post(f"/beheer/e-mail/{failed_row.id}/opnieuw", data={"csrf_token": token})
    assert response.status_code == 302
    pipeline.drain()
    settle(smtp, 4)
    html = teacher.get("/beheer/e-mail/").get_data(as_text=True)
    assert round_counts(html, "Rapportgesprekken") == [4, 0, 0]
    assert "Er zijn geen mislukte e-mails." in html
    # Opened and final, each once to each parent.
    assert received(smtp) == emails(klas["parent"], klas["parent2"]) + emails(klas["parent"], klas["parent2"])


# --- issue 12: the calendar event, what a mail says, changed information -------------------------

def vevents(message):
    data = attachment(message)
    return Calendar.from_ical(data).walk("VEVENT") if data else []


def test_the_calendar_event_names_the_teacher_and_room_and_its_sequence_rises(klas, pipeline):
    """Every change raises SEQUENCE under the same UID; a cancellation is METHOD:CANCEL;
    DTSTAMP is the worker's clock (PRETEND_NOW in its environment)."""
    smtp = pipeline.smtp
    pipeline.env["PRETEND_NOW"] = "2026-03-03 08:15"
    round_ = make_round(klas["group"], invite=[klas["sam"]], status="concept")
    day = round_.days[0]
    services.set_day_room(klas["teacher"], round_, day.id, "Lokaal 3")
    steps = [
        lambda: services.open_round(klas["teacher"], round_),
        lambda: (book_directly(klas["parent"], round_, klas["sam"], "10:40"),
                 services.close_round(klas["teacher"], round_)),
        lambda: services.staff_book(klas["teacher"], round_, klas["sam"].id, slot_at(round_, "11:00").id),
        lambda: services.staff_cancel(klas["teacher"], round_, klas["sam"].id),
    ]
    for count, step in enumerate(steps, start=1):  # the worker after each step, as in a school day
        step()
        pipeline.drain()
        settle(smtp, 2 * count)  # opened, final, moved, cancelled: to each of Sam's two parents
    mails = smtp.to(klas["parent"].email)
    subjects = [str(m["Subject"]).split(":")[0].split(" – ")[0] for m in mails]
    assert subjects == ["Uitnodiging oudergesprek", "Definitieve tijd oudergesprek", "Uw oudergesprek is verplaatst",
                        "Uw oudergesprek is geannuleerd"]
    assert "(Lokaal 3)" in mail_text(mails[0])  # the day's room in the invitation
    final, moved, cancelled = (vevents(m)[0] for m in mails[1:])
    teacher = klas["teacher"].name
    assert str(final["SUMMARY"]) == f"Oudergesprek Sam (Groep 3) met {teacher}"
    assert f"Leerkracht: {teacher}" in str(final["DESCRIPTION"])
    assert str(final["LOCATION"]) == "Lokaal 3, Kindcentrum CBS De Schutkampen"
    assert str(final["UID"]) == str(moved["UID"]) == str(cancelled["UID"])
    assert final["SEQUENCE"] < moved["SEQUENCE"] < cancelled["SEQUENCE"]
    assert moved.decoded("DTSTART") == datetime(2026, 3, 10, 11, 0, tzinfo=AMSTERDAM)
    assert Calendar.from_ical(attachment(mails[1]))["METHOD"] == "PUBLISH"
    cancel_calendar = Calendar.from_ical(attachment(mails[3]))
    assert cancel_calendar["METHOD"] == "CANCEL" and str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled.decoded("DTSTART") == datetime(2026, 3, 10, 11, 0, tzinfo=AMSTERDAM)  # the cancelled time
    assert next(p for p in mails[3].iter_attachments())["Content-Type"].params["method"] == "CANCEL"
    assert "noreply@schutkampen.example" in str(cancelled["ORGANIZER"])
    assert final.decoded("DTSTAMP") == datetime(2026, 3, 3, 7, 15, tzinfo=timezone.utc)  # the worker's clock


def test_what_the_final_and_opened_mails_say_to_whom(klas, pipeline):
    """No booking: no attachment mentioned, whom to contact instead. A read-only parent is
    not asked to choose a time."""
    from app.settings import set_setting

    smtp = pipeline.smtp
    set_setting("school.phone", "0341-123456")
    set_setting("school.email", "info@schutkampen.example")
    set_preference(klas["noor_parent"], "meetings", True)
    readonly = ParentFactory(first_name="Alleen", last_name="Lezen")
    GuardianshipFactory(parent=readonly, child=klas["sam"], read_only=True)
    db.session.commit()
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"]], status="concept")
    services.open_round(klas["teacher"], round_)
    pipeline.drain()
    settle(smtp, 4)
    writable, looking = mail_text(smtp.to(klas["parent"].email)[0]), mail_text(smtp.to(readonly.email)[0])
    assert "Kies zelf een tijd" in writable
    assert "Kies zelf een tijd" not in looking and "kunt u uw tijd nog aanpassen" not in looking
    assert "De andere ouder kiest de tijd" in looking and "U hoeft zelf niets te kiezen." in looking

    smtp.clear()
    book_directly(klas["parent"], round_, klas["sam"], "10:40")  # Sam has a time, Noor has not
    services.close_round(klas["teacher"], round_)
    pipeline.drain()
    settle(smtp, 4)
    noor = smtp.to(klas["noor_parent"].email)[0]
    text = mail_text(noor)
    assert "bijlage" not in text and "bijlage" not in noor.get_body(preferencelist=("html",)).get_content()
    assert attachment(noor) is None
    assert (f"er is geen tijd gereserveerd. Neem contact op met {klas['teacher'].name} (leerkracht) of met de "
            "school (tel. 0341-123456, info@schutkampen.example).") in text
    sam = smtp.to(klas["parent"].email)[0]
    assert "In de bijlage vindt u de afspraak" in mail_text(sam) and attachment(sam) is not None


def test_a_clashing_time_is_never_announced_silently(klas, pipeline):
    smtp = pipeline.smtp
    lotte = ChildFactory(first_name="Lotte", last_name="Jansen", group=GroupFactory(name="6"))
    GuardianshipFactory(parent=klas["parent"], child=lotte)
    db.session.commit()
    round3 = make_round(klas["group"], invite=[klas["sam"]])
    round6 = make_round(lotte.group, invite=[lotte], start=clock_time(10, 5), end=clock_time(11, 5),
                        title="Gesprekken groep 6")
    book_directly(klas["parent"], round6, lotte, "10:35")  # Lotte 10:35–10:45
    with pytest.raises(services.NeedsConfirmation):
        services.staff_book(klas["teacher"], round3, klas["sam"].id, slot_at(round3, "10:40").id)
    services.staff_book(klas["teacher"], round3, klas["sam"].id, slot_at(round3, "10:40").id, confirm_overlap=True)
    services.close_round(klas["teacher"], round3)
    pipeline.drain()
    settle(smtp, 4)  # booked and final, to both of Sam's parents
    clash = "Let op, deze tijd overlapt: Lotte heeft om 10:35–10:45 al een gesprek (Gesprekken groep 6)"
    for message in smtp.to(klas["parent"].email):
        assert clash in mail_text(message), message["Subject"]
    # Lotte is not parent2's child: their mails name no Lotte (and there is no clash for them).
    for message in smtp.to(klas["parent2"].email):
        assert "Lotte" not in mail_text(message)


def test_changed_information_and_room_tell_the_invited_families_once(klas, pipeline, login_as):
    smtp = pipeline.smtp
    round_ = make_round(klas["group"], invite=[klas["sam"], klas["noor"]], info="In lokaal 3.", status="concept")
    day = round_.days[0]
    services.set_day_room(klas["teacher"], round_, day.id, "Lokaal 3")
    services.open_round(klas["teacher"], round_)
    book_directly(klas["parent"], round_, klas["sam"], "10:40")
    pipeline.drain()
    settle(smtp, 2)
    smtp.clear()
    # The teacher saves three times before the worker gets to it: one mail per parent.
    client = login_as(klas["teacher"])
    page = f"/beheer/oudergesprekken/{round_.id}"
    token = Auth(client).csrf(page)
    for data in ({"title": round_.title, "info": "In lokaal 5."}, {"title": round_.title, "info": "In lokaal 5, boven."}):
        assert client.post(page, data={**data, "csrf_token": token}).status_code == 303
    assert client.post(f"{page}/dagen/{day.id}/lokaal", data={"room": "Lokaal 5", "csrf_token": token}).status_code == 303
    pipeline.drain()
    settle(smtp, 2)
    # Sam's two parents; Noor's parent switched meeting mails off.
    assert received(smtp) == emails(klas["parent"], klas["parent2"])
    message = smtp.to(klas["parent"].email)[0]
    text = mail_text(message).replace("\r\n", "\n")
    assert message["Subject"].startswith("Gewijzigde informatie oudergesprek: Voortgangsgesprekken maart")
    assert "Nieuwe informatie van de leerkracht:\n\nIn lokaal 5, boven." in text
    assert "dinsdag 10 maart 2026, 10:00–11:30: de gesprekken zijn in Lokaal 5 (was: Lokaal 3)." in text
    assert "Uw gesprek voor Sam blijft op dinsdag 10 maart 2026, 10:40–10:50, in Lokaal 5." in text
    [vevent] = vevents(message)  # the booked meeting again, with the new room and a higher SEQUENCE
    assert str(vevent["LOCATION"]).startswith("Lokaal 5, ")
    assert vevent["SEQUENCE"] >= 2
    assert "Noor" not in text

    # A later save is news of its own; saving the same text again is none.
    smtp.clear()
    assert client.post(page, data={"title": round_.title, "info": "In lokaal 5, boven.", "csrf_token": token}
                       ).status_code == 303
    pipeline.drain()
    time.sleep(0.5)
    assert smtp.messages == []
    assert client.post(page, data={"title": round_.title, "info": "", "csrf_token": token}).status_code == 303
    pipeline.drain()
    settle(smtp, 2)
    assert "De informatie van de leerkracht is weggehaald." in mail_text(smtp.to(klas["parent2"].email)[0])
    assert attachment(smtp.to(klas["parent2"].email)[0]) is None  # the room did not change: no calendar event

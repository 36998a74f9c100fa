"""Meeting mails through the real pipeline: Redis, `python worker.py` and an SMTP server.

Opening a round tells the parents of invited pupils; closing sends the final times with
an .ics; a teacher's move or cancel tells that pupil's parents. Each parent with an own
account gets an own mail; deactivated accounts and parents who switched meeting mails
off get none.
"""
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.extensions import db
from app.meetings import services
from app.meetings.mail import send_meeting_event
from app.models import NotificationEvent, utcnow
from app.notifications.services import set_preference
from tests.conftest import mail_text
from tests.factories import GroupFactory, family, teacher_of
from tests.meetings_data import book_directly, make_round, slot_at

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def klas(app):
    group = GroupFactory(name="3")
    sam, (parent, parent2) = family(group, parents=2, first_name="Sam")
    noor, (noor_parent,) = family(group, first_name="Noor")
    finn, (finn_parent,) = family(group, first_name="Finn")
    set_preference(noor_parent, "meetings", False)
    finn_parent.deactivated_at = utcnow()
    db.session.commit()
    return {"group": group, "sam": sam, "parent": parent, "parent2": parent2, "noor": noor,
            "noor_parent": noor_parent, "finn": finn, "finn_parent": finn_parent, "teacher": teacher_of(group)}


def recipients(messages):
    return sorted(address for m in messages for address in m["to"])


def attachment(message, content_type="text/calendar"):
    for part in message.iter_attachments():
        if part.get_content_type() == content_type:
            return part.get_payload(decode=True)
    return None


def events(kind):
    db.session.expire_all()
    return db.session.scalars(select(NotificationEvent).where(NotificationEvent.kind == kind)).all()


def test_opened_final_and_changed_mails_through_the_worker(klas, pipeline):
    smtp = pipeline.smtp
    round_ = make_round(klas["group"], invite=[klas["noor"], klas["finn"]], double=[klas["sam"]], status="concept",
                        title="Voortgangsgesprekken maart")
    services.open_round(klas["teacher"], round_)
    pipeline.drain()
    smtp.wait_for(2)
    # Sam's two parents each get their own mail; Noor's parent switched them off; Finn's is deactivated.
    assert recipients(smtp.messages) == sorted([klas["parent"].email, klas["parent2"].email])
    text = mail_text(smtp.to(klas["parent"].email)[0])
    assert smtp.to(klas["parent"].email)[0]["Subject"].startswith("Uitnodiging oudergesprek: Voortgangsgesprekken maart")
    assert "Sam" in text and "dinsdag 10 maart 2026, 10:00–11:30" in text
    assert "http://localhost/oudergesprekken/" in text
    assert events("meeting_opened")[0].dispatched_at is not None

    smtp.clear()
    book_directly(klas["parent"], round_, klas["sam"], "10:40")
    services.close_round(klas["teacher"], round_)
    pipeline.drain()
    smtp.wait_for(2)
    assert recipients(smtp.messages) == sorted([klas["parent"].email, klas["parent2"].email])
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
    smtp.wait_for(2)
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
    smtp.wait_for(2)
    cancelled = smtp.to(klas["parent2"].email)[0]
    assert cancelled["Subject"].startswith("Uw oudergesprek is geannuleerd")
    assert "Was: dinsdag 10 maart 2026, 11:00–11:20" in mail_text(cancelled)
    assert attachment(cancelled) is None
    assert all(e.dispatched_at is not None for e in events("meeting_changed"))

    # Handled events are not sent again, whoever runs them.
    smtp.clear()
    pipeline.drain()
    for event_ in events("meeting_changed") + events("meeting_final"):
        assert send_meeting_event(event_.id) == 0
    assert smtp.messages == []


def test_final_mail_without_a_booking_says_so_and_has_no_ics(klas, pipeline):
    smtp = pipeline.smtp
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    services.close_round(klas["teacher"], round_)
    pipeline.drain()
    smtp.wait_for(2)
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


def test_mail_written_to_the_outbox_without_redis(klas, app):
    """Without REDIS_URL the job runs inline and, without MAIL_SERVER, writes .eml files."""
    round_ = make_round(klas["group"], invite=[klas["sam"]], status="concept")
    services.open_round(klas["teacher"], round_)
    files = sorted(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    assert len(files) == 2
    assert events("meeting_opened")[0].dispatched_at is not None
    assert send_meeting_event(events("meeting_opened")[0].id) == 0  # already sent: nothing again


def test_pupil_invited_later_only_their_parents_are_mailed(klas, pipeline):
    round_ = make_round(klas["group"], invite=[klas["sam"]])
    set_preference(klas["noor_parent"], "meetings", True)
    db.session.commit()
    services.save_invitations(klas["teacher"], round_, {klas["sam"].id: (True, 1, ""),
                                                        klas["noor"].id: (True, 2, "Welkom!")})
    pipeline.drain()
    pipeline.smtp.wait_for(1)
    # Sam's parents heard when the round opened; now only Noor's parent is told.
    assert recipients(pipeline.smtp.messages) == [klas["noor_parent"].email]
    text = mail_text(pipeline.smtp.messages[0]["message"])
    assert "Noor" in text and "twee tijdsloten" in text and "Welkom!" in text

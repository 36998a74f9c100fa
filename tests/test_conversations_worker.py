"""Gesprekken' quiet hours through the real pipeline: the web app enqueues in a real Redis,
a real `worker.py` runs the dispatcher and the minute tick with its own pretended clock
(PRETEND_NOW in its environment, app/clock.py), and mail goes over the SMTP sink.

A parent's message at 21:00 mails no teacher that evening or night; the first tick at
07:30 the next school day mails the teacher exactly once, and later ticks add nothing.
"""
import time
from collections import Counter

from sqlalchemy import select

from app.extensions import db
from app.jobs import get_queue
from app.jobs.notifications import JOB_TIMEOUT, run_due
from app.models import NotificationDelivery
from tests.test_conversations import EVENING, NEXT_START, emails, received, school, start  # noqa: F401

DUPLICATE_WAIT = 0.5  # a second mail would have arrived by now


def tick(app, pipeline, moment):
    """The worker's minute tick at `moment`: run_due without a `now`, as rq.cron enqueues it
    (app/jobs/schedules.py), so the worker's own clock decides what is due."""
    app.config["PRETEND_NOW"] = pipeline.env["PRETEND_NOW"] = moment
    get_queue("mail").enqueue(run_due, job_timeout=JOB_TIMEOUT, ttl=300)
    pipeline.drain()


def staff_ledger():
    db.session.expire_all()
    rows = db.session.execute(select(NotificationDelivery.recipient_id, NotificationDelivery.state)
                              .where(NotificationDelivery.kind == "conversation_staff")).all()
    db.session.commit()
    return Counter(tuple(row) for row in rows)


def test_a_message_at_nine_in_the_evening_mails_the_teacher_once_at_half_past_seven(app, pipeline, school,
                                                                                    login_as):
    s, smtp = school, pipeline.smtp
    app.config["PRETEND_NOW"] = pipeline.env["PRETEND_NOW"] = EVENING
    smtp.clear()
    assert start(login_as(s["mother"]), s["sam"]).status_code == 302
    assert get_queue("mail").count >= 1  # the service's dispatcher went to Redis, not inline
    pipeline.drain()  # the worker runs it at 21:00
    for moment in ("2026-12-02 23:59", "2026-12-03 03:00", "2026-12-03 07:29"):
        tick(app, pipeline, moment)
    time.sleep(DUPLICATE_WAIT)
    assert smtp.messages == []
    assert staff_ledger() == Counter()

    tick(app, pipeline, NEXT_START)
    smtp.wait_for(1, timeout=30)
    tick(app, pipeline, "2026-12-03 07:31")
    time.sleep(DUPLICATE_WAIT)
    assert received(smtp) == emails(s["juf3"])
    [mail] = smtp.messages
    assert str(mail["message"]["Subject"]).startswith(f"Nieuw bericht van {s['mother'].name} over Sam")
    assert staff_ledger() == Counter({(s["juf3"].id, "sent"): 1})

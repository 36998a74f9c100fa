"""The delivery ledger's machinery: transactions, claims, outcomes and retries.

Every mail the portal sends (a notice, a digest, an account mail) is a row of
NotificationDelivery (its states are drawn in app/models/notifications.py). A sender
claims rows under a token of its own ("host:pid:random"), records each outcome in its own
commit (`finish`), and hands back what it still holds at the end (`release`); a claim of
a process that died is handed back by `reclaim_stale` (same host: its pid is gone;
elsewhere: the claim is older than NOTIFY_CLAIM_LEASE seconds).

Settings (config.py): NOTIFY_RETRY_DELAYS, NOTIFY_CHUNK_SIZE, NOTIFY_CLAIM_LEASE.
"""
import logging
import os
import random
import socket
import time
import uuid
from app.formatting import count_nl
from dataclasses import dataclass, fields
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import NotificationDelivery, utcnow

log = logging.getLogger(__name__)

JOB_TIMEOUT = 2 * 3600
# The send run, by dotted path: RQ imports it in the worker (app/jobs/__init__.py).
SEND_PENDING_JOB = "app.jobs.notifications.send_pending_job"

# Claim tokens this process is sending under right now (never reclaimed from under us).
active_tokens = set()

_TRANSIENT_WORDS = ("locked", "deadlock", "serializ", "busy")


# --- settings ---------------------------------------------------------------------------------

def retry_delays():
    """Seconds to wait before each retry; "none": a failure is final at once."""
    value = str(current_app.config["NOTIFY_RETRY_DELAYS"])
    if value.strip().lower() == "none":
        return []
    return [int(part) for part in value.split(",") if part.strip()]


def chunk_size():
    return max(1, int(current_app.config["NOTIFY_CHUNK_SIZE"]))


def claim_lease():
    return int(current_app.config["NOTIFY_CLAIM_LEASE"])


@dataclass
class RunResult:
    events: int = 0      # events planned
    notices: int = 0     # ledger rows created
    sent: int = 0
    retry: int = 0       # temporary failure, will be retried
    failed: int = 0
    skipped: int = 0

    def add(self, other):
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    def summary(self):
        return (f"{count_nl(self.events, 'melding')} gepland ({count_nl(self.notices, 'e-mail')}), {self.sent} verstuurd, "
                f"{self.retry} later opnieuw, {self.failed} mislukt, {self.skipped} overgeslagen")


# --- transactions -----------------------------------------------------------------------------

def _transient(exc):
    text = str(exc).lower()
    return any(word in text for word in _TRANSIENT_WORDS)


def _backoff(attempt):
    time.sleep(0.05 * (attempt + 1) + random.random() * 0.05)


def transaction(fn, *args, retry_on=()):
    """Run fn in one transaction and commit; retry when the database says "try again"
    (SQLite busy, a PostgreSQL deadlock or serialization failure, or `retry_on`)."""
    for attempt in range(10):
        try:
            result = fn(*args)
            db.session.commit()
            return result
        except (OperationalError, *retry_on) as exc:
            db.session.rollback()
            transient = isinstance(exc, retry_on) if retry_on else False
            if not (transient or _transient(exc)) or attempt == 9:
                raise
            _backoff(attempt)
        except Exception:
            db.session.rollback()
            raise


def insert(model):
    """INSERT with ON CONFLICT DO NOTHING support for the dialect in use."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(model)


# --- claims -----------------------------------------------------------------------------------

def new_token():
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (killed, not yet reaped) is dead too
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return True


def _claimant_dead(token):
    host, _, rest = (token or "").partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return token not in active_tokens
    return not pid_alive(pid)


def reclaim_stale(now=None):
    """Hand rows back whose sender died mid-batch (see the module docstring)."""
    now = now or utcnow()
    lease_start = now - timedelta(seconds=claim_lease())
    claims = db.session.execute(
        select(NotificationDelivery.claim_token, func.min(NotificationDelivery.claimed_at))
        .where(NotificationDelivery.state == "sending")
        .group_by(NotificationDelivery.claim_token)
    ).all()
    handed_back = 0
    for token, since in claims:
        if token in active_tokens:
            continue
        if token is None or since is None or since < lease_start or _claimant_dead(token):
            handed_back += db.session.execute(
                update(NotificationDelivery)
                .where(NotificationDelivery.claim_token.is_(token) if token is None
                       else NotificationDelivery.claim_token == token,
                       NotificationDelivery.state == "sending")
                .values(state="pending", next_attempt_at=None,
                        last_error="Versturen werd onderbroken; wordt opnieuw verstuurd.")
                .execution_options(synchronize_session=False)
            ).rowcount
    db.session.commit()
    if handed_back:
        log.warning("notifications: %s interrupted mail(s) handed back for sending", handed_back)
    return handed_back


def claim_chunk(token, size):
    """Claim up to `size` due rows for this run. The ids are chosen (and on PostgreSQL
    locked, skipping rows another run has locked) first; the UPDATE re-checks
    state='pending', so a row can only ever be claimed by one run."""
    now = utcnow()
    ids = db.session.scalars(
        select(NotificationDelivery.id)
        .where(NotificationDelivery.state == "pending",
               or_(NotificationDelivery.next_attempt_at.is_(None), NotificationDelivery.next_attempt_at <= now))
        .order_by(NotificationDelivery.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    ).all()
    if ids:
        db.session.execute(
            update(NotificationDelivery)
            .where(NotificationDelivery.id.in_(ids), NotificationDelivery.state == "pending")
            .values(state="sending", claim_token=token, claimed_at=now)
            .execution_options(synchronize_session=False)
        )


# --- outcomes ---------------------------------------------------------------------------------

def finish(delivery_id, token, **values):
    """Record the outcome of one row, only if we still hold its claim, in its own commit.

    On a connection of its own, not through the ORM session: a session commit would expire
    (and later reload) every object of the chunk, once per mail."""
    statement = (
        update(NotificationDelivery.__table__)
        .where(NotificationDelivery.id == delivery_id, NotificationDelivery.claim_token == token,
               NotificationDelivery.state == "sending")
        .values(**values)
    )
    for attempt in range(10):
        try:
            with db.engine.begin() as connection:
                done = connection.execute(statement).rowcount
            break
        except OperationalError as exc:
            if attempt == 9 or not _transient(exc):
                raise
            _backoff(attempt)
    if not done:
        log.warning("notifications: delivery %s was no longer ours when finishing it", delivery_id)


def finish_sent(delivery_id, token, attempts):
    finish(delivery_id, token, state="sent", attempts=attempts, sent_at=utcnow(), last_error=None,
           next_attempt_at=None)


def finish_failure(delivery_id, token, attempts, error, permanent, delays):
    """A send that did not go: "failed" when it was permanent or the retries are used up,
    else back to "pending" after the next delay. Returns the state recorded."""
    if permanent or attempts > len(delays):
        finish(delivery_id, token, state="failed", attempts=attempts, last_error=error)
        return "failed"
    finish(delivery_id, token, state="pending", attempts=attempts, last_error=error,
           next_attempt_at=utcnow() + timedelta(seconds=delays[attempts - 1]))
    return "pending"


def release(token, delays):
    """Rows still claimed at the end (a stop after a connection failure, an exception):
    back to pending. Not charged an attempt: they were never tried."""
    def run():
        return db.session.execute(
            update(NotificationDelivery)
            .where(NotificationDelivery.claim_token == token, NotificationDelivery.state == "sending")
            .values(state="pending", next_attempt_at=utcnow() + timedelta(seconds=delays[0] if delays else 60))
            .execution_options(synchronize_session=False)
        ).rowcount
    try:
        db.session.rollback()
        released = transaction(run)
    except Exception:  # noqa: BLE001  (the lease hands them back later)
        log.exception("notifications: could not release claimed rows")
        return
    if released:
        log.info("notifications: %s mail(s) put back for a later run", released)


def schedule_retry():
    """Enqueue a send run for when the earliest retry is due (needs the worker's scheduler;
    the minute tick would pick it up anyway)."""
    if not current_app.config.get("REDIS_URL"):
        return None
    earliest = db.session.scalar(
        select(func.min(NotificationDelivery.next_attempt_at)).where(NotificationDelivery.state == "pending")
    )
    db.session.commit()
    if earliest is None:
        return None
    from app.jobs import get_queue

    # RQ keeps a scheduled time in whole seconds (rounded down), so the job can start up to a
    # second before the moment asked for; a run before `earliest` would find nothing due and
    # schedule nothing, leaving the retry to the next minute tick. One second more is enough.
    delay = max((earliest - utcnow()).total_seconds(), 0) + 1.0
    return get_queue("mail").enqueue_in(timedelta(seconds=delay), SEND_PENDING_JOB, job_timeout=JOB_TIMEOUT)

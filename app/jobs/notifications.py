"""Notification mail: the dispatcher the worker runs (plan, then send), with its ledger.

Two steps, each safe to run any number of times at once (two cron ticks, two workers,
a batch re-run by hand after a crash):

1. Plan (`plan_due`): events that are due (app/notifications/timing.py) are claimed with
   `UPDATE ... WHERE dispatched_at IS NULL` (only one transaction can win an event) and
   fanned out, in the same transaction, into the delivery ledger: one row per recipient
   and notice, UNIQUE (recipient, kind, key), inserted with INSERT ... SELECT ... ON
   CONFLICT DO NOTHING, so no recipient list is ever held in memory. A weekly digest gets
   a NotificationBatch key of its own per planning, so its content is fixed at commit.
2. Send (`send_pending`): due rows are claimed in chunks (`SELECT ... FOR UPDATE SKIP
   LOCKED`, then `UPDATE ... SET state='sending', claim_token=... WHERE state='pending'`), sent
   over ONE SMTP connection per run, and each is marked sent (or retry/failed) in its own
   commit right after the SMTP server accepted it.

Exactly once, and the window that remains: a row is marked "sent" only after the SMTP
server has accepted the message. If the process dies between that acceptance and the
commit of the mark (a few milliseconds per mail), the row stays "sending"; when its
claimant is found dead (same host: its pid is gone; elsewhere: the claim is older than
NOTIFY_CLAIM_LEASE seconds) the row is handed back and the mail is sent again. So in that
one window delivery is at-least-once: a parent can get that one mail twice. Everywhere
else (a crash before sending, a failing SMTP server, a re-run, concurrent runs) every
notice goes out exactly once. Closing the window would need the SMTP server to take part
in our transaction, which SMTP cannot do.

Temporary SMTP failures (4xx, connection refused or dropped) put the row back to
"pending" with a backoff (NOTIFY_RETRY_DELAYS seconds, default 1 min .. 6 h); a retry run
is scheduled with RQ (enqueue_in) and the minute tick picks it up as well. After the last
delay, or on a permanent refusal (5xx), the row is "failed" and shows up in Beheer >
E-mail, where staff can retry it.

Test-only: NOTIFY_TEST_KILL_AFTER_SENT=N makes the sending process SIGKILL the worker
(PORTAL_WORKER_PID; its whole process group when it leads one: work horse, RQ scheduler,
clock) and itself right after the N-th mail was marked sent, so a test can kill a worker
at a known point in a batch.
"""
import logging
import os
import random
import signal
import smtplib
import socket
import time
import uuid
from dataclasses import dataclass, fields
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import DateTime, Integer, String, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from app.extensions import db
from app.jobs import job_app_context
from app.jobs.mail import ACCOUNT_MAILS, MailNotWritable, account_message, connect, deliver
from app.models import (
    NotificationBatch,
    NotificationDelivery,
    NotificationDeliveryItem,
    NotificationEvent,
    NotificationPreference,
    User,
    utcnow,
)
from app.notifications import kinds as _content_kinds  # noqa: F401  (registers the kinds)
from app.notifications import timing
from app.notifications.registry import (
    KINDS,
    SUBJECT_TYPES,
    Notice,
    NoticeItem,
    cached,
    clear_run_cache,
    eligible,
    kinds_with,
    notice_message,
)

log = logging.getLogger(__name__)

DIGEST = "digest"
DEFAULT_RETRY_DELAYS = "60,300,900,3600,10800,21600"
JOB_TIMEOUT = 2 * 3600

# Claim tokens this process is sending under right now (never reclaimed from under us).
_active_tokens = set()
# Mails marked sent by this process (the test-only kill switch counts them).
_sent_in_process = 0


# --- settings (environment, or app.config for a test) -----------------------------------------

def _setting(name, default):
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(name)
    return default if value in (None, "") else value


def retry_delays():
    """Seconds to wait before each retry; "none": a failure is final at once."""
    value = str(_setting("NOTIFY_RETRY_DELAYS", DEFAULT_RETRY_DELAYS))
    if value.strip().lower() == "none":
        return []
    return [int(part) for part in value.split(",") if part.strip()]


def chunk_size():
    return max(1, int(_setting("NOTIFY_CHUNK_SIZE", 200)))


def claim_lease():
    return int(_setting("NOTIFY_CLAIM_LEASE", 900))


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
        return (f"{self.events} melding(en) gepland ({self.notices} e-mail(s)), {self.sent} verstuurd, "
                f"{self.retry} later opnieuw, {self.failed} mislukt, {self.skipped} overgeslagen")


# --- transactions --------------------------------------------------------------------------------

def _transaction(fn, *args, retry_on=()):
    """Run fn in one transaction and commit; retry when the database says "try again"
    (SQLite busy, a PostgreSQL deadlock or serialization failure, or `retry_on`)."""
    for attempt in range(10):
        try:
            result = fn(*args)
            db.session.commit()
            return result
        except (OperationalError, *retry_on) as exc:
            db.session.rollback()
            text = str(exc).lower()
            transient = isinstance(exc, retry_on) if retry_on else False
            transient = transient or any(word in text for word in ("locked", "deadlock", "serializ", "busy"))
            if not transient or attempt == 9:
                raise
            time.sleep(0.05 * (attempt + 1) + random.random() * 0.05)
        except Exception:
            db.session.rollback()
            raise


def _insert(model):
    """INSERT with ON CONFLICT DO NOTHING support for the dialect in use."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


# --- 1. planning -----------------------------------------------------------------------------------

def _claim_event(event_id):
    """Mark an event handled; True for the one transaction that wins it."""
    result = db.session.execute(
        update(NotificationEvent)
        .where(NotificationEvent.id == event_id, NotificationEvent.dispatched_at.is_(None))
        .values(dispatched_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _fan_out(event, kind, delivery_kind, key, audience):
    """Ledger rows for everyone in `audience` who gets this kind, plus the item rows.

    Two INSERT ... SELECTs; the recipients never pass through Python."""
    recipients = eligible(audience, kind.preference).subquery()
    # Core execution on the session's connection (same transaction); preserve_rowcount makes
    # the INSERT's rowcount (rows really inserted) available on every driver.
    connection = db.session.connection()
    created = connection.execute(
        _insert(NotificationDelivery)
        .from_select(
            ["recipient_id", "kind", "key", "state", "attempts", "created_at"],
            select(
                recipients.c.id,
                literal(delivery_kind, String),
                literal(key, String),
                literal("pending", String),
                literal(0, Integer),
                literal(utcnow(), DateTime),
            ).where(recipients.c.id.is_not(None)),  # SQLite needs a WHERE before ON CONFLICT
        )
        .on_conflict_do_nothing(index_elements=["recipient_id", "kind", "key"])
        .execution_options(preserve_rowcount=True)
    ).rowcount
    connection.execute(
        _insert(NotificationDeliveryItem)
        .from_select(
            ["delivery_id", "event_id", "kind", "subject_type", "subject_id"],
            select(
                NotificationDelivery.id,
                literal(event.id, Integer),
                literal(event.kind, String),
                literal(event.subject_type, String),
                literal(event.subject_id, Integer),
            ).where(
                NotificationDelivery.kind == delivery_kind,
                NotificationDelivery.key == key,
                NotificationDelivery.recipient_id.in_(select(recipients.c.id)),
            ),
        )
        .on_conflict_do_nothing(index_elements=["delivery_id", "subject_type", "subject_id"])
    )
    return max(created or 0, 0)


def _subject_of(event):
    kind = KINDS[event.kind]
    return kind, SUBJECT_TYPES[kind.subject_type].load([event.subject_id]).get(event.subject_id)


def _plan_single(event_id, now):
    """One item, one notice per recipient: key "<subject type>:<id>", so a second event
    about the same item never mails anyone twice."""
    result = RunResult()
    event = db.session.get(NotificationEvent, event_id)
    if event is None or event.dispatched_at is not None:
        return result
    kind, subject = _subject_of(event)
    if subject is not None and not kind.ready(subject, now):
        return result
    if not _claim_event(event_id):
        return result  # another run planned it
    result.events = 1
    if subject is None or not kind.wanted(subject):
        return result
    audience = kind.recipients(event, subject)
    if audience is not None:
        result.notices = _fan_out(event, kind, kind.name, kind.key_for(event), audience)
    return result


def _digest_key(cutoff):
    """A key of its own for this planning of the digest of `cutoff`'s Wednesday.

    Normally "digest:2030-01-16". An item that arrives after that digest was planned
    (a transaction still open at 17:30) gets "digest:2030-01-16.2": a small extra digest
    rather than a lost item. Two plannings racing for one key: the loser's INSERT fails
    and its whole transaction is retried (by then it finds nothing left to claim)."""
    base = f"{DIGEST}:{timing.local(cutoff).date().isoformat()}"
    taken = db.session.scalar(
        select(func.count()).select_from(NotificationBatch)
        .where(or_(NotificationBatch.key == base, NotificationBatch.key.like(base + ".%")))
    )
    return base if not taken else f"{base}.{taken + 1}"


def _plan_digest(event_ids, dropped_ids, cutoff):
    result = RunResult()
    for event_id in dropped_ids:  # deleted, or no longer worth a line: handled, no mail
        result.events += int(_claim_event(event_id))
    claimed = [event_id for event_id in event_ids if _claim_event(event_id)]
    if not claimed:
        return result
    key = _digest_key(cutoff)
    db.session.add(NotificationBatch(key=key, cutoff_at=cutoff, event_count=len(claimed)))
    db.session.flush()  # the unique key: a concurrent planner of the same key fails here
    result.events += len(claimed)
    for event in db.session.scalars(select(NotificationEvent).where(NotificationEvent.id.in_(claimed))
                                    .order_by(NotificationEvent.id)):
        kind, subject = _subject_of(event)
        if subject is None:
            continue
        audience = kind.recipients(event, subject)
        if audience is not None:
            result.notices += _fan_out(event, kind, DIGEST, key, audience)
    return result


def _plan_weekly(now):
    names = kinds_with("weekly")
    if not names:
        return RunResult()
    cutoff = timing.weekly_cutoff(now)
    events = db.session.scalars(
        select(NotificationEvent)
        .where(NotificationEvent.dispatched_at.is_(None), NotificationEvent.kind.in_(names),
               NotificationEvent.created_at < cutoff)
        .order_by(NotificationEvent.id)
    ).all()
    ready, dropped = [], []
    for event in events:
        kind, subject = _subject_of(event)
        if subject is None or not kind.wanted(subject):
            dropped.append(event.id)
        elif kind.ready(subject, cutoff):
            ready.append(event.id)
    db.session.rollback()  # end the read; the planning is its own transaction
    if not ready and not dropped:
        return RunResult()
    return _transaction(_plan_digest, ready, dropped, cutoff, retry_on=(IntegrityError,))


def plan_due(now=None, timings=("immediate", "evening", "weekly")):
    """Fan out every event that is due at `now` (see parse_now) into the ledger."""
    now = timing.parse_now(now)
    result = RunResult()
    for which in ("immediate", "evening"):
        names = kinds_with(which)
        if which not in timings or not names:
            continue
        candidates = db.session.execute(
            select(NotificationEvent.id, NotificationEvent.created_at)
            .where(NotificationEvent.dispatched_at.is_(None), NotificationEvent.kind.in_(names),
                   NotificationEvent.created_at <= now)
            .order_by(NotificationEvent.id)
        ).all()
        db.session.rollback()
        for event_id, created_at in candidates:
            if timing.due_at(which, created_at) <= now:
                result.add(_transaction(_plan_single, event_id, now))
    if "weekly" in timings:
        result.add(_plan_weekly(now))
    return result


# --- 2. sending ---------------------------------------------------------------------------------------

def _new_token():
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _pid_alive(pid):
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
        return token not in _active_tokens
    return not _pid_alive(pid)


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
        if token in _active_tokens:
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


def _claim_chunk(token, size):
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


def _finish(delivery_id, token, **values):
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
            text = str(exc).lower()
            if attempt == 9 or not any(word in text for word in ("locked", "deadlock", "serializ", "busy")):
                raise
            time.sleep(0.05 * (attempt + 1) + random.random() * 0.05)
    if not done:
        log.warning("notifications: delivery %s was no longer ours when finishing it", delivery_id)


class _SmtpSession:
    """One SMTP connection for the whole run (re-opened once if the server drops it)."""

    def __init__(self):
        self.connection = None

    def send(self, message):
        if not current_app.config.get("MAIL_SERVER"):
            deliver(message)  # development: .eml files in the outbox
            return
        if self.connection is None:
            connection = connect()
            connection.__enter__()
            self.connection = connection
        deliver(message, connection=self.connection)

    def drop(self):
        if self.connection is not None and self.connection.host is not None:
            try:
                self.connection.host.close()
            except Exception:  # noqa: BLE001
                pass
        self.connection = None

    def close(self):
        if self.connection is not None:
            try:
                self.connection.__exit__(None, None, None)
            except Exception:  # noqa: BLE001
                self.drop()
        self.connection = None


def _classify(exc):
    """(permanent, connection still usable) for an exception from sending."""
    if isinstance(exc, (MailNotWritable, UnicodeError)):
        return True, True  # nothing was sent; the same mail cannot be written later either
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return True, True  # e.g. SMTPUTF8 asked for and not offered: refused before MAIL FROM
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes), True
    if isinstance(exc, (smtplib.SMTPConnectError, smtplib.SMTPHeloError, smtplib.SMTPAuthenticationError)):
        return False, False
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600, exc.smtp_code != 421
    return False, False  # disconnected, refused connection, timeouts: try again later


def _error_text(exc):
    if isinstance(exc, MailNotWritable):
        return str(exc)[:500]
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return ("De mailserver biedt geen SMTPUTF8: een e-mailadres met letters als é of ü vóór de @ "
                f"kan zij niet afleveren ({exc}).")[:500]
    if isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.smtp_code} {message}"[:500]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
                         for code, msg in exc.recipients.values())[:500]
    return f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__


def _after_sent():
    """The test-only kill switch (module docstring)."""
    global _sent_in_process
    _sent_in_process += 1
    limit = os.environ.get("NOTIFY_TEST_KILL_AFTER_SENT")
    if limit and _sent_in_process >= int(limit):
        worker_pid = int(os.environ.get("PORTAL_WORKER_PID") or 0)
        if worker_pid and worker_pid != os.getpid():
            try:
                if os.getpgid(worker_pid) == worker_pid:
                    os.killpg(worker_pid, signal.SIGKILL)  # the worker leads its group: all of it
                else:
                    os.kill(worker_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os.kill(os.getpid(), signal.SIGKILL)


def _load_chunk(token):
    """The claimed rows with what their mails need, in a bounded number of queries."""
    rows = db.session.execute(
        select(NotificationDelivery.id, NotificationDelivery.kind, NotificationDelivery.recipient_id,
               NotificationDelivery.attempts, NotificationDelivery.address)
        .where(NotificationDelivery.claim_token == token, NotificationDelivery.state == "sending")
        .order_by(NotificationDelivery.id)
    ).all()
    if not rows:
        return [], {}, {}, set(), {}, {}
    ids = [row.id for row in rows]
    recipient_ids = {row.recipient_id for row in rows}
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(recipient_ids)))}
    switched_off = set(db.session.execute(
        select(NotificationPreference.user_id, NotificationPreference.kind)
        .where(NotificationPreference.user_id.in_(recipient_ids), NotificationPreference.enabled.is_(False))
    ).all())
    items = {}
    wanted = {}
    event_ids = set()
    for item in db.session.execute(
        select(NotificationDeliveryItem.delivery_id, NotificationDeliveryItem.kind,
               NotificationDeliveryItem.subject_type, NotificationDeliveryItem.subject_id,
               NotificationDeliveryItem.event_id)
        .where(NotificationDeliveryItem.delivery_id.in_(ids))
        .order_by(NotificationDeliveryItem.id)
    ):
        items.setdefault(item.delivery_id, []).append(item)
        wanted.setdefault(item.subject_type, set()).add(item.subject_id)
        if item.event_id is not None:
            event_ids.add(item.event_id)
    subjects = {}
    for subject_type, subject_ids in wanted.items():
        loader = SUBJECT_TYPES.get(subject_type)
        for subject_id, subject in (loader.load(subject_ids) if loader else {}).items():
            subjects[(subject_type, subject_id)] = subject
    events = {event.id: event for event in db.session.scalars(
        select(NotificationEvent).where(NotificationEvent.id.in_(event_ids)))} if event_ids else {}
    return rows, users, items, switched_off, subjects, events


def render_digest(notice):
    lines = []
    for item in notice.items:
        def describe(kind=item.kind, subject=item.subject):
            return {**kind.describe(subject), "kind": kind.name}
        lines.append(cached(("line", item.kind.name, item.subject_type, item.subject.id), describe))
    lines.sort(key=lambda line: line["date"], reverse=True)
    news = [line for line in lines if line["kind"] == "news"]
    messages = [line for line in lines if line["kind"] != "news"]
    return notice_message(notice.recipient, "Weekoverzicht van het ouderportaal", "notify_digest",
                          notice.school_name, news=news, messages=messages)


def _build(row, users, items, switched_off, subjects, events, school_name):
    """The Message for one row, or (None, reason) when there is nothing to send."""
    user = users.get(row.recipient_id)
    if user is None or user.deactivated_at is not None:
        return None, "Account gedeactiveerd of verwijderd."
    if row.kind.startswith(ACCOUNT_PREFIX):
        return _build_account(row, user)
    notice_items = []
    for item in items.get(row.id, []):
        kind = KINDS.get(item.kind)
        subject = subjects.get((item.subject_type, item.subject_id))
        if kind is None or subject is None:
            continue
        if kind.preference and (user.id, kind.preference) in switched_off:
            continue  # switched off after planning: honoured until the last moment
        notice_items.append(NoticeItem(kind, item.subject_type, subject, events.get(item.event_id)))
    if not notice_items:
        return None, "Niets meer te melden (verwijderd of uitgezet)."
    notice = Notice(delivery_id=row.id, kind=row.kind, recipient=user, items=notice_items,
                    school_name=school_name)
    if row.kind == DIGEST:
        return render_digest(notice), None
    kind = KINDS.get(row.kind)
    message = kind.render(notice) if kind else None
    return (message, None) if message is not None else (None, "Niets te melden.")


# --- account mails (activation, reset, e-mail change, ...): at once, through the ledger --------

ACCOUNT_PREFIX = "account:"


def account_kind(kind):
    """The ledger kind of an account mail ("account:activate")."""
    return ACCOUNT_PREFIX + kind


def _open_direct_row(user_id, kind, address, token):
    """A ledger row for one account mail, claimed by us ("sending"); None when this job
    already has one (RQ ran it again after a worker died: the ledger sends that row, not
    us). Older unsent rows of the same kind for the same account are superseded: the new
    mail carries the link that works."""
    from rq import get_current_job

    job = get_current_job()
    key = f"job:{job.id}" if job is not None else f"mail:{uuid.uuid4().hex}"
    now = utcnow()
    inserted = db.session.execute(
        _insert(NotificationDelivery)
        .values(recipient_id=user_id, kind=account_kind(kind), key=key, address=address, state="sending",
                attempts=0, claim_token=token, claimed_at=now, created_at=now)
        .on_conflict_do_nothing(index_elements=["recipient_id", "kind", "key"])
        .execution_options(preserve_rowcount=True)
    ).rowcount
    if not inserted:
        return None
    row_id = db.session.scalar(select(NotificationDelivery.id).where(
        NotificationDelivery.recipient_id == user_id, NotificationDelivery.kind == account_kind(kind),
        NotificationDelivery.key == key))
    db.session.execute(
        update(NotificationDelivery)
        .where(NotificationDelivery.recipient_id == user_id, NotificationDelivery.kind == account_kind(kind),
               NotificationDelivery.state.in_(("pending", "failed")), NotificationDelivery.id != row_id)
        .values(state="skipped", last_error="Vervangen door een nieuwere e-mail.", next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    return row_id


def send_direct(user_id, kind, raw_token, to=None):
    """Send one account mail now (app.jobs.mail.send_account_mail), recording it in the
    ledger: sent; or, when it cannot be written or sent, failed (permanent: a refused
    address, a mail that cannot be written) or pending with backoff (the server is away),
    for send_pending to retry with a fresh link. Returns the row's state (None: nothing
    to do)."""
    if kind not in ACCOUNT_MAILS:
        raise ValueError(f"unknown account mail: {kind}")
    user = db.session.get(User, user_id)
    if user is None:
        return None
    token = _new_token()
    _active_tokens.add(token)
    try:
        row_id = _transaction(_open_direct_row, user.id, kind, to, token)
        if row_id is None:
            return None
        try:
            deliver(account_message(user, kind, raw_token, to))
        except Exception as exc:  # noqa: BLE001  (every failure is recorded, none is raised)
            permanent, _ = _classify(exc)
            delays = retry_delays()
            log.warning("account mail %s (delivery %s) not sent: %s", kind, row_id, _error_text(exc))
            db.session.rollback()
            if permanent or not delays:
                _finish(row_id, token, state="failed", attempts=1, last_error=_error_text(exc))
                return "failed"
            _finish(row_id, token, state="pending", attempts=1, last_error=_error_text(exc),
                    next_attempt_at=utcnow() + timedelta(seconds=delays[0]))
            try:
                schedule_retry()
            except Exception:  # noqa: BLE001  (the minute tick picks it up anyway)
                log.exception("account mail: could not schedule the retry")
            return "pending"
        _finish(row_id, token, state="sent", attempts=1, sent_at=utcnow(), last_error=None, next_attempt_at=None)
        return "sent"
    finally:
        _active_tokens.discard(token)


TOKEN_HOURS = {"activate": "ACTIVATION_TOKEN_HOURS", "reset": "RESET_TOKEN_HOURS", "email": "EMAIL_CHANGE_TOKEN_HOURS"}


def _reissue(user, purpose, address):
    """A fresh link for a retried account mail: (raw token, None) or (None, why not).

    The first mail's raw token was never stored (only its hash is), so a retry cannot send
    it again; the open links of that purpose are closed and a new one is issued, as
    "opnieuw versturen" does for an activation."""
    from app.auth import services as auth

    if purpose == "activate" and user.is_activated:
        return None, "Het account is inmiddels geactiveerd."
    if purpose == "reset" and not user.is_activated:
        return None, "Het account is nog niet geactiveerd."
    if purpose == "email":
        if not address:
            return None, "Geen nieuw e-mailadres bekend."
        if auth.normalise_login(address) == user.login_name:
            return None, "De inlognaam is al gewijzigd."
        if auth.login_name_taken(address, exclude_user_id=user.id):
            return None, "Dit e-mailadres is inmiddels de inlognaam van een ander account."
    auth._expire_open_tokens(user, purpose)
    raw = auth.issue_token(user, purpose, current_app.config[TOKEN_HOURS[purpose]],
                           new_email=address if purpose == "email" else None)
    db.session.commit()
    return raw, None


def _build_account(row, user):
    kind = row.kind[len(ACCOUNT_PREFIX):]
    spec = ACCOUNT_MAILS.get(kind)
    if spec is None:
        return None, "Onbekende soort accountmail."
    raw = None
    if spec.token:
        raw, reason = _reissue(user, spec.token, row.address)
        if raw is None:
            return None, reason
    return account_message(user, kind, raw, row.address), None


def send_pending(limit=None):
    """Send every due ledger row (claimed chunk by chunk) over one SMTP connection."""
    from app.settings import school_name as current_school_name

    result = RunResult()
    clear_run_cache()
    reclaim_stale()
    token = _new_token()
    _active_tokens.add(token)
    delays = retry_delays()
    smtp = _SmtpSession()
    app = current_app._get_current_object()
    school_name = current_school_name()
    db.session.commit()
    stop = False
    try:
        with app.test_request_context("/", base_url=app.config["PORTAL_URL"]):
            while not stop:
                size = chunk_size() if limit is None else min(chunk_size(), limit - result.sent)
                if size <= 0:
                    break
                _transaction(_claim_chunk, token, size)
                rows, users, items, switched_off, subjects, events = _load_chunk(token)
                db.session.commit()
                if not rows:
                    break
                for row in rows:
                    if stop:
                        break
                    try:
                        message, reason = _build(row, users, items, switched_off, subjects, events, school_name)
                    except Exception as exc:  # a bug in a template: visible to staff, retryable
                        log.exception("notifications: rendering delivery %s failed", row.id)
                        _finish(row.id, token, state="failed", attempts=row.attempts + 1,
                                last_error=f"Opmaken mislukt: {_error_text(exc)}"[:500])
                        result.failed += 1
                        continue
                    if message is None:
                        _finish(row.id, token, state="skipped", last_error=reason)
                        result.skipped += 1
                        continue
                    try:
                        smtp.send(message)
                    except Exception as exc:  # noqa: BLE001  (every failure is recorded)
                        permanent, usable = _classify(exc)
                        if not usable:
                            smtp.drop()
                        attempts = row.attempts + 1
                        if permanent or attempts > len(delays):
                            _finish(row.id, token, state="failed", attempts=attempts, last_error=_error_text(exc))
                            result.failed += 1
                        else:
                            _finish(row.id, token, state="pending", attempts=attempts, last_error=_error_text(exc),
                                    next_attempt_at=utcnow() + timedelta(seconds=delays[attempts - 1]))
                            result.retry += 1
                        if not usable:
                            stop = True  # the server went away: the rest waits for the retry
                        continue
                    _finish(row.id, token, state="sent", attempts=row.attempts + 1, sent_at=utcnow(),
                            last_error=None, next_attempt_at=None)
                    result.sent += 1
                    _after_sent()
                # Nothing of this chunk is kept: the session's identity map holds loaded
                # objects weakly, so memory stays flat however many parents there are.
                del rows, users, items, switched_off, subjects, events
    finally:
        _release(token, delays)
        _active_tokens.discard(token)
        smtp.close()
    if result.retry:
        schedule_retry()
    return result


def _release(token, delays):
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
        released = _transaction(run)
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
    return get_queue("mail").enqueue_in(timedelta(seconds=delay), send_pending_job, job_timeout=JOB_TIMEOUT)


# --- jobs (what the worker and the CLI run) -------------------------------------------------

def run_due(now=None):
    """Everything that is due: the minute tick (rq.cron) and the CLI run this."""
    with job_app_context():
        result = plan_due(now)
        return result.add(send_pending())


def run_daily(now=None):
    """The evening batch (spoedberichten, albums) and the at-once kinds, then send."""
    with job_app_context():
        result = plan_due(now, timings=("immediate", "evening"))
        return result.add(send_pending())


def run_weekly(now=None):
    """The weekly digest (news, general messages), then send."""
    with job_app_context():
        result = plan_due(now, timings=("weekly",))
        return result.add(send_pending())


def send_pending_job():
    with job_app_context():
        return send_pending()


def dispatch_now():
    """For a service that wants its at-once notice out right after commit:
    `enqueue(dispatch_now)` (the minute tick sends it otherwise)."""
    return run_due()

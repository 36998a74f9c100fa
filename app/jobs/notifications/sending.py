"""Sending: due ledger rows go out, each exactly once but for one small window.

Due rows are claimed in chunks (`SELECT ... FOR UPDATE SKIP LOCKED`, then `UPDATE ... SET
state='sending', claim_token=... WHERE state='pending'`; app/jobs/ledger.py), sent over
ONE SMTP connection per run, and each is marked sent (or retry/failed) in its own commit
right after the SMTP server accepted it.

Exactly once, and the window that remains: a row is marked "sent" only after the SMTP
server has accepted the message. If the process dies between that acceptance and the
commit of the mark (a few milliseconds per mail), the row stays "sending"; when its
claimant is found dead it is handed back and the mail is sent again. So in that one
window delivery is at-least-once: a parent can get that one mail twice. Everywhere else
(a crash before sending, a failing SMTP server, a re-run, concurrent runs) every notice
goes out exactly once. Closing the window would need the SMTP server to take part in our
transaction, which SMTP cannot do.

Temporary SMTP failures (4xx, connection refused or dropped) put the row back to
"pending" with a backoff (NOTIFY_RETRY_DELAYS); a retry run is scheduled with RQ
(enqueue_in) and the minute tick picks it up as well. After the last delay, or on a
permanent refusal (5xx), the row is "failed" and shows up in Beheer > E-mail, where staff
can retry it.
"""
import logging
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.jobs import ledger, testing
from app.jobs.account_mail import ACCOUNT_PREFIX, build_account
from app.jobs.ledger import RunResult
from app.jobs.smtp import SmtpSession, classify, error_text
from app.models import (
    NotificationDelivery,
    NotificationDeliveryItem,
    NotificationEvent,
    NotificationPreference,
    User,
)
from app.notifications.catalog import DIGEST, KINDS, SUBJECT_TYPES
from app.notifications.registry import Notice, NoticeItem, cached, clear_run_cache, notice_message

log = logging.getLogger(__name__)


# --- one chunk of claimed rows, with what their mails need ------------------------------------

@dataclass
class Chunk:
    rows: list = field(default_factory=list)
    users: dict = field(default_factory=dict)          # recipient id -> User
    items: dict = field(default_factory=dict)          # delivery id -> [item rows]
    switched_off: set = field(default_factory=set)     # (user id, preference key) stored off
    switched_on: set = field(default_factory=set)      # (user id, preference key) stored on
    subjects: dict = field(default_factory=dict)       # (subject type, id) -> object
    events: dict = field(default_factory=dict)         # event id -> NotificationEvent


def _load_items(chunk, ids):
    """The chunk's item rows, their subjects and events (one query per subject type)."""
    wanted, event_ids = {}, set()
    for item in db.session.execute(
        select(NotificationDeliveryItem.delivery_id, NotificationDeliveryItem.kind,
               NotificationDeliveryItem.subject_type, NotificationDeliveryItem.subject_id,
               NotificationDeliveryItem.event_id)
        .where(NotificationDeliveryItem.delivery_id.in_(ids))
        .order_by(NotificationDeliveryItem.id)
    ):
        chunk.items.setdefault(item.delivery_id, []).append(item)
        wanted.setdefault(item.subject_type, set()).add(item.subject_id)
        if item.event_id is not None:
            event_ids.add(item.event_id)
    for subject_type, subject_ids in wanted.items():
        loader = SUBJECT_TYPES.get(subject_type)
        for subject_id, subject in (loader.load(subject_ids) if loader else {}).items():
            chunk.subjects[(subject_type, subject_id)] = subject
    if event_ids:
        chunk.events = {event.id: event for event in db.session.scalars(
            select(NotificationEvent).where(NotificationEvent.id.in_(event_ids)))}


def load_chunk(token):
    """The claimed rows with what their mails need, in a bounded number of queries."""
    chunk = Chunk()
    chunk.rows = db.session.execute(
        select(NotificationDelivery.id, NotificationDelivery.kind, NotificationDelivery.recipient_id,
               NotificationDelivery.attempts, NotificationDelivery.address)
        .where(NotificationDelivery.claim_token == token, NotificationDelivery.state == "sending")
        .order_by(NotificationDelivery.id)
    ).all()
    if not chunk.rows:
        return chunk
    recipient_ids = {row.recipient_id for row in chunk.rows}
    chunk.users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(recipient_ids)))}
    for user_id, key, enabled in db.session.execute(
        select(NotificationPreference.user_id, NotificationPreference.kind, NotificationPreference.enabled)
        .where(NotificationPreference.user_id.in_(recipient_ids))
    ):
        (chunk.switched_on if enabled else chunk.switched_off).add((user_id, key))
    _load_items(chunk, [row.id for row in chunk.rows])
    return chunk


# --- what a row's mail says -----------------------------------------------------------------

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


def _still_wanted(kind, user, chunk):
    """The recipient's switch for this kind, as it is now (no stored choice: its default)."""
    if not kind.preference:
        return True
    if kind.default_on:
        return (user.id, kind.preference) not in chunk.switched_off
    return (user.id, kind.preference) in chunk.switched_on


def _notice_items(row, user, chunk):
    """The items of a row still worth telling this recipient."""
    notice_items = []
    for item in chunk.items.get(row.id, []):
        kind = KINDS.get(item.kind)
        subject = chunk.subjects.get((item.subject_type, item.subject_id))
        if kind is None or subject is None:
            continue
        if not _still_wanted(kind, user, chunk):
            continue  # switched off after planning: honoured until the last moment
        notice_items.append(NoticeItem(kind, item.subject_type, subject, chunk.events.get(item.event_id)))
    return notice_items


def build(row, chunk, school_name):
    """(Message, None) for one row, or (None, reason) when there is nothing to send."""
    user = chunk.users.get(row.recipient_id)
    if user is None or user.deactivated_at is not None:
        return None, "Account gedeactiveerd of verwijderd."
    if row.kind.startswith(ACCOUNT_PREFIX):
        return build_account(row, user)
    notice_items = _notice_items(row, user, chunk)
    if not notice_items:
        return None, "Niets meer te melden (verwijderd of uitgezet)."
    notice = Notice(delivery_id=row.id, kind=row.kind, recipient=user, items=notice_items,
                    school_name=school_name)
    if row.kind == DIGEST:
        return render_digest(notice), None
    kind = KINDS.get(row.kind)
    message = kind.render(notice) if kind else None
    return (message, None) if message is not None else (None, "Niets te melden.")


# --- the send run -----------------------------------------------------------------------------

@dataclass
class SendRun:
    token: str
    delays: list
    school_name: str
    smtp: SmtpSession = field(default_factory=SmtpSession)
    result: RunResult = field(default_factory=RunResult)
    stop: bool = False   # the server went away: the rest waits for the retry


def _send_row(run, row, chunk):
    """Render and send one row and record what became of it."""
    try:
        message, reason = build(row, chunk, run.school_name)
    except Exception as exc:  # a bug in a template: visible to staff, retryable
        log.exception("notifications: rendering delivery %s failed", row.id)
        ledger.finish(row.id, run.token, state="failed", attempts=row.attempts + 1,
                      last_error=f"Opmaken mislukt: {error_text(exc)}"[:500])
        run.result.failed += 1
        return
    if message is None:
        ledger.finish(row.id, run.token, state="skipped", last_error=reason)
        run.result.skipped += 1
        return
    try:
        run.smtp.send(message)
    except Exception as exc:  # noqa: BLE001  (every failure is recorded)
        permanent, usable = classify(exc)
        if not usable:
            run.smtp.drop()
            run.stop = True
        state = ledger.finish_failure(row.id, run.token, row.attempts + 1, error_text(exc), permanent, run.delays)
        if state == "failed":
            run.result.failed += 1
        else:
            run.result.retry += 1
        return
    ledger.finish_sent(row.id, run.token, attempts=row.attempts + 1)
    run.result.sent += 1
    testing.after_sent()


def _send_chunks(run, limit):
    """Claim and send chunk after chunk until nothing is due, the limit is reached, or the
    server went away."""
    while not run.stop:
        size = ledger.chunk_size() if limit is None else min(ledger.chunk_size(), limit - run.result.sent)
        if size <= 0:
            break
        ledger.transaction(ledger.claim_chunk, run.token, size)
        chunk = load_chunk(run.token)
        db.session.commit()
        if not chunk.rows:
            break
        for row in chunk.rows:
            if run.stop:
                break
            _send_row(run, row, chunk)
        # Nothing of this chunk is kept: the session's identity map holds loaded objects
        # weakly, so memory stays flat however many parents there are.
        del chunk


def send_pending(limit=None):
    """Send every due ledger row (claimed chunk by chunk) over one SMTP connection."""
    from app.settings import school_name as current_school_name

    clear_run_cache()
    ledger.reclaim_stale()
    run = SendRun(token=ledger.new_token(), delays=ledger.retry_delays(), school_name=current_school_name())
    ledger.active_tokens.add(run.token)
    app = current_app._get_current_object()
    db.session.commit()
    try:
        with app.test_request_context("/", base_url=app.config["PORTAL_URL"]):
            _send_chunks(run, limit)
    finally:
        ledger.release(run.token, run.delays)
        ledger.active_tokens.discard(run.token)
        run.smtp.close()
    if run.result.retry:
        ledger.schedule_retry()
    return run.result

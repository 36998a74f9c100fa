"""Planning: events that are due become rows of the delivery ledger.

Events that are due (app/notifications/timing.py) are claimed with `UPDATE ... WHERE
dispatched_at IS NULL` (only one transaction can win an event) and fanned out, in the same
transaction, into the ledger: one row per recipient and notice, UNIQUE (recipient, kind,
key), inserted with INSERT ... SELECT ... ON CONFLICT DO NOTHING, so no recipient list is
ever held in memory. A weekly digest gets a NotificationBatch key of its own per
planning, so its content is fixed at commit.
"""
from sqlalchemy import DateTime, Integer, String, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.jobs.ledger import RunResult, insert, transaction
from app.models import NotificationBatch, NotificationDelivery, NotificationDeliveryItem, NotificationEvent, utcnow
from app.notifications import timing
from app.notifications.catalog import DIGEST, KINDS, SUBJECT_TYPES, kinds_with
from app.notifications.registry import eligible


def _claim_event(event_id):
    """Mark an event handled; True for the one transaction that wins it."""
    result = db.session.execute(
        update(NotificationEvent)
        .where(NotificationEvent.id == event_id, NotificationEvent.dispatched_at.is_(None))
        .values(dispatched_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _insert_deliveries(recipients, delivery_kind, key):
    """One pending ledger row per recipient (a subquery of user ids); the number inserted."""
    # Core execution on the session's connection (same transaction); preserve_rowcount makes
    # the INSERT's rowcount (rows really inserted) available on every driver.
    return db.session.connection().execute(
        insert(NotificationDelivery)
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


def _insert_items(event, recipients, delivery_kind, key):
    """What the recipients' rows of (kind, key) are about: this event's subject."""
    db.session.connection().execute(
        insert(NotificationDeliveryItem)
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


def _fan_out(event, kind, delivery_kind, key, audience):
    """Ledger rows for everyone in `audience` who gets this kind, plus the item rows.

    Two INSERT ... SELECTs; the recipients never pass through Python."""
    recipients = eligible(audience, kind.preference, kind.audience, kind.default_on).subquery()
    created = _insert_deliveries(recipients, delivery_kind, key)
    _insert_items(event, recipients, delivery_kind, key)
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
    if subject is not None and not kind.is_ready(event, subject, now):
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
    return transaction(_plan_digest, ready, dropped, cutoff, retry_on=(IntegrityError,))


def _plan_singles(which, now):
    """Every event of the kinds of this timing ("immediate", "evening") due at `now`, each
    in its own transaction."""
    result = RunResult()
    names = kinds_with(which)
    if not names:
        return result
    candidates = db.session.execute(
        select(NotificationEvent.id, NotificationEvent.created_at)
        .where(NotificationEvent.dispatched_at.is_(None), NotificationEvent.kind.in_(names),
               NotificationEvent.created_at <= now)
        .order_by(NotificationEvent.id)
    ).all()
    db.session.rollback()
    for event_id, created_at in candidates:
        if timing.due_at(which, created_at) <= now:
            result.add(transaction(_plan_single, event_id, now))
    return result


def plan_due(now=None, timings=("immediate", "evening", "weekly")):
    """Fan out every event that is due at `now` (see timing.parse_now) into the ledger."""
    now = timing.parse_now(now)
    result = RunResult()
    for which in ("immediate", "evening"):
        if which in timings:
            result.add(_plan_singles(which, now))
    if "weekly" in timings:
        result.add(_plan_weekly(now))
    return result

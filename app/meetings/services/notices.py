"""What the parents are told of a change: the NotificationEvent a service records in its
transaction, and after the commit the dispatcher enqueued so the mail goes at once
(app/meetings/mail.py says what the mail holds)."""
import logging

from sqlalchemy import delete, select, update

from app import clock
from app.extensions import db
from app.jobs import enqueue
from app.meetings.rules import INFO_CHANGED
from app.meetings.times import upcoming
from app.models import NotificationEvent
from app.notifications.services import record_event

log = logging.getLogger(__name__)


def send_at_once():
    """After commit: let the notification dispatcher send the recorded meeting event now
    (never inside the transaction). If Redis is unreachable the event stays recorded and
    the worker's minute tick sends it."""
    try:
        enqueue("app.jobs.notifications.dispatch_now")  # by path: the web process need not load the dispatcher
    except Exception:  # noqa: BLE001
        log.exception("Could not enqueue the notification dispatcher for a meeting mail")


def record_change(user, round_, child, old_times, new_times, sequence=None):
    """The notice of a teacher's change (caller commits). None when there is nothing to
    tell: a concept round, no change, or a change only in the past (recording afterwards
    what happened is nothing a parent needs to act on)."""
    if round_.is_concept or old_times == new_times:
        return None
    now = clock.now()
    if not upcoming(old_times, now) and not upcoming(new_times, now):
        return None
    return record_event("meeting_changed", "meeting_round", round_.id, actor=user,
                        child_id=child.id, old=old_times, new=new_times, sequence=sequence)


def merge_info_change(payload, info=None, room=None):
    """Fold one change into an info-change payload: the first "old" is kept, "new" is the
    latest; a value changed back to what it was is no news and drops out."""
    payload = {"info": dict(payload.get("info") or {}) or None,
               "rooms": {key: dict(value) for key, value in (payload.get("rooms") or {}).items()}}
    if info is not None:
        old, new = info
        if payload["info"]:
            old = payload["info"]["old"]
        payload["info"] = {"old": old, "new": new} if old != new else None
    if room is not None:
        day, old, new = room
        key = str(day.id)
        if key in payload["rooms"]:
            old = payload["rooms"][key]["old"]
        if old != new:
            payload["rooms"][key] = {"date": day.date.isoformat(), "start": f"{day.starts_at:%H:%M}",
                                     "end": f"{day.ends_at:%H:%M}", "old": old, "new": new}
        else:
            payload["rooms"].pop(key, None)
    return {key: value for key, value in payload.items() if value}


def note_info_change(user, round_, info=None, room=None):
    """Record that the information text or a room changed (caller commits): added to the
    round's info-change event that has not been planned yet, else a new event. Returns
    True when there is something to send."""
    pending = db.session.scalar(
        select(NotificationEvent)
        .where(NotificationEvent.kind == INFO_CHANGED, NotificationEvent.subject_type == "meeting_round",
               NotificationEvent.subject_id == round_.id, NotificationEvent.dispatched_at.is_(None))
        .order_by(NotificationEvent.id.desc()).limit(1)
        .with_for_update()
    )
    if pending is not None:
        merged = merge_info_change(pending.payload or {}, info, room)
        # Only while the dispatcher has not claimed it (the same WHERE it claims with).
        still = (NotificationEvent.id == pending.id, NotificationEvent.dispatched_at.is_(None))
        if merged:
            done = db.session.execute(update(NotificationEvent).where(*still).values(payload=merged)
                                      .execution_options(synchronize_session=False)).rowcount
        else:  # everything changed back: nothing to tell
            done = db.session.execute(delete(NotificationEvent).where(*still)
                                      .execution_options(synchronize_session=False)).rowcount
        db.session.expire(pending)
        if done == 1:
            return bool(merged)
    payload = merge_info_change({}, info, room)
    if not payload:
        return False
    record_event(INFO_CHANGED, "meeting_round", round_.id, actor=user, **payload)
    return True

"""Recording what the worker will mail. Nothing is sent from a web request."""
from app.extensions import db
from sqlalchemy import select

from app.models import EVENT_KINDS, NOTIFICATION_TYPES, NotificationEvent, NotificationPreference


def record_event(kind, subject_type, subject_id, actor=None, **payload):
    """Add a notification event to the caller's transaction (the caller commits).

    The worker picks it up at the right time for its kind (SPEC.md, E-mail) and sends
    one mail per recipient; see app/jobs for the schedule and the delivery ledger.
    """
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown notification kind: {kind}")
    event = NotificationEvent(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        created_by_id=getattr(actor, "id", None),
        payload=payload,
    )
    db.session.add(event)
    return event


def preferences_for(user):
    """{type key: enabled} for every notification type (absent rows are on)."""
    stored = {
        pref.kind: pref.enabled
        for pref in db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    }
    return {key: stored.get(key, True) for key in NOTIFICATION_TYPES}


def set_preference(user, kind, enabled):
    """Switch one type on or off (caller commits)."""
    if kind not in NOTIFICATION_TYPES:
        raise ValueError(f"unknown notification type: {kind}")
    pref = db.session.scalar(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id, NotificationPreference.kind == kind)
    )
    if pref is None:
        db.session.add(NotificationPreference(user_id=user.id, kind=kind, enabled=enabled))
    else:
        pref.enabled = enabled

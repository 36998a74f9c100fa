"""What is to be mailed: events recorded by the services, fanned out by the worker.

A service records an event in the same transaction as the thing it is about (a news
item, a message, an album, a meeting round or booking). The worker (app/jobs) decides
when it goes out and to whom, and keeps the delivery ledger.
"""
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow

__all__ = ["NotificationEvent", "NotificationPreference", "EVENT_KINDS", "NOTIFICATION_TYPES"]

# The switches of Mijn account > Notificaties (key -> label), all on by default.
# Account mails (activation, password, e-mail change) cannot be switched off.
NOTIFICATION_TYPES = {
    "urgent": "Spoedberichten",
    "messages": "Berichten en oproepen",
    "news": "Nieuws",
    "albums": "Nieuwe fotoalbums",
    "meetings": "Oudergesprekken",
}

# kind -> the Notificaties switch (account mails cannot be switched off, so none here)
EVENT_KINDS = {
    "news": "news",                  # news item: weekly digest
    "message": "messages",           # general message: weekly digest
    "urgent_message": "urgent",      # spoedbericht: same day after 17:30
    "album": "albums",               # new photo album: evening batch
    "meeting_opened": "meetings",    # a meeting round opened: at once
    "meeting_final": "meetings",     # final times on closing (.ics): at once
    "meeting_changed": "meetings",   # teacher moved/cancelled a booking: at once
}


class NotificationEvent(db.Model):
    __tablename__ = "notification_events"
    __table_args__ = (Index("ix_notification_events_pending", "dispatched_at", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    # What it is about: ("news", id), ("message", id), ("album", id), ("meeting_round", id), ...
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(Integer)
    # Extra facts the mail needs that the subject no longer holds (e.g. a booking's old time).
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set by the worker once it has handled the event.
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime)


class NotificationPreference(db.Model):
    """A parent's choice for one notification type; no row means: on (the default)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # a key of NOTIFICATION_TYPES
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)

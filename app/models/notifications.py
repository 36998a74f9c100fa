"""What is to be mailed: events recorded by the services, fanned out by the worker.

A service records an event in the same transaction as the thing it is about (a news
item, a message, an album, a meeting round or booking). The worker (app/jobs) decides
when it goes out and to whom, and keeps the delivery ledger.
"""
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow

__all__ = ["NotificationEvent", "NotificationPreference"]

# The kinds of events, the Notificaties switches and their labels are not here but in the
# catalog (app/notifications/catalog.py), each registered by the mail.py of its module.


class NotificationEvent(db.Model):
    """Something to tell parents about; `kind` is a kind of the catalog."""

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
    kind: Mapped[str] = mapped_column(String(20))  # a Preference key of the catalog
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


# --- the delivery ledger ------------------------------------------------------------------
#
# One row per (recipient, kind, key): one notice for one parent. The UNIQUE constraint is
# what makes a notice go out at most once per planning, however often a batch is re-run;
# the state machine below is what makes a planned row go out once it is claimed:
#
#   pending --claim--> sending --SMTP accepted--> sent
#                         |--temporary error--> pending (next_attempt_at, backoff)
#                         |--permanent error / too many attempts--> failed
#                         `--nothing left to tell (item deleted, switched off)--> skipped
#
# A row stays in "sending" only while a sender holds its claim; a claim of a dead process
# (or one older than the lease) is handed back to "pending" (app/jobs/ledger.py).

DELIVERY_STATES = {
    "pending": "In de wachtrij",
    "sending": "Wordt verstuurd",
    "sent": "Verstuurd",
    "failed": "Mislukt",
    "skipped": "Niet verstuurd",
}


class NotificationBatch(db.Model):
    """One planning run of a weekly digest. Its unique key fixes the digest's content:
    a second planning for the same Wednesday (a late item) gets a key of its own."""

    __tablename__ = "notification_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    # The Wednesday 17:30 (naive UTC) whose digest this is.
    cutoff_at: Mapped[datetime] = mapped_column(DateTime)
    planned_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    event_count: Mapped[int] = mapped_column(Integer, default=0)


class NotificationDelivery(db.Model):
    """One notice (a single item or a weekly digest) for one recipient, and its fate."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("recipient_id", "kind", "key"),
        Index("ix_notification_deliveries_state", "state", "next_attempt_at"),
        Index("ix_notification_deliveries_key", "kind", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # A kind of the catalog for a single notice, "digest" for the weekly digest, or
    # "account:<kind>" for an account mail (activation, reset, ...; app/jobs/account_mail.py).
    kind: Mapped[str] = mapped_column(String(60))
    # "album:12", "message:7" for a single item; the NotificationBatch key for a digest;
    # "job:<RQ job id>" or "mail:<random>" for an account mail.
    key: Mapped[str] = mapped_column(String(80))
    # Account mails only: the address it goes to when that is not the account's own (the
    # new login name an e-mail change confirms). Never a link or its token: a retried
    # account mail gets a fresh link.
    address: Mapped[str | None] = mapped_column(String(320))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Who is sending it: "host:pid:random" of the sending process, and since when.
    claim_token: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A temporary failure waits until then (backoff).
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)

    recipient = relationship("User")
    items = relationship("NotificationDeliveryItem", back_populates="delivery",
                         cascade="all, delete-orphan", passive_deletes=True)

    @property
    def to_address(self):
        """Where the mail goes (or went): the stored address, else the account's contact address."""
        if self.address:
            return self.address
        return self.recipient.email if self.recipient is not None else ""


class NotificationDeliveryItem(db.Model):
    """What a notice is about: one row for a single notice, one per item in a digest."""

    __tablename__ = "notification_delivery_items"
    __table_args__ = (
        UniqueConstraint("delivery_id", "subject_type", "subject_id"),
        Index("ix_notification_delivery_items_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("notification_deliveries.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("notification_events.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30))  # the event kind (news, message, ...)
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(Integer)

    delivery = relationship(NotificationDelivery, back_populates="items")


__all__ += ["DELIVERY_STATES", "NotificationBatch", "NotificationDelivery", "NotificationDeliveryItem"]

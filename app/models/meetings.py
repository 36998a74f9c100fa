"""Oudergesprekken: meeting rounds, their days and slots, invitations and bookings.

The booking rules live in the database, so two parents clicking at the same moment
cannot both win:
- `MeetingBooking.slot_id` is UNIQUE: at most one booking per slot;
- `MeetingReservation (round_id, child_id)` is UNIQUE: at most one reservation (the
  child's meeting) per round; a double meeting is one reservation holding two
  consecutive slots, as booking rows with part 0 and 1;
- `MeetingBooking (reservation_id, part)` is UNIQUE with part 0 or 1: a reservation
  never holds more than two slots, even when two moves race;
- composite foreign keys keep a booking's slot and reservation in the same round.

Meeting days are pure dates and slot times local wall-clock times (Europe/Amsterdam):
a meeting at 10:40 stays at 10:40 whatever the season.
"""
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow
from app.models.people import Child, Group, User

__all__ = [
    "MeetingRound",
    "MeetingDay",
    "MeetingSlot",
    "MeetingInvitation",
    "MeetingReservation",
    "MeetingBooking",
    "ROUND_CONCEPT",
    "ROUND_OPEN",
    "ROUND_CLOSED",
    "ROUND_STATUS_LABELS",
]

ROUND_CONCEPT = "concept"
ROUND_OPEN = "open"
ROUND_CLOSED = "closed"
ROUND_STATUS_LABELS = {ROUND_CONCEPT: "Concept", ROUND_OPEN: "Open", ROUND_CLOSED: "Gesloten"}


class MeetingRound(db.Model):
    """A round of parent meetings (gespreksronde) for one group."""

    __tablename__ = "meeting_rounds"
    __table_args__ = (CheckConstraint("status IN ('concept', 'open', 'closed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(150))
    info: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=ROUND_CONCEPT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    group: Mapped[Group] = relationship()
    days: Mapped[list["MeetingDay"]] = relationship(
        back_populates="round", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(MeetingDay.date, MeetingDay.starts_at)",
    )
    invitations: Mapped[list["MeetingInvitation"]] = relationship(
        back_populates="round", cascade="all, delete-orphan", passive_deletes=True,
    )

    @property
    def status_label(self):
        return ROUND_STATUS_LABELS[self.status]

    @property
    def is_concept(self):
        return self.status == ROUND_CONCEPT

    @property
    def is_open(self):
        return self.status == ROUND_OPEN

    @property
    def is_closed(self):
        return self.status == ROUND_CLOSED

    def __repr__(self):
        return f"<MeetingRound {self.id} {self.title!r} {self.status}>"


class MeetingDay(db.Model):
    """One day (or one time window on a day) of a round, cut into slots of equal length."""

    __tablename__ = "meeting_days"
    __table_args__ = (
        CheckConstraint("slot_minutes BETWEEN 5 AND 120", name="slot_minutes"),
        CheckConstraint("ends_at > starts_at", name="window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("meeting_rounds.id", ondelete="CASCADE"), index=True)
    date: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=10)
    # Where the meetings of this day are held ("Lokaal groep 3"); the .ics LOCATION.
    room: Mapped[str] = mapped_column(String(100), default="", server_default="")

    round: Mapped[MeetingRound] = relationship(back_populates="days")
    slots: Mapped[list["MeetingSlot"]] = relationship(
        back_populates="day", cascade="all, delete-orphan", passive_deletes=True,
        order_by="MeetingSlot.position",
    )


class MeetingSlot(db.Model):
    """A time slot. `position` counts the slots of its day: consecutive slots of a
    double meeting have positions p and p + 1 on the same day. A blocked slot (a break)
    is never offered."""

    __tablename__ = "meeting_slots"
    __table_args__ = (
        UniqueConstraint("day_id", "position"),
        # Target of the bookings' composite foreign key (slot and booking in one round).
        UniqueConstraint("id", "round_id"),
        CheckConstraint("ends_at > starts_at", name="times"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("meeting_rounds.id", ondelete="CASCADE"), index=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("meeting_days.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)

    day: Mapped[MeetingDay] = relationship(back_populates="slots")


class MeetingInvitation(db.Model):
    """A pupil invited to a round: one or two consecutive slots, a personal message."""

    __tablename__ = "meeting_invitations"
    __table_args__ = (
        UniqueConstraint("round_id", "child_id"),
        CheckConstraint("slots_needed IN (1, 2)", name="slots_needed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("meeting_rounds.id", ondelete="CASCADE"))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    slots_needed: Mapped[int] = mapped_column(Integer, default=1)
    message: Mapped[str] = mapped_column(Text, default="")
    # The .ics SEQUENCE of this child's calendar event (UID per round and child): raised on
    # every change of the meeting (booked, moved, cancelled, another room), so a calendar
    # replaces what it had instead of keeping the older version. It lives here, not on the
    # reservation, because a reservation is deleted on cancelling and the UID outlives it.
    ics_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    round: Mapped[MeetingRound] = relationship(back_populates="invitations")
    child: Mapped[Child] = relationship()


class MeetingReservation(db.Model):
    """A child's meeting in a round: at most one per child per round (the UNIQUE
    constraint), shared by both parents. `version` goes up on every change, so a form
    rendered before someone else's change cannot silently overwrite it."""

    __tablename__ = "meeting_reservations"
    __table_args__ = (
        UniqueConstraint("round_id", "child_id"),
        UniqueConstraint("id", "round_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("meeting_rounds.id", ondelete="CASCADE"))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    child: Mapped[Child] = relationship()
    booked_by: Mapped[User | None] = relationship()
    bookings: Mapped[list["MeetingBooking"]] = relationship(
        back_populates="reservation", cascade="all, delete-orphan", passive_deletes=True,
        order_by="MeetingBooking.part",
    )


class MeetingBooking(db.Model):
    """One occupied slot of a reservation (part 0, and part 1 for a double meeting)."""

    __tablename__ = "meeting_bookings"
    __table_args__ = (
        UniqueConstraint("reservation_id", "part"),
        CheckConstraint("part IN (0, 1)", name="part"),
        ForeignKeyConstraint(["slot_id", "round_id"], ["meeting_slots.id", "meeting_slots.round_id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["reservation_id", "round_id"],
                             ["meeting_reservations.id", "meeting_reservations.round_id"],
                             ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(Integer, index=True)
    # UNIQUE: the database lets only one family have a slot, however fast they click.
    slot_id: Mapped[int] = mapped_column(Integer, unique=True)
    reservation_id: Mapped[int] = mapped_column(Integer)
    part: Mapped[int] = mapped_column(Integer, default=0)

    slot: Mapped[MeetingSlot] = relationship(foreign_keys=[slot_id],
                                             primaryjoin="MeetingBooking.slot_id == MeetingSlot.id")
    reservation: Mapped[MeetingReservation] = relationship(
        back_populates="bookings", foreign_keys=[reservation_id],
        primaryjoin="MeetingBooking.reservation_id == MeetingReservation.id",
    )

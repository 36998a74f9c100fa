"""Afwezigheid: absence reports (ziekmelden), leave requests (verlof) and the school calendar.

- An `AbsenceReason` is one entry of the list the office keeps ("Ziek", "Bezoek arts of
  tandarts", ..., "Overig"). `needs_note`: the parent must explain ("Overig"). `excused`:
  an absence for this reason is geoorloofd (the DUO counter counts the others).
  `staff_only`: only staff register it ("Ongeoorloofd afwezig", "Te laat"). A reason in
  use is never deleted, only switched off (`active`).
- An `AbsenceReport` is one absence of one child: from `start_date` (the whole day, or
  only its `part` "ochtend"/"middag") until `end_date` inclusive, or open ("tot nader
  bericht") while `end_date` is None. A withdrawn report keeps its row (`withdrawn_at`) so
  the mail that tells the teacher can say so; it counts nowhere. `late`: made for today
  after the school's cut-off ("na aanvang"). `excused` starts as the reason's and staff
  may change it.
- A `LeaveRequest` is a parent's request for verlof under the Leerplichtwet for one or
  more siblings (`children`): "vakantie" (art. 13a) or "gewichtig" (art. 14). `checks`
  holds what the law's rules said when the parent submitted (app/absence/leave_rules.py),
  so the director sees which rule the request does not meet. The employer's statement is
  a checked document file (app/documents/files.py) in the storage under statements/.
- A `SchoolHoliday` is a holiday period the office enters (Beheer › Afwezigheid ›
  Instellingen): school days are the weekdays outside them (app/absence/calendar.py).

Retention: reports and leave rows are kept 5 years after the pupil left, longer than
the rest of a former pupil's file (app/admin/retention.py, KEPT).
"""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow
from app.models.people import Child, User

__all__ = [
    "ABSENCE_PARTS", "LEAVE_KINDS", "LEAVE_STATUSES", "AbsenceReason", "AbsenceReport", "LeaveRequest",
    "SchoolHoliday", "leave_request_children",
]

# Part of the first day: the whole day ("dag"), only the morning, or from the afternoon on.
ABSENCE_PARTS = {"dag": "Hele dag", "ochtend": "Ochtend", "middag": "Middag"}
LEAVE_KINDS = {"vakantie": "Vakantieverlof", "gewichtig": "Gewichtige omstandigheden"}
# "doorgestuurd": more than 10 days of gewichtige omstandigheden, for the leerplichtambtenaar.
LEAVE_STATUSES = {
    "ingediend": "In behandeling",
    "doorgestuurd": "Bij de leerplichtambtenaar",
    "toegestaan": "Toegestaan",
    "geweigerd": "Geweigerd",
    "ingetrokken": "Ingetrokken",
}


class AbsenceReason(db.Model):
    __tablename__ = "absence_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    excused: Mapped[bool] = mapped_column(Boolean, default=True)
    needs_note: Mapped[bool] = mapped_column(Boolean, default=False)
    staff_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def __repr__(self):
        return f"<AbsenceReason {self.id} {self.name!r}>"


class AbsenceReport(db.Model):
    __tablename__ = "absence_reports"
    __table_args__ = (
        CheckConstraint("part IN ('dag', 'ochtend', 'middag')", name="part"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    reason_id: Mapped[int] = mapped_column(ForeignKey("absence_reasons.id"), index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    start_date: Mapped[date] = mapped_column(Date, index=True)
    part: Mapped[str] = mapped_column(String(10), default="dag")
    # Inclusive; None: "tot nader bericht" (open, e.g. illness).
    end_date: Mapped[date | None] = mapped_column(Date, index=True)
    # The school year of the first day ("2026-2027"): the per-pupil counts.
    school_year: Mapped[str] = mapped_column(String(9), index=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    excused: Mapped[bool] = mapped_column(Boolean, default=True)
    by_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    # SET NULL: an erased parent's account goes; the report stays for its retention period.
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When a parent reported "weer beter" (the end date was set then).
    recovered_at: Mapped[datetime | None] = mapped_column(DateTime)

    child: Mapped[Child] = relationship()
    reason: Mapped[AbsenceReason] = relationship()
    reported_by: Mapped[User | None] = relationship(foreign_keys=[reported_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    @property
    def is_open(self):
        return self.end_date is None

    def __repr__(self):
        return f"<AbsenceReport {self.id} child={self.child_id} {self.start_date}..{self.end_date}>"


leave_request_children = Table(
    "leave_request_children",
    db.metadata,
    Column("request_id", ForeignKey("leave_requests.id", ondelete="CASCADE"), primary_key=True),
    Column("child_id", ForeignKey("children.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class LeaveRequest(db.Model):
    __tablename__ = "leave_requests"
    __table_args__ = (
        CheckConstraint("kind IN ('vakantie', 'gewichtig')", name="kind"),
        CheckConstraint("last_day >= first_day", name="last_after_first"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    first_day: Mapped[date] = mapped_column(Date, index=True)
    last_day: Mapped[date] = mapped_column(Date)
    # School days in first_day..last_day (weekdays outside the school's holidays).
    school_days: Mapped[int] = mapped_column(Integer, default=0)
    school_year: Mapped[str] = mapped_column(String(9), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="ingediend", index=True)
    # [{"code": ..., "text": ...}]: the rules of the law the request does not meet, as
    # checked at submission (the parent was told; the director decides with a reason).
    checks: Mapped[list] = mapped_column(JSON, default=list)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    # The request went to the leerplichtambtenaar (art. 14 lid 3) on this moment.
    forwarded_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The employer's statement (vakantieverlof) or other proof; a checked document file.
    statement_name: Mapped[str | None] = mapped_column(String(200))
    statement_stored: Mapped[str | None] = mapped_column(String(80), unique=True)
    statement_kind: Mapped[str | None] = mapped_column(String(10))
    statement_mime: Mapped[str | None] = mapped_column(String(100))
    statement_size: Mapped[int | None] = mapped_column(Integer)

    children: Mapped[list[Child]] = relationship(secondary=leave_request_children, order_by=Child.first_name)
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def kind_label(self):
        return LEAVE_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self):
        return LEAVE_STATUSES.get(self.status, self.status)

    @property
    def is_pending(self):
        return self.status in ("ingediend", "doorgestuurd")

    def __repr__(self):
        return f"<LeaveRequest {self.id} {self.kind} {self.first_day}..{self.last_day} {self.status}>"


class SchoolHoliday(db.Model):
    """A holiday period (inclusive), e.g. "Kerstvakantie" 21 December – 1 January."""

    __tablename__ = "school_holidays"
    __table_args__ = (CheckConstraint("last_day >= first_day", name="last_after_first"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    first_day: Mapped[date] = mapped_column(Date, index=True)
    last_day: Mapped[date] = mapped_column(Date)

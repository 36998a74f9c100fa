"""School settings and the audit log of changes to personal data."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow

__all__ = ["SchoolSetting", "AuditEntry", "RetentionHold"]


class SchoolSetting(db.Model):
    """One setting of the school (name, contact details, modules on/off) as key/value."""

    __tablename__ = "school_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class AuditEntry(db.Model):
    """Who changed which personal data, and when. Readable by the office only.

    Values are not copied here (that would spread personal data): only field names.
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # What was changed: ("user", id) or ("child", id); kept as plain ids so erasure can anonymise.
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(40))  # e.g. "gewijzigd", "foto", "noodnummer"
    fields: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class RetentionHold(db.Model):
    """The office keeps a former pupil's data past the retention period, with a reason."""

    __tablename__ = "retention_holds"

    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

"""Privacy choices: per field of a parent or a child, who besides the school may see it.

No row means the default, nobody but staff (privacy by default). app/privacy.py is the
only code that reads these rows to decide what another family sees.
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow

__all__ = ["DataExport", "PrivacySetting", "VISIBILITY_LEVELS"]

# Stored value -> what the parent chooses (SPEC.md, Privacy). The first is the default.
VISIBILITY_LEVELS = {
    "staff": "Alleen de school",
    "group": "Ouders van de groep",
    "school": "Alle ouders van school",
}


class PrivacySetting(db.Model):
    """One field's visibility, of a parent (user_id) or of a child (child_id)."""

    __tablename__ = "privacy_settings"
    __table_args__ = (
        # NULLs are distinct in unique constraints: each owner kind is unique on its own.
        UniqueConstraint("user_id", "field"),
        UniqueConstraint("child_id", "field"),
        CheckConstraint("(user_id IS NULL) <> (child_id IS NULL)", name="one_owner"),
        CheckConstraint("visibility IN ('staff', 'group', 'school')", name="visibility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(30))
    visibility: Mapped[str] = mapped_column(String(10), default="staff")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class DataExport(db.Model):
    """Inzage (AVG art. 15): everything the portal holds about a parent and their children,
    made by a job (app/account/inzage/) and downloaded from Mijn account. Kept a short
    while, then removed; it goes with the account (CASCADE)."""

    __tablename__ = "data_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="queued")  # queued | ready | failed
    html: Mapped[str] = mapped_column(Text, default="")
    json: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(DateTime)

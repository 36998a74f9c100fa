"""Teacher notes on pupils: written by staff of the pupil's group, read by its parents."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow
from app.models.people import Child, User

__all__ = ["ChildNote"]


class ChildNote(db.Model):
    """A note "aan/over" a child (manual: Notities). Parents of the child can read it."""

    __tablename__ = "child_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)

    child: Mapped[Child] = relationship()
    author: Mapped[User | None] = relationship()

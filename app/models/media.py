"""Stored images (profile photos, pupil photos, album photos, news images).

The files live in the storage (app/storage, never under static/); app/images.py writes them and a
route that checks access serves them.
"""
from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow

__all__ = ["StoredImage"]


class StoredImage(db.Model):
    __tablename__ = "stored_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the image is for: profile | child | album | news — used by the access check.
    purpose: Mapped[str] = mapped_column(String(20))
    # Random file stem; the full image is <stem>.<ext>, the thumbnail <stem>_thumb.<ext>.
    stem: Mapped[str] = mapped_column(String(64), unique=True)
    extension: Mapped[str] = mapped_column(String(5))
    mime_type: Mapped[str] = mapped_column(String(30))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    # Plain id, no foreign key: users.photo_id already points here (no FK cycle).
    uploaded_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def filename(self):
        return f"{self.stem}.{self.extension}"

    @property
    def thumb_filename(self):
        return f"{self.stem}_thumb.{self.extension}"

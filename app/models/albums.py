"""Fotoalbums: photo albums for the whole school or for groups.

Never public: every photo and thumbnail is a StoredImage (purpose "album") served only by
an access-checked route (app/albums/routes.py).
"""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.audience import AudienceMixin, audience_table
from app.models.base import utcnow
from app.models.media import StoredImage
from app.models.people import Child, Group, User

__all__ = ["Album", "AlbumPhoto", "PhotoTag", "album_groups"]

album_groups = audience_table("album_groups", "albums", "album_id")


class Album(AudienceMixin, db.Model):
    __tablename__ = "albums"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # The day the photos were taken (e.g. the sports day); optional.
    event_date: Mapped[date | None] = mapped_column(Date)
    school_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    author: Mapped[User | None] = relationship()
    groups: Mapped[list[Group]] = relationship(secondary=album_groups, order_by=Group.sort_order)
    photos: Mapped[list["AlbumPhoto"]] = relationship(
        back_populates="album", cascade="all, delete-orphan", passive_deletes=True,
        order_by="[AlbumPhoto.position, AlbumPhoto.id]",
    )

    def __repr__(self):
        return f"<Album {self.id} {self.title!r}>"


class AlbumPhoto(db.Model):
    __tablename__ = "album_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), index=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("stored_images.id", ondelete="CASCADE"), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    caption: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    album: Mapped[Album] = relationship(back_populates="photos")
    image: Mapped[StoredImage] = relationship()
    tags: Mapped[list["PhotoTag"]] = relationship(
        back_populates="photo", cascade="all, delete-orphan", passive_deletes=True,
    )


class PhotoTag(db.Model):
    """A pupil staff marked as being in a photo. A photo with a pupil whose parents gave no
    consent for the albums purpose is hidden from other parents (app/privacy/consent.py)."""

    __tablename__ = "photo_tags"

    photo_id: Mapped[int] = mapped_column(ForeignKey("album_photos.id", ondelete="CASCADE"), primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), primary_key=True, index=True)
    tagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    photo: Mapped[AlbumPhoto] = relationship(back_populates="tags")
    child: Mapped[Child] = relationship()

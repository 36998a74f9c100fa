"""School content: news items, agenda items and documents (with folders), and the
private calendar feed of a parent.

Every item is for the whole school (`school_wide`) or for one or more groups (`groups`,
through its own association table; app/models/audience.py); app/access.py decides who
reaches which item.
"""
import datetime as dt
from datetime import datetime, time

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.audience import AudienceMixin, audience_table
from app.models.base import utcnow
from app.models.media import StoredImage
from app.models.people import Group, User

__all__ = [
    "NewsItem",
    "AgendaItem",
    "Document",
    "DocumentFolder",
    "CalendarFeed",
    "news_item_groups",
    "agenda_item_groups",
    "document_groups",
]


news_item_groups = audience_table("news_item_groups", "news_items", "news_item_id")
agenda_item_groups = audience_table("agenda_item_groups", "agenda_items", "agenda_item_id")
document_groups = audience_table("document_groups", "documents", "document_id")


class NewsItem(AudienceMixin, db.Model):
    __tablename__ = "news_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # Markdown source; rendered and sanitised on display (app/markdown.py).
    body: Mapped[str] = mapped_column(Text, default="")
    image_id: Mapped[int | None] = mapped_column(ForeignKey("stored_images.id", ondelete="SET NULL"))
    # Naive UTC. Parents see an item only from this moment on.
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    school_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    groups: Mapped[list[Group]] = relationship(secondary=news_item_groups, order_by=Group.sort_order)
    image: Mapped[StoredImage | None] = relationship()
    author: Mapped[User | None] = relationship()

    @property
    def is_published(self):
        return self.published_at <= utcnow()

    def __repr__(self):
        return f"<NewsItem {self.id} {self.title!r}>"


class AgendaItem(AudienceMixin, db.Model):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # A school day: a pure date. The optional times are wall-clock times in
    # Europe/Amsterdam (what the school announces), not UTC.
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    location: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    school_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    groups: Mapped[list[Group]] = relationship(secondary=agenda_item_groups, order_by=Group.sort_order)
    author: Mapped[User | None] = relationship()

    def __repr__(self):
        return f"<AgendaItem {self.id} {self.date} {self.title!r}>"


class DocumentFolder(db.Model):
    """An optional folder/category for documents ("Schoolgids", "Formulieren", ...)."""

    __tablename__ = "document_folders"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self):
        return f"<DocumentFolder {self.name!r}>"


class Document(AudienceMixin, db.Model):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500), default="")
    folder_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_folders.id", ondelete="SET NULL"), index=True
    )
    # The sanitised name the file was uploaded with (used in Content-Disposition).
    original_name: Mapped[str] = mapped_column(String(200))
    # Random name (the storage key documents/<name>); never derived from user input.
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    # Detected from the content (app/documents/files.py), e.g. "pdf", "docx".
    kind: Mapped[str] = mapped_column(String(10))
    mime_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    school_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    groups: Mapped[list[Group]] = relationship(secondary=document_groups, order_by=Group.sort_order)
    folder: Mapped[DocumentFolder | None] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self):
        return f"<Document {self.id} {self.original_name!r}>"


class CalendarFeed(db.Model):
    """A parent's private iCalendar address. The token is the whole secret of the URL.

    It is stored as is (not hashed) so the Agenda page can show the address again for a
    second phone; hashing would protect nothing extra, since whoever reads this table
    can read the agenda items themselves. Renewing replaces the token: the old URL stops
    working.
    """

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()

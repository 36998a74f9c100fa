"""Berichten: messages and calls ("oproepen") from school, parents' replies, read receipts.

A message is for the whole school or for one or more groups (see app/access.py,
visible_clause). A reply is seen by its author and staff only; a read receipt records
that a user opened the message (one per user and message).
"""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.audience import AudienceMixin, audience_table
from app.models.base import utcnow
from app.models.people import Group, User

__all__ = ["Message", "MessageReply", "MessageRead", "message_groups"]

message_groups = audience_table("message_groups", "messages", "message_id")


class Message(AudienceMixin, db.Model):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_urgent_created", "urgent", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # Markdown source; rendered and sanitised on display (app/markdown.py).
    text: Mapped[str] = mapped_column(Text, default="")
    school_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    # Spoedbericht: on top of Home and mailed the same evening.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    replies_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, onupdate=utcnow)

    author: Mapped[User | None] = relationship()
    groups: Mapped[list[Group]] = relationship(secondary=message_groups, order_by=Group.sort_order)
    replies: Mapped[list["MessageReply"]] = relationship(
        back_populates="message", cascade="all, delete-orphan", passive_deletes=True,
        order_by="MessageReply.created_at",
    )
    reads: Mapped[list["MessageRead"]] = relationship(
        back_populates="message", cascade="all, delete-orphan", passive_deletes=True,
    )

    def __repr__(self):
        return f"<Message {self.id} {self.title!r}>"


class MessageReply(db.Model):
    """A parent's (or staff member's) reply; visible to its author and staff only."""

    __tablename__ = "message_replies"
    __table_args__ = (Index("ix_message_replies_message_author", "message_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Plain text, shown escaped (never Markdown/HTML).
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    message: Mapped[Message] = relationship(back_populates="replies")
    author: Mapped[User] = relationship()


class MessageRead(db.Model):
    """That `user` opened `message` (the first time)."""

    __tablename__ = "message_reads"
    __table_args__ = (UniqueConstraint("message_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    message: Mapped[Message] = relationship(back_populates="reads")
    user: Mapped[User] = relationship()

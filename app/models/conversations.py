"""Gesprekken: one-to-one messages between a parent and the school about one child.

- A `Conversation` is about one child (`child_id`), started by a guardian (`parent_id`),
  with the child's group teachers ("leerkracht") or the office ("administratie"). Both
  guardians see it unless the writer chose "alleen voor mij" (`private`): then only the
  writer and staff.
- A `ConversationMessage` is one message in it, by a parent or a staff member. A parent's
  message written outside the school's working hours is `visible_at` the next start of
  those hours (app/conversations/hours.py): staff see it (and get its mail) from then.
  One optional attachment, a document file checked by app/documents/files.py and stored
  under conversations/<random name> (app/storage).
- A `ConversationRead` is when a user last opened the conversation: read status per side.

Retention and erasure: the conversation goes with the pupil (child_id CASCADE) and with the
account of the parent who started it (parent_id CASCADE); a message stays when its author's
account is erased, as "Gewist account" with the person's traces removed (author SET NULL).
"""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow
from app.models.people import Child, User

__all__ = ["CONVERSATION_WITH", "Conversation", "ConversationMessage", "ConversationRead"]

# Whom a parent writes to.
CONVERSATION_WITH = {"leerkracht": "De leerkracht(en)", "administratie": "De administratie"}


class Conversation(db.Model):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_child_last", "child_id", "last_message_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    parent_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    with_whom: Mapped[str] = mapped_column(String(20), default="leerkracht")
    subject: Mapped[str] = mapped_column(String(150))
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The newest message visible to staff (its visible_at): the lists' order.
    last_message_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # Set by a staff member's answer, cleared by a parent's message: "onbeantwoord" is None.
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)

    child: Mapped[Child] = relationship()
    parent: Mapped[User] = relationship(foreign_keys=[parent_id])
    messages: Mapped[list["ConversationMessage"]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ConversationMessage.id",
    )

    @property
    def with_label(self):
        return CONVERSATION_WITH.get(self.with_whom, self.with_whom)


class ConversationMessage(db.Model):
    __tablename__ = "conversation_messages"
    __table_args__ = (Index("ix_conversation_messages_conv_visible", "conversation_id", "visible_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    by_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    # Plain text, shown escaped.
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # When staff see it: at once, or the next start of the working hours (quiet hours).
    visible_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # A Berichten reply this message answers (staff answering a reply in a conversation).
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("message_replies.id", ondelete="SET NULL"))
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_stored: Mapped[str | None] = mapped_column(String(80))
    attachment_kind: Mapped[str | None] = mapped_column(String(10))
    attachment_mime: Mapped[str | None] = mapped_column(String(120))
    attachment_size: Mapped[int | None] = mapped_column(Integer)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()


class ConversationRead(db.Model):
    """When `user` last opened `conversation`."""

    __tablename__ = "conversation_reads"

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    read_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

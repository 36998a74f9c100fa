"""Toestemming beeldmateriaal: purposes, their versions, the parents' answers.

- A `ConsentPurpose` is what the school asks consent for ("Besloten fotoalbums in het
  ouderportaal", "Website van de school", ...). One purpose has `code` "albums": the one the
  portal itself enforces on the photo albums. It is asked in the school years listed in
  `consent_purpose_years`.
- Its text lives in `ConsentPurposeVersion`s: changing the name or explanation adds a new
  version, so an answer always says which text the parent agreed to, and answers to an
  older text no longer count (they are asked again).
- A `ConsentAnswer` is one parent's answer for one child, purpose version and school year.
  Answers are only ever added, never changed or deleted (the history is the proof); the
  rules of what counts are in app/privacy/consent.py.
- A `ConsentRequest` is the office's yearly request to all parents: the subject of the
  request mail and of the reminder two weeks later (app/consent/mail.py).
"""
from datetime import datetime

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow
from app.models.people import Child, User

__all__ = [
    "ALBUMS_PURPOSE", "ConsentAnswer", "ConsentPurpose", "ConsentPurposeVersion", "ConsentRequest",
    "consent_purpose_years",
]

# The code of the purpose the portal enforces on the photo albums.
ALBUMS_PURPOSE = "albums"

consent_purpose_years = Table(
    "consent_purpose_years",
    db.metadata,
    Column("purpose_id", ForeignKey("consent_purposes.id", ondelete="CASCADE"), primary_key=True),
    Column("school_year", String(9), primary_key=True),
)


class ConsentPurpose(db.Model):
    __tablename__ = "consent_purposes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "albums" for the purpose the portal enforces; None for the others.
    code: Mapped[str | None] = mapped_column(String(30), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    versions: Mapped[list["ConsentPurposeVersion"]] = relationship(
        back_populates="purpose", order_by="ConsentPurposeVersion.number", cascade="all, delete-orphan",
    )

    @property
    def current(self):
        """The newest version: the text parents answer now."""
        return self.versions[-1] if self.versions else None

    @property
    def name(self):
        return self.current.name if self.current else ""

    def __repr__(self):
        return f"<ConsentPurpose {self.id} {self.name!r}>"


class ConsentPurposeVersion(db.Model):
    __tablename__ = "consent_purpose_versions"
    __table_args__ = (UniqueConstraint("purpose_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose_id: Mapped[int] = mapped_column(ForeignKey("consent_purposes.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(120))
    explanation: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    purpose: Mapped[ConsentPurpose] = relationship(back_populates="versions")


class ConsentAnswer(db.Model):
    """One parent's answer ("ja" given=True, "nee" given=False); never updated."""

    __tablename__ = "consent_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("consent_purpose_versions.id", ondelete="CASCADE"), index=True)
    school_year: Mapped[str] = mapped_column(String(9), index=True)
    given: Mapped[bool] = mapped_column(Boolean)
    # The parent who answered. SET NULL: an erased account's answers stay as proof, under
    # "Gewist account" (app/admin/erasure.py keeps the anonymised users row).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    child: Mapped[Child] = relationship()
    version: Mapped[ConsentPurposeVersion] = relationship()
    parent: Mapped[User | None] = relationship()


class ConsentRequest(db.Model):
    """The yearly request for consent to all parents (one per school year)."""

    __tablename__ = "consent_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year: Mapped[str] = mapped_column(String(9), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

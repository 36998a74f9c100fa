"""People: accounts (parents and staff), children, groups and the links between them."""
import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, Date, DateTime, Enum, ForeignKey, Integer, String, Table, event
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow
from app.names import SORT_KEY_LENGTH, display_name, sort_key

# app.names.sort_key() of a person, stored so that paginated lists sort in SQL. The key is
# lower-case ASCII; PostgreSQL compares it byte by byte ("C" collation) as SQLite does, so
# both order a list the same (a language collation ignores the spaces between its parts).
SortKey = String(SORT_KEY_LENGTH).with_variant(postgresql.VARCHAR(SORT_KEY_LENGTH, collation="C"), "postgresql")


class Role(str, enum.Enum):
    PARENT = "ouder"
    TEACHER = "leerkracht"
    ADMIN = "beheerder"

    @property
    def label(self):
        """The role as the office reads it: "Ouder", "Leerkracht", "Beheerder"."""
        return ROLE_LABELS[self][0]

    @property
    def plural(self):
        """"Ouders", "Leerkrachten", "Beheerders" (a filter of Beheer › Personen)."""
        return ROLE_LABELS[self][1]


ROLE_LABELS = {Role.PARENT: ("Ouder", "Ouders"), Role.TEACHER: ("Leerkracht", "Leerkrachten"),
               Role.ADMIN: ("Beheerder", "Beheerders")}


group_teachers = Table(
    "group_teachers",
    db.metadata,
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The login name is an e-mail address, stored case-folded so it is unique without
    # regard to case. The contact address is separate (manual, FAQ).
    # active_history: the value a change replaces is loaded, so models/history.py can keep
    # it for erasure even when the attribute had expired.
    login_name: Mapped[str] = mapped_column(String(254), unique=True, active_history=True)
    email: Mapped[str] = mapped_column(String(254), active_history=True)
    first_name: Mapped[str] = mapped_column(String(100), default="", active_history=True)
    last_name: Mapped[str] = mapped_column(String(100), default="", active_history=True)
    sort_name: Mapped[str] = mapped_column(SortKey, default="", server_default="", index=True)  # kept by _keep_sort_name
    # Personal data (Mijn account). Who else sees it is decided by app/privacy.
    phone_mobile: Mapped[str] = mapped_column(String(30), default="", active_history=True)
    phone_home: Mapped[str] = mapped_column(String(30), default="", active_history=True)
    street: Mapped[str] = mapped_column(String(120), default="", active_history=True)
    house_number: Mapped[str] = mapped_column(String(20), default="", active_history=True)
    postcode: Mapped[str] = mapped_column(String(10), default="", active_history=True)
    city: Mapped[str] = mapped_column(String(80), default="", active_history=True)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("stored_images.id", ondelete="SET NULL"))
    role: Mapped[Role] = mapped_column(
        Enum(Role, values_callable=lambda e: [m.value for m in e], native_enum=False, length=20),
        default=Role.PARENT,
    )
    password_hash: Mapped[str | None] = mapped_column(String(100))
    activated_at: Mapped[datetime | None] = mapped_column(DateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    guardianships: Mapped[list["Guardianship"]] = relationship(
        back_populates="parent", cascade="all, delete-orphan"
    )
    groups_taught: Mapped[list["Group"]] = relationship(
        secondary=group_teachers, back_populates="teachers"
    )

    @property
    def name(self):
        return display_name(self.first_name, self.last_name, fallback=self.login_name)

    @property
    def is_active(self):  # Flask-Login: deactivated accounts cannot log in
        return self.deactivated_at is None

    @property
    def is_activated(self):
        return self.activated_at is not None

    @property
    def is_staff(self):
        return self.role in (Role.TEACHER, Role.ADMIN)

    @property
    def is_admin(self):
        return self.role == Role.ADMIN

    @property
    def is_parent(self):
        return self.role == Role.PARENT

    def get_session_id(self):
        # What Flask-Login keeps in the session cookie (login_manager.id_attribute): the id
        # of this request's login session, set by app/auth/sessions.py. get_id() (and so
        # UserMixin's == between users) stays the plain user id.
        return getattr(self, "login_session_cookie", None)

    def __repr__(self):
        return f"<User {self.id} {self.login_name}>"


class Group(db.Model):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    # Year of the group in school (1..8); 1/2a and 1/2b share level 1.
    level: Mapped[int] = mapped_column(Integer, default=1)
    school_year: Mapped[str] = mapped_column(String(9), default="2026-2027")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    teachers: Mapped[list[User]] = relationship(secondary=group_teachers, back_populates="groups_taught")
    children: Mapped[list["Child"]] = relationship(back_populates="group")

    @property
    def label(self):
        return f"Groep {self.name}"

    def __repr__(self):
        return f"<Group {self.name}>"


class Child(db.Model):
    __tablename__ = "children"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    sort_name: Mapped[str] = mapped_column(SortKey, default="", server_default="", index=True)  # kept by _keep_sort_name
    birth_date: Mapped[date | None] = mapped_column(Date)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    # The pupil administration's number: how a CSV re-import recognises a pupil.
    student_number: Mapped[str | None] = mapped_column(String(30), unique=True)
    gender: Mapped[str] = mapped_column(String(20), default="")
    street: Mapped[str] = mapped_column(String(120), default="")
    house_number: Mapped[str] = mapped_column(String(20), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    # Empty for the Netherlands; a foreign address names its country ("België").
    country: Mapped[str] = mapped_column(String(60), default="", server_default="")
    # "Primaire gegevens" of the child (manual: usually left empty).
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("stored_images.id", ondelete="SET NULL"))
    # A former pupil (left groep 8): parents lose access to current content.
    left_at: Mapped[date | None] = mapped_column(Date)
    # Erased by the retention job (app/admin/retention.py): the row stays, without a name,
    # only while consent history must be kept for photos that still exist.
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)

    group: Mapped[Group | None] = relationship(back_populates="children")
    guardianships: Mapped[list["Guardianship"]] = relationship(
        back_populates="child", cascade="all, delete-orphan"
    )

    @property
    def name(self):
        return display_name(self.first_name, self.last_name)

    @property
    def is_current(self):
        return self.left_at is None and self.group_id is not None

    def __repr__(self):
        return f"<Child {self.id} {self.first_name}>"


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
@event.listens_for(Child, "before_insert")
@event.listens_for(Child, "before_update")
def _keep_sort_name(mapper, connection, target):
    """Every ORM write of a person refreshes its stored sort key, whichever code wrote the name.
    (A Core UPDATE of a name would bypass this; `flask --app wsgi sort-names` repairs.)"""
    target.sort_name = sort_key(target.first_name, target.last_name, getattr(target, "login_name", ""))


class Guardianship(db.Model):
    """A parent's link to a child; read_only parents see but cannot change (manual, FAQ)."""

    __tablename__ = "guardianships"

    parent_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), primary_key=True, index=True)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)

    parent: Mapped[User] = relationship(back_populates="guardianships")
    child: Mapped[Child] = relationship(back_populates="guardianships")


class ContactNumber(db.Model):
    """An extra phone number with a label ("werk", "oma"): of a parent, or a child's
    emergency number ("Extra gegevens"). Exactly one of user_id / child_id is set."""

    __tablename__ = "contact_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(60))
    number: Mapped[str] = mapped_column(String(30), active_history=True)
    is_emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AccountToken(db.Model):
    """A single-use, expiring link token. Only its SHA-256 is stored."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # activate | reset | email
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # For e-mail change: the address the login name moves to.
    new_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


class LoginSession(db.Model):
    """One login on one device (app/auth/sessions.py): a request is logged in only while its
    record exists, so one session can end without the others. The cookie holds a secret;
    only its SHA-256 is stored, with what Mijn account › Apparaten shows."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # CASCADE: erasing (or deleting) an account takes its sessions with it.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A short label from the User-Agent ("Chrome op Windows"); no address, no full string.
    device: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Updated at most every few minutes (not on every request): see app/auth/sessions.py.
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # "Ingelogd blijven" (parents only): SESSION_KEEP_DAYS from the login, no idle limit.
    kept: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship()

"""The contact details an account had before: earlier login names, contact e-mail
addresses, phone numbers, postal addresses and names — kept only so that erasure (AVG) can
find them in free text.

Why a table of its own: the audit log stores field names only (values there would spread
personal data to every reader of the log), so after the office changed a login name the
old one was nowhere, yet it could still stand in a message, a teacher's note or a mail
error. These rows are the person's own data: shown on no page, in no export, deleted with
the account (ON DELETE CASCADE) and by erasure, which first reads them to know what to
remove everywhere else.

Why written by a flush hook and not by each service: a login name or contact address
changes in many places (the parent's Bereikbaarheid, the confirmation link, the office's
person page and login-name page, the CSV import, and whatever is added later). The
hook sees every change made through the ORM, so no path can forget it. Changes made with
Core UPDATE statements bypass it; erasure is the only code that does that to users.
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db
from app.models.base import utcnow
from app.models.people import ContactNumber, User

__all__ = ["ContactHistory"]

HISTORY_KINDS = ("login_name", "email", "phone", "address", "name")
# users columns whose earlier values are kept, and the kind they are kept as.
_TRACKED = {"login_name": "login_name", "email": "email", "phone_mobile": "phone", "phone_home": "phone"}
_ADDRESS = ("street", "house_number", "postcode", "city")


class ContactHistory(db.Model):
    """One earlier value of an account's contact details (see the module docstring)."""

    __tablename__ = "contact_history"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(kind) for kind in HISTORY_KINDS)})", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    # An e-mail address, phone number or full name; empty for a postal address.
    value: Mapped[str] = mapped_column(String(254), default="")
    # A postal address (kind "address"), as it stood in the users row.
    street: Mapped[str] = mapped_column(String(120), default="")
    house_number: Mapped[str] = mapped_column(String(20), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    replaced_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def _old_value(state, name):
    """The value before this flush when the attribute changed, else None."""
    history = state.attrs[name].history
    if not history.has_changes() or not history.deleted:
        return None
    old = history.deleted[0]
    new = history.added[0] if history.added else None
    if not old or (isinstance(old, str) and isinstance(new, str) and old.strip().lower() == new.strip().lower()):
        return None  # nothing was there, or only the spelling changed
    return old


def _history_of_user(user):
    state = inspect(user)
    rows = []
    for name, kind in _TRACKED.items():
        old = _old_value(state, name)
        if old:
            rows.append(ContactHistory(user_id=user.id, kind=kind, value=old.strip()[:254]))
    if any(state.attrs[name].history.has_changes() for name in ("first_name", "last_name")):
        old = [state.attrs[name].history.deleted[0] if state.attrs[name].history.deleted else getattr(user, name)
               for name in ("first_name", "last_name")]
        if all((part or "").strip() for part in old):
            full = " ".join(" ".join(part.split()) for part in old)
            if full.lower() != user.name.lower():
                rows.append(ContactHistory(user_id=user.id, kind="name", value=full[:254]))
    if any(state.attrs[name].history.has_changes() for name in _ADDRESS):
        old = {}
        for name in _ADDRESS:
            history = state.attrs[name].history
            if history.deleted:
                old[name] = history.deleted[0] or ""
            else:  # unchanged: its current value was part of the old address too
                old[name] = getattr(user, name) or ""
        if old["street"].strip() or old["postcode"].strip():
            rows.append(ContactHistory(user_id=user.id, kind="address", **{k: v.strip() for k, v in old.items()}))
    return rows


@event.listens_for(Session, "before_flush")
def _keep_replaced_contact_details(session, flush_context, instances):
    added = []
    with session.no_autoflush:
        deleted_users = {obj.id for obj in session.deleted if isinstance(obj, User)}
        for obj in session.dirty:
            if isinstance(obj, User) and obj.id is not None:
                added += _history_of_user(obj)
            elif isinstance(obj, ContactNumber) and obj.user_id is not None:
                old = _old_value(inspect(obj), "number")
                if old:
                    added.append(ContactHistory(user_id=obj.user_id, kind="phone", value=old.strip()[:254]))
        for obj in session.deleted:
            # A parent's own extra number ("werk") that they removed.
            if isinstance(obj, ContactNumber) and obj.user_id is not None and obj.user_id not in deleted_users:
                history = inspect(obj).attrs["number"].history
                number = history.deleted[0] if history.deleted else obj.number
                if number and number.strip():
                    added.append(ContactHistory(user_id=obj.user_id, kind="phone", value=number.strip()[:254]))
    session.add_all(added)

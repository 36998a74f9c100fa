"""Erasing an account on request (AVG, right to erasure).

What happens, decided once for every table (also tables added later, found through the
metadata):

- Rows that belong to the account — every table with a foreign key to users.id declared
  ON DELETE CASCADE (links to pupils, extra phone numbers, link tokens, notification and
  privacy choices, message replies, ...) — are deleted, as if the account were deleted.
- The users row stays, anonymised: no name, e-mail, phone, address, photo or password;
  login name gewist-<id>@gewist.invalid; deactivated. So what the school must keep for its
  records (the audit log, bookings, news or albums a staff member made: the rows pointing
  at the account with ON DELETE SET NULL or without ON DELETE) is kept, and now points to
  "Gewist account" instead of a person.
- The person's e-mail addresses, phone numbers and full name are removed from every text,
  string and JSON column of every other table: a value that is only that becomes empty, a
  value that contains it gets "[gewist]" in its place; an extra phone number that is only
  that number is deleted. Other accounts' own rows (users) are not touched: a shared
  household address or number there is that other person's data too.
- The profile photo is deleted (file and row).
Pupils stay: they are the school's pupils, not this account's data.
"""
import json
import re

from sqlalchemy import JSON, Enum, String, Text, cast, func, select

from app.audit import record_change
from app.extensions import db
from app.models import AccountToken, ContactNumber, StoredImage, User, utcnow

from app.admin.services import ERASED_DOMAIN, ServiceError, is_erased

REDACTED = "[gewist]"
# Friendly names for the preview; tables not listed show their own name.
TABLE_LABELS = {
    "guardianships": "koppelingen met leerlingen",
    "contact_numbers": "extra telefoonnummers",
    "account_tokens": "activatie- en wachtwoordlinks",
    "notification_preferences": "notificatie-instellingen",
    "privacy_settings": "privacy-instellingen",
    "group_teachers": "koppelingen met groepen",
    "message_replies": "reacties op berichten",
    "message_reads": "leesbevestigingen",
    "audit_entries": "regels in het logboek",
    "notification_events": "verstuurde meldingen",
    "meeting_bookings": "gespreksafspraken",
    "login_sessions": "inlogsessies (apparaten waarop is ingelogd)",
}


def _user_foreign_keys():
    """(table, column, ondelete) for every foreign key to users.id, outside users itself."""
    users = User.__table__
    found = []
    for table in db.metadata.sorted_tables:
        if table is users:
            continue
        for fk in table.foreign_keys:
            if fk.column.table is users:
                found.append((table, fk.parent, (fk.ondelete or "").upper()))
    return found


def personal_values(user):
    """The values to remove everywhere: e-mail addresses, phone numbers, full name."""
    emails = {user.login_name, user.email}
    emails |= set(db.session.scalars(
        select(AccountToken.new_email).where(AccountToken.user_id == user.id, AccountToken.new_email.is_not(None))
    ))
    phones = {user.phone_mobile, user.phone_home}
    phones |= set(db.session.scalars(select(ContactNumber.number).where(ContactNumber.user_id == user.id)))
    values = {e.strip() for e in emails if e and "@" in e}
    values |= {p.strip() for p in phones if p and len(re.sub(r"\D", "", p)) >= 6}
    if user.first_name.strip() and user.last_name.strip():
        full = f"{user.first_name.strip()} {user.last_name.strip()}"
        if len(full) >= 5:
            values.add(full)
    return sorted(values, key=len, reverse=True)


def _text_columns(table):
    for column in table.columns:
        if isinstance(column.type, Enum):
            continue
        if isinstance(column.type, (String, Text, JSON)):
            yield column


def _match_clause(column, needles):
    from sqlalchemy import or_

    if isinstance(column.type, JSON):
        text = func.lower(cast(column, Text))
        variants = {n.lower() for n in needles} | {json.dumps(n)[1:-1].lower() for n in needles}
    else:
        text = func.lower(column)
        variants = {n.lower() for n in needles}
    return or_(*[text.contains(v, autoescape=True) for v in variants])


def _scrub_text(value, patterns):
    if not isinstance(value, str):
        return value
    if any(pattern.fullmatch(value.strip()) for pattern in patterns):
        return ""
    for pattern in patterns:
        value = pattern.sub(REDACTED, value)
    return value


def _scrub_json(value, patterns):
    if isinstance(value, str):
        return _scrub_text(value, patterns)
    if isinstance(value, list):
        return [_scrub_json(item, patterns) for item in value]
    if isinstance(value, dict):
        return {_scrub_text(key, patterns): _scrub_json(item, patterns) for key, item in value.items()}
    return value


def _occurrences(needles, owner_id=None):
    """[(table, column, row count)] where any of the values occurs, outside the users table
    and outside the rows that belong to account `owner_id` (those go anyway)."""
    from sqlalchemy import and_, or_

    owned = {}
    for table, column, ondelete in _user_foreign_keys():
        if ondelete == "CASCADE":
            owned.setdefault(table.name, []).append(column)
    found = []
    for table in db.metadata.sorted_tables:
        if table is User.__table__:
            continue
        for column in _text_columns(table):
            where = _match_clause(column, needles)
            if owner_id is not None and table.name in owned:
                where = and_(where, *[or_(c.is_(None), c != owner_id) for c in owned[table.name]])
            count = db.session.scalar(select(func.count()).select_from(table).where(where))
            if count:
                found.append((table, column, count))
    return found


def erasure_preview(user):
    """What erasing this account removes and what it keeps, for the confirmation step."""
    removed, kept = [], []
    for table, column, ondelete in _user_foreign_keys():
        count = db.session.scalar(select(func.count()).select_from(table).where(column == user.id))
        if not count:
            continue
        label = TABLE_LABELS.get(table.name, table.name.replace("_", " "))
        (removed if ondelete == "CASCADE" else kept).append((label, count))
    needles = personal_values(user)
    elsewhere = sum(count for _, _, count in _occurrences(needles, owner_id=user.id)) if needles else 0
    return {"removed": removed, "kept": kept, "elsewhere": elsewhere, "has_photo": user.photo_id is not None}


def erase_account(user, actor):
    """Erase the personal data of an account in one transaction (see the module docstring)."""
    if user.id == actor.id:
        raise ServiceError("U kunt uw eigen account niet wissen.")
    if is_erased(user):
        raise ServiceError("Dit account is al gewist.")
    needles = personal_values(user)
    patterns = [re.compile(re.escape(n), re.IGNORECASE) for n in needles]
    user_id = user.id
    # 1. What belongs to the account goes, as if the account were deleted.
    for table, column, ondelete in _user_foreign_keys():
        if ondelete == "CASCADE":
            db.session.execute(table.delete().where(column == user_id))
    # 2. The profile photo.
    if user.photo_id is not None:
        from app.storage import delete_image

        image = db.session.get(StoredImage, user.photo_id)
        user.photo_id = None
        db.session.flush()
        if image is not None:
            delete_image(image)
    # 3. The account row, anonymised; every session ends.
    user.login_name = f"gewist-{user_id}@{ERASED_DOMAIN}"
    user.email = ""
    user.first_name = "Gewist"
    user.last_name = "account"
    for name in ("phone_mobile", "phone_home", "street", "house_number", "postcode", "city"):
        setattr(user, name, "")
    user.password_hash = None
    user.activated_at = None
    user.last_login_at = None
    user.deactivated_at = user.deactivated_at or utcnow()
    db.session.flush()
    # 4. The person's contact values and name wherever else they were written down.
    if needles:
        _scrub_everywhere(needles, patterns)
    record_change(actor, "user", user_id, "gewist", ["account"])
    db.session.commit()
    db.session.expire_all()
    return user_id


def _scrub_everywhere(needles, patterns):
    contact_numbers = ContactNumber.__table__
    for table, column, _ in _occurrences(needles):
        keys = list(table.primary_key.columns)
        if table is contact_numbers and column.name == "number":
            # An emergency or extra number that is only this person's number: the row goes.
            rows = db.session.execute(select(table.c.id, column).where(_match_clause(column, needles))).all()
            for row_id, value in rows:
                if _scrub_text(value, patterns) == "":
                    db.session.execute(table.delete().where(table.c.id == row_id))
                else:
                    db.session.execute(table.update().where(table.c.id == row_id).values(number=_scrub_text(value, patterns)))
            continue
        scrub = _scrub_json if isinstance(column.type, JSON) else _scrub_text
        if keys:
            rows = db.session.execute(select(*keys, column).where(_match_clause(column, needles))).all()
            for row in rows:
                key_values = row[:-1]
                where = [key == value for key, value in zip(keys, key_values)]
                db.session.execute(table.update().where(*where).values({column.name: scrub(row[-1], patterns)}))
        elif not isinstance(column.type, JSON):
            values = db.session.scalars(select(column).distinct().where(_match_clause(column, needles))).all()
            for value in values:
                db.session.execute(table.update().where(column == value).values({column.name: scrub(value, patterns)}))

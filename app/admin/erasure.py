"""Erasing an account on request (AVG, right to erasure).

What happens, decided once for every table (also tables added later, found through the
metadata):

- Rows that belong to the account — every table with a foreign key to users.id declared
  ON DELETE CASCADE (links to pupils, extra phone numbers, link tokens, notification and
  privacy choices, message replies, the history of earlier contact details, ...) — are
  deleted, as if the account were deleted.
- The users row stays, anonymised: no name, e-mail, phone, address, photo or password;
  login name gewist-<id>@gewist.invalid; deactivated. So what the school must keep for its
  records (the audit log, bookings, news or albums a staff member made: the rows pointing
  at the account with ON DELETE SET NULL or without ON DELETE) is kept, and now points to
  "Gewist account" instead of a person.
- The person's traces are removed from every text, string and JSON column of every other
  table: a value that is only a trace becomes empty, a value that contains one gets
  "[gewist]" in its place; an extra phone number that is only that number is deleted.
  Other accounts' own rows (users) are not touched: a shared household address or number
  there is that other person's data too.
- The profile photo is deleted (file and row).
Pupils stay: they are the school's pupils, not this account's data (their own address
stays in their row, also when it is the household's).

The traces searched for (`traces_of`):
- every e-mail address the person had: the login name and contact address now, the
  earlier ones (contact_history, written by models/history.py whenever a login name or
  contact address changes, whoever changes it), and addresses they asked to move their
  login name to (account_tokens);
- every phone number: now, earlier ones (contact_history), extra numbers;
- the full name, now and earlier ones (contact_history);
- the postal address, now and earlier ones, as people write it in free text: the street
  with the house number ("Dorpsstraat 12", "Dorpsstraat 12a", "Dorpsstr. 12-2"), with or
  without postcode and place after it ("…, 7461 AB Rijssen", "… te Rijssen"), and the
  postcode on its own ("7461AB"). A street name without a number, or a place name on its
  own, is no address and stays.
The audit log keeps field names only, so earlier values can only come from
contact_history; that table is the person's data and goes with the rest.
"""
import json
import re
from dataclasses import dataclass, field

from sqlalchemy import JSON, Enum, String, Text, and_, cast, func, or_, select

from app.audit import record_change
from app.extensions import db
from app.models import AccountToken, ContactHistory, ContactNumber, StoredImage, User, utcnow

from app.admin.services import ERASED_DOMAIN, ServiceError, is_erased

REDACTED = "[gewist]"
# What the preview calls the rows of each table that points at an account (removed with
# it, or kept without a name). Every such table must be listed: a test over the metadata
# fails when a new one is missing.
TABLE_LABELS = {
    "absence_reports": "ziek- en afwezigheidsmeldingen",
    "account_tokens": "activatie- en wachtwoordlinks",
    "agenda_items": "agenda-items",
    "albums": "fotoalbums",
    "audit_entries": "regels in het logboek",
    "calendar_feeds": "agenda-abonnementen",
    "child_notes": "notities bij leerlingen",
    "contact_history": "eerdere inlognamen, e-mailadressen, telefoonnummers, adressen en namen",
    "consent_answers": "antwoorden over toestemming beeldmateriaal (blijven als bewijs)",
    "consent_purpose_versions": "teksten van toestemmingsdoelen",
    "consent_requests": "toestemmingsverzoeken aan ouders",
    "contact_numbers": "extra telefoonnummers",
    "data_exports": "downloads van eigen gegevens (inzage)",
    "documents": "documenten",
    "group_teachers": "koppelingen met groepen",
    "guardianships": "koppelingen met leerlingen",
    "leave_requests": "verlofaanvragen",
    "meeting_bookings": "gespreksafspraken",
    "meeting_reservations": "gespreksafspraken",
    "meeting_rounds": "gespreksrondes",
    "message_reads": "leesbevestigingen",
    "message_replies": "reacties op berichten",
    "messages": "berichten",
    "news_items": "nieuwsberichten",
    "notification_deliveries": "e-mails in de verzendlijst",
    "notification_events": "meldingen over nieuwe inhoud",
    "notification_preferences": "notificatie-instellingen",
    "photo_tags": "markeringen van leerlingen op foto's",
    "privacy_settings": "privacy-instellingen",
    "retention_holds": "uitzonderingen op de bewaartermijn",
    "login_sessions": "inlogsessies (apparaten waarop is ingelogd)",
}
# Shown for a table missing above (the test keeps this from happening): still Dutch.
OTHER_LABEL = "overige gegevens"


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


# --- what to look for ------------------------------------------------------------------

def _flexible(text):
    """A literal, case-insensitive pattern in which any run of spaces may vary."""
    return r"\s+".join(re.escape(word) for word in text.split())


def _street_pattern(street):
    words = street.split()
    last = words[-1]
    # "Dorpsstraat" is also written "Dorpsstr." or "Dorpsstr".
    if last.lower().endswith("straat") and len(last) > len("straat"):
        words[-1] = re.escape(last[:-3]) + r"(?:aat|\.)?"
    else:
        words[-1] = re.escape(last)
    return r"\s+".join([re.escape(word) for word in words[:-1]] + [words[-1]])


def _house_number_pattern(house_number):
    """"12" also matches "12a", "12 A", "12-2", "12-hs" (a neighbour at 12a goes too: better
    too much than too little); never "123"."""
    found = re.match(r"\s*(\d+)\s*[-/]?\s*(.*?)\s*$", house_number)
    if not found:
        return _flexible(house_number) if house_number.strip() else None
    number, suffix = found.groups()
    suffixes = [r"[a-z]{1,3}(?![a-z])", r"\s?[-/]\s?[a-z0-9]{1,4}(?![a-z0-9])", r"(?-i:\s[A-Z])(?!\w)"]
    if suffix:
        suffixes.insert(0, r"\s?[-/]?\s?" + _flexible(suffix) + r"(?![a-z0-9])")
    return rf"{number}(?!\d)(?:{'|'.join(suffixes)})?"


def _postcode_pattern(postcode):
    """A Dutch postcode with or without its space ("7461 AB", "7461ab"); other postcodes as written."""
    dutch = re.fullmatch(r"\s*(\d{4})\s*([a-zA-Z]{2})\s*", postcode)
    if dutch:
        return rf"(?<![0-9a-z]){dutch.group(1)}\s?{dutch.group(2)}(?![a-z0-9])", True
    return (rf"(?<![0-9a-z]){_flexible(postcode)}(?![a-z0-9])", False) if postcode.strip() else (None, False)


def address_patterns(street, house_number, postcode, city):
    """[(pattern, SQL prefilter substrings)] for a postal address as free text writes it."""
    found = []
    postcode_re, dutch_postcode = _postcode_pattern(postcode or "")
    city_re = rf"(?<!\w){_flexible(city)}(?!\w)" if (city or "").strip() else None
    tail = []
    if postcode_re:
        tail.append(rf"[\s,]*{postcode_re}" + (rf"(?:[\s,]*{city_re})?" if city_re else ""))
    if city_re:
        tail.append(rf"[\s,]+(?:(?:te|in)\s+)?{city_re}")
    tail_re = f"(?:{'|'.join(tail)})?" if tail else ""
    number_re = _house_number_pattern(house_number or "")
    if (street or "").strip() and number_re:
        stem = street.split()[-1].lower()
        stem = stem[:-3] if stem.endswith("straat") and len(stem) > 6 else stem
        found.append((
            re.compile(rf"(?<!\w){_street_pattern(street)}\s*(?:(?:nr\.?|nummer|no\.)\s*)?{number_re}{tail_re}",
                       re.IGNORECASE),
            [stem],
        ))
    if postcode_re and dutch_postcode:
        # A Dutch postcode (with the house number it pins down one address) on its own.
        found.append((
            re.compile(postcode_re + (rf"(?:[\s,]*{city_re})?" if city_re else ""), re.IGNORECASE),
            [re.sub(r"\D", "", postcode)],
        ))
    return found


@dataclass
class Traces:
    """What erasure removes from other tables' text, and how to find it."""

    literals: list = field(default_factory=list)   # e-mail addresses, phone numbers, full name
    addresses: list = field(default_factory=list)  # (pattern, prefilter) of postal addresses

    def __bool__(self):
        return bool(self.literals or self.addresses)

    @property
    def patterns(self):
        # Addresses first: "Dorpsstraat 12, 7461 AB Rijssen" goes as a whole.
        return [pattern for pattern, _ in self.addresses] + [
            re.compile(re.escape(value), re.IGNORECASE) for value in self.literals]

    @property
    def prefilter(self):
        """Lower-case substrings at least one of which every trace contains (for SQL)."""
        return sorted({value for _, values in self.addresses for value in values} | set(self.literals))


def traces_of(user):
    """Every e-mail address, phone number and postal address the person had, and the full name."""
    history = db.session.scalars(select(ContactHistory).where(ContactHistory.user_id == user.id)).all()
    emails = {user.login_name, user.email}
    emails |= {row.value for row in history if row.kind in ("login_name", "email")}
    emails |= set(db.session.scalars(
        select(AccountToken.new_email).where(AccountToken.user_id == user.id, AccountToken.new_email.is_not(None))
    ))
    phones = {user.phone_mobile, user.phone_home}
    phones |= {row.value for row in history if row.kind == "phone"}
    phones |= set(db.session.scalars(select(ContactNumber.number).where(ContactNumber.user_id == user.id)))
    values = {e.strip() for e in emails if e and "@" in e}
    values |= {p.strip() for p in phones if p and len(re.sub(r"\D", "", p)) >= 6}
    names = {row.value for row in history if row.kind == "name"}
    if user.first_name.strip() and user.last_name.strip():
        names |= {f"{user.first_name.strip()} {user.last_name.strip()}", user.name.strip()}
    values |= {name for name in names if len(name) >= 5 and " " in name}
    addresses = {(user.street, user.house_number, user.postcode, user.city)}
    addresses |= {(row.street, row.house_number, row.postcode, row.city) for row in history if row.kind == "address"}
    patterns = {}
    for address in addresses:
        for pattern, prefilter in address_patterns(*(part or "" for part in address)):
            patterns.setdefault(pattern.pattern, (pattern, prefilter))
    return Traces(literals=sorted(values, key=len, reverse=True), addresses=list(patterns.values()))


# --- finding and scrubbing them --------------------------------------------------------------

def _text_columns(table):
    for column in table.columns:
        if isinstance(column.type, Enum):
            continue
        if isinstance(column.type, (String, Text, JSON)):
            yield column


def _match_clause(column, needles):
    """Rows whose text contains any needle (case-insensitive): the candidates to check."""
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


@dataclass
class Occurrence:
    table: object
    column: object
    rows: list  # (primary key values or None, old value, scrubbed value)


def _occurrences(traces, owner_id=None, skip=()):
    """Where the traces occur, outside the users table (and the tables named in `skip`) and
    outside the rows that belong to account `owner_id` (those go anyway). SQL finds
    candidates by substring; Python decides."""
    owned = {}
    for table, column, ondelete in _user_foreign_keys():
        if ondelete == "CASCADE":
            owned.setdefault(table.name, []).append(column)
    patterns, needles = traces.patterns, traces.prefilter
    found = []
    for table in db.metadata.sorted_tables:
        if table is User.__table__ or table.name in skip:
            continue
        keys = list(table.primary_key.columns)
        for column in _text_columns(table):
            scrub = _scrub_json if isinstance(column.type, JSON) else _scrub_text
            where = _match_clause(column, needles)
            if owner_id is not None and table.name in owned:
                where = and_(where, *[or_(c.is_(None), c != owner_id) for c in owned[table.name]])
            if keys:
                candidates = [(tuple(row[:-1]), row[-1])
                              for row in db.session.execute(select(*keys, column).where(where))]
            elif not isinstance(column.type, JSON):
                candidates = [(None, value) for value in db.session.scalars(select(column).distinct().where(where))]
            else:
                continue
            rows = [(key, value, scrub(value, patterns)) for key, value in candidates]
            rows = [row for row in rows if row[2] != row[1]]
            if rows:
                found.append(Occurrence(table, column, rows))
    return found


def erasure_preview(user):
    """What erasing this account removes and what it keeps, for the confirmation step."""
    removed, kept = {}, {}
    for table, column, ondelete in _user_foreign_keys():
        count = db.session.scalar(select(func.count()).select_from(table).where(column == user.id))
        if not count:
            continue
        label = TABLE_LABELS.get(table.name, OTHER_LABEL)
        target = removed if ondelete == "CASCADE" else kept
        target[label] = target.get(label, 0) + count
    traces = traces_of(user)
    elsewhere = sum(len(o.rows) for o in _occurrences(traces, owner_id=user.id)) if traces else 0
    return {"removed": list(removed.items()), "kept": list(kept.items()), "elsewhere": elsewhere,
            "has_photo": user.photo_id is not None}


def erase_account(user, actor, *, action="gewist", commit=True):
    """Erase the personal data of an account in one transaction (see the module docstring).

    `actor` None is the portal itself (the retention job, app/admin/retention.py): the audit
    entry then has no actor, and `action` says why ("bewaartermijn verlopen"). With
    commit=False the caller's transaction takes the erasure along (one per pupil there)."""
    if actor is not None and user.id == actor.id:
        raise ServiceError("U kunt uw eigen account niet wissen.")
    if is_erased(user):
        raise ServiceError("Dit account is al gewist.")
    traces = traces_of(user)  # before anything goes: the history is read here
    user_id = user.id
    # 1. What belongs to the account goes, as if the account were deleted.
    for table, column, ondelete in _user_foreign_keys():
        if ondelete == "CASCADE":
            db.session.execute(table.delete().where(column == user_id))
    # 2. The profile photo.
    if user.photo_id is not None:
        from app.images import delete_image

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
    # That flush kept the values it replaced as history (models/history.py): they go too.
    db.session.execute(ContactHistory.__table__.delete().where(ContactHistory.user_id == user_id))
    # 4. The person's traces wherever else they were written down.
    if traces:
        scrub_everywhere(traces)
    record_change(actor, "user", user_id, action, ["account"])
    if commit:
        db.session.commit()
        db.session.expire_all()
    return user_id


def scrub_everywhere(traces, skip=()):
    """Remove the traces from every text of every table but users and `skip` (caller commits).
    The retention job (app/admin/retention.py) removes a pupil's name this way."""
    contact_numbers = ContactNumber.__table__
    for occurrence in _occurrences(traces, skip=skip):
        table, column = occurrence.table, occurrence.column
        keys = list(table.primary_key.columns)
        for key_values, old, new in occurrence.rows:
            if key_values is None:
                db.session.execute(table.update().where(column == old).values({column.name: new}))
                continue
            where = [key == value for key, value in zip(keys, key_values)]
            if table is contact_numbers and column.name == "number" and new == "":
                # An emergency or extra number that is only this person's number: the row goes.
                db.session.execute(table.delete().where(*where))
            else:
                db.session.execute(table.update().where(*where).values({column.name: new}))

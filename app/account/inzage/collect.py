"""What the portal holds about a person and their children, found through the metadata.

The rules (decided once for every table, so a table added later is included without a
change here, as app/admin/erasure.py finds the tables pointing at an account):

- The person's own users row.
- Their rows: every row of every table with a foreign key to users.id ON DELETE CASCADE
  equal to them (the rows erasure deletes with the account: links to pupils, numbers,
  notification and privacy choices, replies, login sessions, contact history, ...).
- Their children (the children of their guardianships) and every row of every table
  with a foreign key to children.id equal to one of them (notes, numbers, privacy,
  consent answers of both parents, meeting invitations and reservations, photo tags, the
  links with the other parents, ...).
- One level further: rows that belong to one of those rows (a foreign key ON DELETE
  CASCADE to its id) in a table that points at no account or pupil itself, such as the
  meeting bookings of a reservation.
- Through a child's link table (a table made only of foreign keys, its primary key, such
  as leave_request_children): the rows it links the child to, which are that child's
  records (a leave request for several siblings).
- Rows that are about the person or a child by subject (subject_type/subject_id: the
  audit log), in the person's or that child's part.
- Rows that only name the person in another role (author, actor, booked by: foreign keys
  to users.id without CASCADE) and are not found above: listed by table, number and
  dates only. They are the school's records (news, albums, the log of what a staff member
  changed); their text may be about other families, so it is not copied.
Never: a column whose name says it is a secret (hash, token, password, secret), the
exports themselves, other families or their children.
"""
import re
from dataclasses import dataclass, field

from sqlalchemy import JSON, Enum, String, Text, and_, or_, select

from app.extensions import db
from app.models import Child, Guardianship, User

SECRET = re.compile(r"hash|token|password|secret", re.IGNORECASE)
# The exports themselves are no data about the person (and would hold the previous export).
LEFT_OUT_TABLES = {"data_exports"}
# Rows of a child's table that another guardian must not get: a conversation the other
# parent marked "alleen voor mij" (separated parents). {table: (table, viewer id) -> WHERE}.
VIEWER_ROWS = {"conversations": lambda table, viewer: or_(table.c.private.is_(False), table.c.parent_id == viewer)}
# Tables that belong to their parent row though they name people: the messages of a
# conversation (a staff member's answers too) are the conversation.
WITH_PARENT_ROW = {"conversation_messages"}


@dataclass
class Part:
    """The rows of one person or one child: {table name: [row dict]}."""

    row: dict
    tables: dict = field(default_factory=dict)
    other_guardians: list = field(default_factory=list)  # names only


@dataclass
class Collected:
    person: Part
    children: list  # [Part]
    references: dict  # {table name: [(role column, row dict)]}
    names: dict  # user id -> name, for the users the rows point at


def visible_columns(table):
    return [c for c in table.columns if not SECRET.search(c.name)]


def _is_text(column):
    return isinstance(column.type, (String, Text, JSON)) and not isinstance(column.type, Enum)


def _select(table, where, columns=None):
    columns = columns or visible_columns(table)
    order = list(table.primary_key.columns) or columns[:1]
    return [dict(row._mapping) for row in db.session.execute(select(*columns).where(where).order_by(*order))]


def _foreign_keys_to(target):
    """(table, column, ondelete) of every foreign key to target's primary key, outside it."""
    found = []
    for table in db.metadata.sorted_tables:
        if table is target or table.name in LEFT_OUT_TABLES:
            continue
        for fk in table.foreign_keys:
            if fk.column.table is target and fk.column.primary_key:
                found.append((table, fk.parent, (fk.ondelete or "").upper()))
    return found


def _points_at_people(table):
    people = (User.__table__, Child.__table__)
    return any(fk.column.table in people for fk in table.foreign_keys)


def _subject_tables():
    return [t for t in db.metadata.sorted_tables if {"subject_type", "subject_id"} <= set(t.columns.keys())]


def _add(tables, table, rows):
    if not rows:
        return
    known = tables.setdefault(table.name, [])
    keys = [c.name for c in table.primary_key.columns]
    seen = {tuple(r.get(k) for k in keys) for r in known}
    for row in rows:
        key = tuple(row.get(k) for k in keys)
        if not keys or key not in seen:
            known.append(row)
            seen.add(key)


def _one_level_further(tables):
    """The rows that belong to rows already found (meeting bookings of a reservation)."""
    found = {}
    for name, rows in list(tables.items()):
        source = db.metadata.tables[name]
        if list(source.primary_key.columns.keys()) != ["id"]:
            continue
        ids = [row["id"] for row in rows if row.get("id") is not None]
        if not ids:
            continue
        for table, column, ondelete in _foreign_keys_to(source):
            if ondelete == "CASCADE" and (table.name in WITH_PARENT_ROW or not _points_at_people(table)):
                _add(found, table, _select(table, column.in_(ids)))
    for name, rows in found.items():
        _add(tables, db.metadata.tables[name], rows)


def _is_link_table(table):
    return all(column.primary_key and column.foreign_keys for column in table.columns)


def _linked_records(tables, owner):
    """The rows the owner's link-table rows point at (not people: the links with parents
    are the guardianships, shown as they are)."""
    people = (User.__table__, Child.__table__)
    for name, rows in list(tables.items()):
        table = db.metadata.tables[name]
        if not _is_link_table(table):
            continue
        for fk in table.foreign_keys:
            target = fk.column.table
            if target in people or target is owner or target.name in LEFT_OUT_TABLES:
                continue
            ids = sorted({row[fk.parent.name] for row in rows} - {None})
            if ids:
                _add(tables, target, _select(target, fk.column.in_(ids)))


def _part(target, owner_id, subject_type, only_cascade, viewer_id):
    """The rows of every table pointing at `target` (users or children) with owner_id, as
    `viewer_id` (the person asking) may get them (VIEWER_ROWS)."""
    part = Part(row=_select(target, target.c.id == owner_id)[0])
    for table, column, ondelete in _foreign_keys_to(target):
        if only_cascade and ondelete != "CASCADE":
            continue
        where = column == owner_id
        if table.name in VIEWER_ROWS:
            where = and_(where, VIEWER_ROWS[table.name](table, viewer_id))
        _add(part.tables, table, _select(table, where))
    if target is Child.__table__:
        _linked_records(part.tables, target)
    for table in _subject_tables():
        _add(part.tables, table, _select(table, and_(table.c.subject_type == subject_type,
                                                     table.c.subject_id == owner_id)))
    _one_level_further(part.tables)
    return part


def _references(user_id, parts):
    """Rows naming the person in another role, not found in the parts: number and dates."""
    found = {}
    for table, column, ondelete in _foreign_keys_to(User.__table__):
        if ondelete == "CASCADE":
            continue
        keys = [c.name for c in table.primary_key.columns]
        have = {tuple(r.get(k) for k in keys) for part in parts for r in part.tables.get(table.name, [])}
        columns = [c for c in visible_columns(table) if c.primary_key or not (_is_text(c) or c.foreign_keys)]
        for row in _select(table, column == user_id, columns):
            if tuple(row.get(k) for k in keys) not in have:
                found.setdefault(table.name, []).append((column.name, row))
    return found


def _user_ids(part):
    ids = set()
    for name, rows in part.tables.items():
        table = db.metadata.tables[name]
        for column in table.columns:
            if any(fk.column.table is User.__table__ for fk in column.foreign_keys):
                ids |= {row.get(column.name) for row in rows}
    return ids - {None}


def user_names(ids):
    from app.admin.services import is_erased

    users = db.session.scalars(select(User).where(User.id.in_(ids))).all() if ids else []
    return {user.id: ("Gewist account" if is_erased(user) else user.name) for user in users}


def collect(user):
    """Everything the portal holds about `user` and their children (see the module docstring)."""
    person = _part(User.__table__, user.id, "user", only_cascade=True, viewer_id=user.id)
    child_ids = db.session.scalars(
        select(Guardianship.child_id).where(Guardianship.parent_id == user.id).order_by(Guardianship.child_id)).all()
    children = [_part(Child.__table__, child_id, "child", only_cascade=False, viewer_id=user.id)
                for child_id in child_ids]
    ids = set().union(*(_user_ids(part) for part in [person, *children]))
    names = user_names(ids | {user.id})
    for part in children:
        guardians = {row["parent_id"] for row in part.tables.get("guardianships", [])} - {user.id}
        part.other_guardians = sorted(names.get(i, "Gewist account") for i in guardians)
    return Collected(person=person, children=children, references=_references(user.id, [person, *children]),
                     names=names)


"""Mijn kinderen and teacher notes: queries and changes. Each change owns its transaction
and is recorded in the audit log (field names only)."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.access import taught_group_ids
from app.audit import record_change
from app.extensions import db
from app.models import Child, ChildNote, Group, Guardianship, User, utcnow


def parents_of(child):
    """The child's parents (any guardianship, read-only too), in name order, for staff's view
    of their privacy choices."""
    return db.session.scalars(
        select(User).join(Guardianship, Guardianship.parent_id == User.id)
        .where(Guardianship.child_id == child.id).order_by(User.sort_name, User.id)
    ).all()


def notes_of(child):
    return db.session.scalars(
        select(ChildNote).where(ChildNote.child_id == child.id)
        .options(selectinload(ChildNote.author))
        .order_by(ChildNote.created_at.desc(), ChildNote.id.desc())
    ).all()


def children_for_staff(user):
    """[(group label, [(child id, name), ...]), ...]: current pupils of the groups taught."""
    ids = taught_group_ids(user)
    groups = db.session.scalars(
        select(Group).where(Group.id.in_(ids)).order_by(Group.sort_order, Group.name)
    ).all()
    children = db.session.scalars(
        select(Child).where(Child.group_id.in_(ids), Child.left_at.is_(None))
        .order_by(Child.sort_name, Child.id)
    ).all()
    by_group = {}
    for child in children:
        by_group.setdefault(child.group_id, []).append((child.id, child.name))
    return [(group.label, by_group.get(group.id, [])) for group in groups]


def staff_notes(user, child_id=None, limit=100):
    """Notes on pupils of the groups this staff member teaches (the office: all)."""
    query = (
        select(ChildNote).join(Child, Child.id == ChildNote.child_id)
        .options(selectinload(ChildNote.author), selectinload(ChildNote.child).selectinload(Child.group))
        .order_by(ChildNote.created_at.desc(), ChildNote.id.desc()).limit(limit)
    )
    if not user.is_admin:
        query = query.where(Child.group_id.in_(taught_group_ids(user)))
    if child_id:
        query = query.where(ChildNote.child_id == child_id)
    return db.session.scalars(query).all()


def add_note(author, child_id, body):
    note = ChildNote(child_id=child_id, author_id=author.id, body=body)
    db.session.add(note)
    record_change(author, "child", child_id, "notitie", ["notes"])
    db.session.commit()
    return note


def update_note(actor, note, body):
    if note.body == body:
        return False
    note.body = body
    note.updated_at = utcnow()
    record_change(actor, "child", note.child_id, "notitie gewijzigd", ["notes"])
    db.session.commit()
    return True


def delete_note(actor, note):
    child_id = note.child_id
    db.session.delete(note)
    record_change(actor, "child", child_id, "notitie verwijderd", ["notes"])
    db.session.commit()

"""Changing a person's data: the profile fields, the photo and the extra phone numbers of a
user (Mijn account, Beheer) or a child (Mijn kinderen).

`subject_type` is "user" or "child", as in the audit log. Each function owns its
transaction and records the change with app.audit.record_change (field names only).
Who may change whom is decided before: app/access.py (child_for, admin_required).
"""
from sqlalchemy import select

from app.audit import record_change
from app.extensions import db
from app.images import delete_image, save_image
from app.models import ContactNumber, StoredImage


def apply_changes(obj, values):
    """Set the attributes that differ (None counts as ""); returns their names."""
    changed = []
    for name, value in values.items():
        value = value if value is not None else ""
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def update_person(actor, person, subject_type, values):
    """Change personal data of a user or child; audited; commits. Returns changed names."""
    changed = apply_changes(person, values)
    if changed:
        record_change(actor, subject_type, person.id, "gewijzigd", changed)
        db.session.commit()
    return changed


# --- photos ------------------------------------------------------------------------------

def photo_of(person):
    return db.session.get(StoredImage, person.photo_id) if person.photo_id else None


def replace_photo(actor, person, subject_type, file_storage):
    """Store a new photo for a user or child (raises UploadError; then nothing changes)."""
    image = save_image(file_storage, "profile" if subject_type == "user" else "child", uploaded_by=actor)
    db.session.flush()
    old = photo_of(person)
    person.photo_id = image.id
    if old is not None:
        delete_image(old)
    record_change(actor, subject_type, person.id, "foto", ["photo"])
    db.session.commit()
    return image


def remove_photo(actor, person, subject_type):
    old = photo_of(person)
    if old is None:
        return False
    person.photo_id = None
    delete_image(old)
    record_change(actor, subject_type, person.id, "foto verwijderd", ["photo"])
    db.session.commit()
    return True


# --- extra numbers (a parent's "werk", a child's emergency numbers) -----------------------

def numbers_of(user=None, child=None):
    query = select(ContactNumber).order_by(ContactNumber.id)
    if user is not None:
        query = query.where(ContactNumber.user_id == user.id)
    else:
        query = query.where(ContactNumber.child_id == child.id)
    return db.session.scalars(query).all()


def numbers_of_owner(subject_type, owner):
    return numbers_of(user=owner) if subject_type == "user" else numbers_of(child=owner)


def number_for(numbers, number_id):
    """The number with this id among the owner's own numbers, or None (then: 404)."""
    return next((n for n in numbers if n.id == number_id), None)


def _numbers_field(subject_type):
    return "extra_numbers" if subject_type == "user" else "emergency_numbers"


def add_number(actor, subject_type, owner, label, number):
    entry = ContactNumber(label=label, number=number, is_emergency=subject_type == "child")
    if subject_type == "user":
        entry.user_id = owner.id
    else:
        entry.child_id = owner.id
    db.session.add(entry)
    record_change(actor, subject_type, owner.id, "nummer toegevoegd", [_numbers_field(subject_type)])
    db.session.commit()
    return entry


def change_number(actor, subject_type, owner, entry, label, number):
    changed = apply_changes(entry, {"label": label, "number": number})
    if changed:
        record_change(actor, subject_type, owner.id, "nummer gewijzigd", [_numbers_field(subject_type)])
        db.session.commit()
    return changed


def delete_number(actor, subject_type, owner, entry):
    db.session.delete(entry)
    record_change(actor, subject_type, owner.id, "nummer verwijderd", [_numbers_field(subject_type)])
    db.session.commit()

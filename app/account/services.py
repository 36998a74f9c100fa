"""Mijn account: a user's own personal data, contact numbers, photo, notification choices
and moving the login name to a new address. Each function owns its transaction and
records changes of personal data in the audit log (field names only)."""
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import record_change
from app.auth import services as auth_services
from app.extensions import db
from app.jobs import enqueue
from app.jobs.mail import send_account_mail
from app.models import AccountToken, ContactNumber, StoredImage, utcnow
from app.notifications.services import preferences_for, set_preference
from app.storage import delete_image, save_image


def apply_changes(obj, values):
    """Set the attributes that differ; returns their names."""
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


# --- notifications ------------------------------------------------------------------------

def save_notifications(user, enabled_kinds):
    """Switch every notification type on or off: on when in `enabled_kinds`."""
    current = preferences_for(user)
    for kind, was_on in current.items():
        if (kind in enabled_kinds) != was_on:
            set_preference(user, kind, kind in enabled_kinds)
    db.session.commit()
    return preferences_for(user)


# --- moving the login name to the contact address ------------------------------------------

LOGIN_NAME_UNAVAILABLE = ("Dit e-mailadres kan niet als inlognaam worden gebruikt. "
                          "Neem contact op met de school als u denkt dat dit niet klopt.")


def pending_login_change(user):
    """The open (unused, unexpired) request to move the login name, if any."""
    return db.session.scalar(
        select(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == "email",
               AccountToken.used_at.is_(None), AccountToken.expires_at > utcnow())
        .order_by(AccountToken.id.desc())
    )


def request_login_change(user):
    """Send a confirmation link to the contact address; returns a Dutch error or None."""
    from app.email_address import AddressError, normalise_address

    try:  # an address stored before the address rule (app/email_address.py) may not be mailable
        new_login = auth_services.normalise_login(normalise_address(user.email))
    except AddressError as exc:
        return exc.message
    if new_login == user.login_name:
        return "Uw inlognaam is al gelijk aan uw e-mailadres."
    if auth_services.login_name_taken(new_login, exclude_user_id=user.id):
        return LOGIN_NAME_UNAVAILABLE
    auth_services._expire_open_tokens(user, "email")
    raw = auth_services.issue_token(user, "email", current_app.config["EMAIL_CHANGE_TOKEN_HOURS"],
                                    new_email=new_login)
    db.session.commit()
    enqueue(send_account_mail, user.id, "email", raw, to=new_login)
    return None


def confirm_login_change(token):
    """Use a confirmation token: returns (user, error). The login name moves on success."""
    user = token.user
    new_login = auth_services.normalise_login(token.new_email)
    old_login = user.login_name
    if auth_services.login_name_taken(new_login, exclude_user_id=user.id):
        return user, LOGIN_NAME_UNAVAILABLE
    if not auth_services._consume(token):
        return user, "Deze link is al gebruikt."
    user.login_name = new_login
    record_change(user, "user", user.id, "inlognaam", ["login_name"])
    try:
        db.session.commit()
    except IntegrityError:  # taken at the same moment by someone else: the database decides
        db.session.rollback()
        return user, LOGIN_NAME_UNAVAILABLE
    # A notice at both addresses: the old one too, in case this was not the owner.
    for address in (old_login, new_login):
        enqueue(send_account_mail, user.id, "login_changed", None, to=address)
    return user, None

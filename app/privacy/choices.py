"""Privacy choices: the fields and levels, the stored choices, and who may change them
(the owner any level, the office only stricter, with a mail to the parents). See app/privacy."""
from sqlalchemy import or_, select

from app.audit import record_change
from app.extensions import db
from app.models import Guardianship, NotificationEvent, PrivacySetting, Role, VISIBILITY_LEVELS

DEFAULT_LEVEL = "staff"
LEVELS = VISIBILITY_LEVELS

# The fields a parent decides about (key -> label on the Privacy tab).
PARENT_FIELDS = {
    "photo": "Foto",
    "email": "E-mailadres",
    "phone_mobile": "Mobiel nummer",
    "phone_home": "Telefoonnummer thuis",
    "extra_numbers": "Extra telefoonnummers",
    "address": "Adres",
}
# The fields of a child.
CHILD_FIELDS = {
    "photo": "Foto",
    "birthday": "Verjaardag",
    "phone": "Telefoonnummer",
    "email": "E-mailadres",
    "address": "Adres",
}

# The notification kind (and subject type) of the mail about a stricter choice, per owner
# type; registered by app/privacy/mail.py.
MAIL_KINDS = {"child": "privacy_child", "user": "privacy_parent"}


# --- stored choices ---------------------------------------------------------------------

class Levels:
    """The stored levels of a set of users and children, loaded in one query."""

    def __init__(self, user_ids=(), child_ids=()):
        self._levels = {}
        user_ids, child_ids = set(user_ids), set(child_ids)
        if not user_ids and not child_ids:
            return
        clauses = []
        if user_ids:
            clauses.append(PrivacySetting.user_id.in_(user_ids))
        if child_ids:
            clauses.append(PrivacySetting.child_id.in_(child_ids))
        for row in db.session.scalars(select(PrivacySetting).where(or_(*clauses))):
            key = ("user", row.user_id) if row.user_id is not None else ("child", row.child_id)
            self._levels[key + (row.field,)] = row.visibility

    def of_user(self, user_id, name):
        return self._levels.get(("user", user_id, name), DEFAULT_LEVEL)

    def of_child(self, child_id, name):
        return self._levels.get(("child", child_id, name), DEFAULT_LEVEL)


def user_levels(user):
    """{field: level} of a user, for the Privacy tab."""
    levels = Levels(user_ids=[user.id])
    return {name: levels.of_user(user.id, name) for name in PARENT_FIELDS}


def child_levels(child):
    levels = Levels(child_ids=[child.id])
    return {name: levels.of_child(child.id, name) for name in CHILD_FIELDS}


# How far a level opens a field; the office may only go down (stricter).
WIDTH = {"staff": 0, "group": 1, "school": 2}
NOT_YOURS = ("Privacy-keuzes zijn van de ouders. U kunt ze bekijken, maar niet wijzigen.")
ONLY_STRICTER = ("De school kan een privacy-keuze alleen strenger maken. {field} ruimer zetten "
                 "(‘{level}’) kan alleen de ouder zelf.")
STRICTER_ACTION = "privacy strenger (school)"


class PrivacyRefused(ValueError):
    """A change of privacy choices this actor may not make; str() is the Dutch message."""


def change_right(actor, owner_type, owner):
    """"owner" (any level), "stricter" (the office: only narrower) or None (look only)."""
    if owner_type == "user":
        if actor.id == owner.id:
            return "owner"
    else:
        link = db.session.get(Guardianship, (actor.id, owner.id))
        if link is not None:
            return None if link.read_only else "owner"
    if actor.role == Role.ADMIN:
        return "stricter"
    return None


def _save_levels(actor, owner_type, owner, fields, chosen):
    """Store the chosen levels within this actor's right; returns {name: (old, new)} of
    what changed (caller commits). Raises PrivacyRefused before changing anything."""
    right = change_right(actor, owner_type, owner)
    if right is None:
        raise PrivacyRefused(NOT_YOURS)
    for name, level in chosen.items():
        if name not in fields or level not in LEVELS:
            raise ValueError(f"unknown privacy field or level: {name}={level}")
    owner_column = PrivacySetting.user_id if owner_type == "user" else PrivacySetting.child_id
    existing = {
        row.field: row
        for row in db.session.scalars(select(PrivacySetting).where(owner_column == owner.id))
    }
    changes = {}
    for name, level in chosen.items():
        current = existing[name].visibility if name in existing else DEFAULT_LEVEL
        if current != level:
            changes[name] = (current, level)
    if right == "stricter":
        for name, (old, new) in changes.items():
            if WIDTH[new] > WIDTH[old]:
                raise PrivacyRefused(ONLY_STRICTER.format(field=fields[name], level=LEVELS[new]))
    for name, (_, level) in changes.items():
        row = existing.get(name)
        if row is None:
            row = PrivacySetting(field=name, visibility=level)
            setattr(row, owner_column.key, owner.id)
            db.session.add(row)
        else:
            row.visibility = level
    if changes:
        record_change(actor, owner_type, owner.id, "privacy" if right == "owner" else STRICTER_ACTION, list(changes))
    return right, changes


def _record_mail(actor, owner_type, owner, changes):
    """In the transaction of the change: the event of the parents' mail (app/privacy/mail.py).
    A model row, not notifications' record_event: privacy sits below the services."""
    fields = [[name, old, new] for name, (old, new) in changes.items()]
    db.session.add(NotificationEvent(kind=MAIL_KINDS[owner_type], subject_type=MAIL_KINDS[owner_type],
                                     subject_id=owner.id, created_by_id=actor.id, payload={"fields": fields}))


def _save(actor, owner_type, owner, fields, chosen):
    right, changes = _save_levels(actor, owner_type, owner, fields, chosen)
    stricter = bool(changes) and right == "stricter"
    if stricter:
        _record_mail(actor, owner_type, owner, changes)
    db.session.commit()
    if stricter:
        from app.jobs import enqueue

        # At once; by dotted path (the dispatcher imports the kinds, this module among them).
        # If the queue does not answer, the minute tick sends it.
        enqueue("app.jobs.notifications.dispatch_now")
    return list(changes)


def save_user_levels(actor, user, chosen):
    """Store a user's choices ({field: level}) within the actor's right (see the module
    docstring); audited; commits. Returns the changed fields; raises PrivacyRefused."""
    return _save(actor, "user", user, PARENT_FIELDS, chosen)


def save_child_levels(actor, child, chosen):
    """Store a child's choices within the actor's right; audited; commits."""
    return _save(actor, "child", child, CHILD_FIELDS, chosen)

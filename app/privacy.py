"""The one place that decides what another family sees.

Every field of a parent and of a child that another family could see has a privacy level
(models/privacy.py): "staff" (nobody but the school, the default), "group" (parents of
the same group) or "school" (all parents of the school). The rules:

- The owner sees everything: a user their own data, a guardian (also a read-only one)
  their child's data.
- The office (beheerder) sees everything. A teacher sees everything of the pupils of
  their groups and of those pupils' parents (SPEC.md, Roles). For other groups a teacher
  is a member of the school like any parent: "school" fields only.
- "group": the viewer has a current pupil in a group the owner belongs to. A child
  belongs to its current group; a parent to the current groups of their children; a
  teacher to the groups they teach.
- "school": any current parent of the school, and staff.
- Former pupils (and parents with only former pupils) are shown to nobody else.

Who may change the choices (SPEC: "privacy choices belong to the parents"):
- the owner: a user their own, a guardian with a writable link their child's — any level;
- the office: only stricter (a narrower level than stored), audited as such, and the
  parents (each guardian with their own account; for a parent's own field, that parent)
  get a mail after the commit saying which field and that the school did it;
- teachers (and read-only guardians): see the choices, change nothing.
The services below enforce this whatever the form offered; `change_right` tells pages
which form to show.

Pages never hand model objects of another family to templates: they build cards with
`child_card` / `parent_card` / `group_roster`, which contain only the values the viewer
may see. Photos are served through `photo_for`, which applies the same rule.
"""
from dataclasses import dataclass, field

from flask import abort, g, url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.audit import record_change
from app.extensions import db
from app.formatting import MONTHS
from app.names import person_sort_key
from app.models import (
    Child,
    ContactNumber,
    Group,
    Guardianship,
    PrivacySetting,
    Role,
    StoredImage,
    User,
    VISIBILITY_LEVELS,
    group_teachers,
)

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


# --- the viewer -----------------------------------------------------------------------

@dataclass(frozen=True)
class Viewer:
    """Who is looking, with what the rules need (computed once per request)."""

    user_id: int
    is_admin: bool = False
    is_staff: bool = False
    taught: frozenset = frozenset()        # groups whose pupils and parents staff see fully
    groups: frozenset = frozenset()        # current groups of the viewer's children
    own_children: frozenset = frozenset()  # the viewer's children (any link, also read-only)

    @property
    def in_school(self):
        """Staff, or a parent with a current pupil: may see "school" fields."""
        return self.is_staff or bool(self.groups)


def viewer_for(user):
    """The Viewer for this user, cached for the request."""
    cache = g.setdefault("_privacy_viewers", {})
    if user.id in cache:
        return cache[user.id]
    from app.access import taught_group_ids

    rows = db.session.execute(
        select(Child.id, Child.group_id, Child.left_at)
        .join(Guardianship, Guardianship.child_id == Child.id)
        .where(Guardianship.parent_id == user.id)
    ).all()
    viewer = Viewer(
        user_id=user.id,
        is_admin=user.role == Role.ADMIN,
        is_staff=user.is_staff,
        taught=frozenset(taught_group_ids(user)) if user.is_staff else frozenset(),
        groups=frozenset(r.group_id for r in rows if r.left_at is None and r.group_id is not None),
        own_children=frozenset(r.id for r in rows),
    )
    cache[user.id] = viewer
    return viewer


def forget_viewer(user):
    """Drop the cached Viewer (after a change of links within one request, e.g. in tests)."""
    g.get("_privacy_viewers", {}).pop(user.id, None)


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


def _mail_parents(owner_type, owner, changes):
    """After the commit: each parent concerned hears that the school made a choice stricter."""
    from app.jobs import enqueue

    if owner_type == "user":
        recipients = [owner.id]
    else:
        recipients = list(db.session.scalars(
            select(Guardianship.parent_id).where(Guardianship.child_id == owner.id).order_by(Guardianship.parent_id)))
    fields = [[name, old, new] for name, (old, new) in changes.items()]
    for recipient_id in recipients:
        # By dotted path: the job imports this module (its field labels).
        enqueue("app.jobs.privacy.send_privacy_stricter", recipient_id, owner_type, owner.id, fields)


def _save(actor, owner_type, owner, fields, chosen):
    right, changes = _save_levels(actor, owner_type, owner, fields, chosen)
    db.session.commit()
    if changes and right == "stricter":
        _mail_parents(owner_type, owner, changes)
    return list(changes)


def save_user_levels(actor, user, chosen):
    """Store a user's choices ({field: level}) within the actor's right (see the module
    docstring); audited; commits. Returns the changed fields; raises PrivacyRefused."""
    return _save(actor, "user", user, PARENT_FIELDS, chosen)


def save_child_levels(actor, child, chosen):
    """Store a child's choices within the actor's right; audited; commits."""
    return _save(actor, "child", child, CHILD_FIELDS, chosen)


# --- membership of groups ---------------------------------------------------------------

def groups_of_users(user_ids):
    """{user_id: set of group ids}: children's current groups plus groups taught."""
    user_ids = set(user_ids)
    result = {user_id: set() for user_id in user_ids}
    if not user_ids:
        return result
    rows = db.session.execute(
        select(Guardianship.parent_id, Child.group_id)
        .join(Child, Child.id == Guardianship.child_id)
        .where(Guardianship.parent_id.in_(user_ids), Child.left_at.is_(None), Child.group_id.is_not(None))
    ).all()
    rows += db.session.execute(
        select(group_teachers.c.user_id, group_teachers.c.group_id).where(group_teachers.c.user_id.in_(user_ids))
    ).all()
    for user_id, group_id in rows:
        result[user_id].add(group_id)
    return result


# --- the rule -------------------------------------------------------------------------

def may_see_child_field(viewer, child, level):
    if child.id in viewer.own_children or viewer.is_admin:
        return True
    if viewer.is_staff and child.group_id in viewer.taught:
        return True
    if not child.is_current:
        return False
    if level == "school":
        return viewer.in_school
    if level == "group":
        return child.group_id in viewer.groups
    return False


def may_see_user_field(viewer, user_id, owner_groups, level):
    """owner_groups: the owner's groups (groups_of_users)."""
    if user_id == viewer.user_id or viewer.is_admin:
        return True
    if viewer.is_staff and owner_groups & viewer.taught:
        return True
    if not owner_groups:
        return False
    if level == "school":
        return viewer.in_school
    if level == "group":
        return bool(owner_groups & viewer.groups)
    return False


# --- cards: what a template gets ----------------------------------------------------------

@dataclass
class Card:
    """A person as this viewer may see them: name always, the rest only when allowed."""

    id: int
    name: str
    photo_url: str | None = None
    photo_thumb_url: str | None = None
    # (label, value, kind) of the visible, non-empty fields, in the order of the Privacy
    # tab; kind is "tel", "mail" or "text" (how the template links it).
    fields: list = field(default_factory=list)
    # Extra numbers: (label, number), when visible.
    numbers: list = field(default_factory=list)
    parents: list = field(default_factory=list)  # for a child card: its parents' cards


def _photo_urls(photo_id):
    if photo_id is None:
        return None, None
    return (url_for("groups.photo", image_id=photo_id),
            url_for("groups.photo", image_id=photo_id, size="klein"))


def format_address(person):
    line1 = " ".join(part for part in (person.street, person.house_number) if part)
    line2 = " ".join(part for part in (person.postcode, person.city) if part)
    # A foreign address names its country (pupils: Child.country; empty is the Netherlands).
    return ", ".join(part for part in (line1, line2, getattr(person, "country", "")) if part)


def format_birthday(value):
    return f"{value.day} {MONTHS[value.month - 1]}" if value else ""


def _kind(name):
    return "tel" if name.startswith("phone") else "mail" if name == "email" else "text"


def child_card(viewer, child, levels, parents=()):
    """The child's card for this viewer; `levels` is a Levels covering the child."""
    def visible(name):
        return may_see_child_field(viewer, child, levels.of_child(child.id, name))

    card = Card(id=child.id, name=child.name, parents=list(parents))
    if visible("photo"):
        card.photo_url, card.photo_thumb_url = _photo_urls(child.photo_id)
    values = {
        "birthday": format_birthday(child.birth_date),
        "phone": child.phone,
        "email": child.email,
        "address": format_address(child),
    }
    for name, label in CHILD_FIELDS.items():
        if name in values and values[name] and visible(name):
            card.fields.append((label, values[name], _kind(name)))
    return card


def parent_card(viewer, user, owner_groups, levels, numbers=()):
    """A parent's (or teacher's) card; `numbers` are the user's extra ContactNumbers."""
    def visible(name):
        return may_see_user_field(viewer, user.id, owner_groups, levels.of_user(user.id, name))

    card = Card(id=user.id, name=user.name)
    if visible("photo"):
        card.photo_url, card.photo_thumb_url = _photo_urls(user.photo_id)
    values = {
        "email": user.email,
        "phone_mobile": user.phone_mobile,
        "phone_home": user.phone_home,
        "address": format_address(user),
    }
    for name, label in PARENT_FIELDS.items():
        if name in values and values[name] and visible(name):
            card.fields.append((label, values[name], _kind(name)))
    if numbers and visible("extra_numbers"):
        card.numbers = [(n.label, n.number) for n in numbers]
    return card


@dataclass
class Roster:
    group: Group
    teachers: list
    pupils: list
    is_own: bool  # the viewer's child is in it (parent) or the viewer teaches it (staff)


def group_roster(viewer, group):
    """Teachers and current pupils of a group with their parents, filtered for the viewer.

    A fixed number of queries however big the group.
    """
    children = db.session.scalars(
        select(Child)
        .where(Child.group_id == group.id, Child.left_at.is_(None))
        .options(selectinload(Child.guardianships).selectinload(Guardianship.parent))
        .order_by(Child.sort_name, Child.id)
    ).all()
    teachers = sorted(group.teachers, key=person_sort_key)
    parents = {link.parent.id: link.parent for c in children for link in c.guardianships
               if link.parent.is_active}
    people_ids = set(parents) | {t.id for t in teachers}
    levels = Levels(user_ids=people_ids, child_ids=[c.id for c in children])
    memberships = groups_of_users(people_ids)
    numbers = {}
    if parents:
        for number in db.session.scalars(
            select(ContactNumber)
            .where(ContactNumber.user_id.in_(parents), ContactNumber.is_emergency.is_(False))
            .order_by(ContactNumber.id)
        ):
            numbers.setdefault(number.user_id, []).append(number)

    parent_cards = {
        pid: parent_card(viewer, p, memberships[pid], levels, numbers.get(pid, ()))
        for pid, p in parents.items()
    }
    pupils = []
    for child in children:
        own_parents = sorted(
            (link.parent for link in child.guardianships if link.parent.id in parent_cards),
            key=person_sort_key,
        )
        pupils.append(child_card(viewer, child, levels, [parent_cards[p.id] for p in own_parents]))
    teacher_cards = [parent_card(viewer, t, memberships[t.id], levels) for t in teachers]
    is_own = group.id in (viewer.taught if viewer.is_staff else viewer.groups)
    return Roster(group=group, teachers=teacher_cards, pupils=pupils, is_own=is_own)


# --- photos ------------------------------------------------------------------------------

def photo_for(viewer, image_id):
    """A profile or pupil photo this viewer may see, or 404 (also when hidden by privacy)."""
    image = db.session.get(StoredImage, image_id)
    if image is None or image.purpose not in ("profile", "child"):
        abort(404)
    owner = db.session.scalar(select(User).where(User.photo_id == image.id))
    if owner is not None:
        level = Levels(user_ids=[owner.id]).of_user(owner.id, "photo")
        if may_see_user_field(viewer, owner.id, groups_of_users([owner.id])[owner.id], level):
            return image
        abort(404)
    child = db.session.scalar(select(Child).where(Child.photo_id == image.id))
    if child is not None:
        if may_see_child_field(viewer, child, Levels(child_ids=[child.id]).of_child(child.id, "photo")):
            return image
    abort(404)


def own_photo_urls(photo_id):
    """Photo URLs of the viewer's own (or own child's) photo; the route checks again."""
    return _photo_urls(photo_id)

"""What a template gets: cards of children and parents, a group's roster and photos, each
holding only what the viewer may see. See app/privacy."""
from dataclasses import dataclass, field

from flask import abort, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.formatting import MONTHS
from app.models import Child, ContactNumber, Group, Guardianship, StoredImage, User
from app.names import person_sort_key
from app.privacy.choices import CHILD_FIELDS, PARENT_FIELDS, Levels
from app.privacy.rules import groups_of_users, may_see_child_field, may_see_user_field


# --- cards: what a template gets ----------------------------------------------------------

@dataclass
class Card:
    """A person as this viewer may see them: name always, the rest only when allowed."""

    id: int
    name: str
    photo_url: str | None = None
    photo_thumb_url: str | None = None
    # (label, value, input_type) of the visible, non-empty fields, in the order of the Privacy
    # tab; input_type is "tel", "mail" or "text" (how the template links it).
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


def _input_type(name):
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
            card.fields.append((label, values[name], _input_type(name)))
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
            card.fields.append((label, values[name], _input_type(name)))
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

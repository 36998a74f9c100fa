"""The rule: who is looking (Viewer) and whether they may see a field at its level. See app/privacy."""
from dataclasses import dataclass

from flask import g
from sqlalchemy import select

from app.access import taught_group_ids
from app.extensions import db
from app.models import Child, Guardianship, Role, group_teachers


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

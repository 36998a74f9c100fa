"""The one place that decides which children, groups and items a user reaches.

Routes get their objects through these helpers; each answers 404 when the user may not
reach the object, so another family's IDs cannot be guessed into view. Gesprekken (which
conversations a user reaches) are in app/access/conversations.py.
"""
from functools import wraps

from flask import abort, g, has_request_context
from flask_login import current_user, login_required
from sqlalchemy import event, select
from sqlalchemy.orm import Session, joinedload

from app.extensions import db
from app.models import (
    ROUND_CONCEPT, Child, ChildNote, Group, Guardianship, MeetingInvitation, MeetingRound, Role, group_teachers,
)


# --- roles -----------------------------------------------------------------------------

def staff_required(view):
    """Teachers and the school office."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def admin_required(view):
    """The school office (beheerder) only."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role != Role.ADMIN:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


# --- groups ----------------------------------------------------------------------------

def _per_request(cache_name):
    """Remember a user's group ids for the rest of the request (Home asks five panels).

    Only inside a request, and forgotten at every commit, so a change made in this
    request is seen by what comes after it.
    """
    def decorate(compute):
        @wraps(compute)
        def cached(user):
            if not has_request_context() or user.id is None:
                return compute(user)
            return set(remembered((cache_name, user.id), lambda: frozenset(compute(user))))
        return cached
    return decorate


def remembered(key, compute):
    """compute() once per request under `key` (outside a request: every time); forgotten at
    every commit, like the group ids above. app/privacy/consent.py keeps its answers here."""
    if not has_request_context():
        return compute()
    memo = g.setdefault("_access_memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


@event.listens_for(Session, "after_commit")
def _forget_group_ids(session):
    if has_request_context():
        g.pop("_access_memo", None)


@_per_request("taught")
def taught_group_ids(user):
    """Groups whose content a staff member manages: a teacher's own, or all for the office."""
    if user.role == Role.ADMIN:
        return set(db.session.scalars(select(Group.id)))
    if user.role == Role.TEACHER:
        return set(db.session.scalars(
            select(group_teachers.c.group_id).where(group_teachers.c.user_id == user.id)
        ))
    return set()


@_per_request("parent")
def parent_group_ids(user):
    """The current groups of a parent's children (former pupils give no access)."""
    return set(db.session.scalars(
        select(Child.group_id)
        .join(Guardianship, Guardianship.child_id == Child.id)
        .where(Guardianship.parent_id == user.id, Child.left_at.is_(None), Child.group_id.is_not(None))
    ))


def reachable_group_ids(user):
    """Groups whose group-only content this user may read."""
    if user.is_staff:
        return taught_group_ids(user)
    return parent_group_ids(user)


# --- children --------------------------------------------------------------------------

def children_of(user):
    """A parent's children with their guardianship (read-only flag), oldest group first."""
    rows = db.session.execute(
        select(Child, Guardianship.read_only)
        .join(Guardianship, Guardianship.child_id == Child.id)
        .where(Guardianship.parent_id == user.id)
        .order_by(Child.first_name)
    ).all()
    return rows


def pupil_or_404(child_id):
    """A pupil for staff, or 404 — also for an erased one (the retention period passed: its
    row only anchors the consent history of photos that still exist)."""
    child = db.session.get(Child, child_id)
    if child is None or child.erased_at is not None:
        abort(404)
    return child


def guardianship_for(user, child_id):
    """The user's link to this child, or 404."""
    link = db.session.get(Guardianship, (user.id, child_id)) if user.is_parent else None
    if link is None:
        abort(404)
    return link


def child_for(user, child_id, write=False):
    """A child the user may see: their own (parent) or a pupil of their groups (staff).

    With write=True a read-only guardian gets 403: they see, but cannot change.
    """
    if user.is_staff:
        child = pupil_or_404(child_id)
        if child.group_id not in taught_group_ids(user) and user.role != Role.ADMIN:
            abort(404)
        return child
    link = guardianship_for(user, child_id)
    if write and link.read_only:
        abort(403)
    return link.child


def can_edit_child(user, child):
    if user.is_staff:
        return True
    link = db.session.get(Guardianship, (user.id, child.id))
    return link is not None and not link.read_only


# --- school-wide or group items (news, agenda, documents, messages, albums) ---------------
#
# A content model has a boolean column `school_wide` and a relationship `groups` (its
# audience groups, through an association table). An item is for the whole school, or for
# one or more groups. Parents see school-wide items and those of their children's current
# groups; teachers those of their groups and school-wide ones; the office everything.

# What a parent whose account is not linked to a child yet may read (school-wide only).
OPEN_BEFORE_LINK = {"NewsItem", "Document", "AgendaItem", "Message"}


def is_linked(user):
    """Whether this account is linked to any child (current or former pupil)."""
    return db.session.scalar(select(Guardianship.child_id).where(Guardianship.parent_id == user.id).limit(1)) is not None


def visible_clause(user, model):
    """A WHERE clause selecting the items of `model` this user may read."""
    from sqlalchemy import false, or_, true

    if user.role == Role.ADMIN:
        return true()
    group_ids = reachable_group_ids(user)
    if user.is_parent and not group_ids:
        # Not yet linked to any child: what is for every parent (the manual, news), so the
        # account is of use while the office links it; never photos. Only former pupils:
        # no current content.
        if model.__name__ in OPEN_BEFORE_LINK and not is_linked(user):
            return model.school_wide.is_(True)
        return false()
    return or_(model.school_wide.is_(True), model.groups.any(Group.id.in_(group_ids)))


def item_for(user, model, item_id):
    """One item the user may read, or 404 (also when it exists but is another group's)."""
    item = db.session.scalar(select(model).where(model.id == item_id, visible_clause(user, model)))
    if item is None:
        abort(404)
    return item


def can_manage(user, item):
    """Staff may change an item when it is wholly theirs: the office any item, a teacher
    only group items all of whose groups they teach (never school-wide ones)."""
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.TEACHER or item.school_wide or not item.groups:
        return False
    return {group.id for group in item.groups} <= taught_group_ids(user)


def managed_item_for(user, model, item_id):
    """An item for a Beheer page: 404 unless this staff member may manage it."""
    item = db.session.get(model, item_id)
    if item is None or not user.is_staff or not can_manage(user, item):
        abort(404)
    return item


def managed_clause(user, model):
    """A WHERE clause for the items a staff member manages (lists in Beheer)."""
    from sqlalchemy import and_, false, true

    if user.role == Role.ADMIN:
        return true()
    if user.role != Role.TEACHER:
        return false()
    mine = taught_group_ids(user)
    return and_(
        model.school_wide.is_(False),
        model.groups.any(),
        ~model.groups.any(Group.id.not_in(mine)),
    )


def check_audience(user, school_wide, group_ids):
    """Validate an audience chosen in a staff form; returns a Dutch error or None."""
    if school_wide:
        if user.role != Role.ADMIN:
            return "Alleen de schooladministratie kan iets voor de hele school plaatsen."
        return None
    if not group_ids:
        return "Kies de hele school of minstens één groep."
    if not set(group_ids) <= taught_group_ids(user):
        return "U kunt alleen iets plaatsen voor uw eigen groep(en)."
    return None


def note_for_staff(user, note_id):
    """A note this staff member may change: on a child of their groups (office: any), or 404."""
    note = db.session.get(ChildNote, note_id)
    if note is None or not user.is_staff:
        abort(404)
    if not user.is_admin and note.child.group_id not in taught_group_ids(user):
        abort(404)
    return note


# --- meetings ---------------------------------------------------------------------------

def round_for_staff(user, round_id):
    """A round of one of this staff member's groups (the office: any), or 404."""
    round_ = db.session.get(MeetingRound, round_id)
    if round_ is None or not user.is_staff or round_.group_id not in taught_group_ids(user):
        abort(404)
    return round_


def invitation_for_parent(user, round_id, child_id, write=False):
    """The invitation of the parent's own child to an open or closed round, or 404.

    Another family's child, a round the child is not invited to and a concept round all
    answer 404; with write=True a read-only guardian gets 403 (sees, cannot change).
    """
    if not user.is_parent:
        abort(404)
    child = child_for(user, child_id, write=write)
    invitation = db.session.scalar(
        select(MeetingInvitation)
        .join(MeetingRound, MeetingRound.id == MeetingInvitation.round_id)
        .where(MeetingInvitation.round_id == round_id, MeetingInvitation.child_id == child.id,
               MeetingRound.status != ROUND_CONCEPT)
        .options(joinedload(MeetingInvitation.round).joinedload(MeetingRound.group),
                 joinedload(MeetingInvitation.child))
    )
    if invitation is None:
        abort(404)
    return invitation


# --- absence and leave ----------------------------------------------------------------------
#
# Never a phone list: a child's guardians (a read-only link too) see the child's reports and
# leave requests; a teacher those of the pupils of the groups they teach (current group); the
# office all, and only the office decides on leave. Nobody else sees anything of them: no
# other parent (no count, no "absent" mark anywhere), no teacher of another group. Who may
# *make* a report or request: a guardian with a writable link (a read-only link cannot: the
# school decides, as for the child's data), and staff for the pupils they see.

def absence_child_clause(user, child_id_column):
    """The children whose absence and leave this user may see (a WHERE on a child id column)."""
    from sqlalchemy import exists, false, true

    if user.role == Role.ADMIN:
        return true()
    if user.role == Role.TEACHER:
        return child_id_column.in_(select(Child.id).where(Child.group_id.in_(taught_group_ids(user))))
    if user.role == Role.PARENT:
        return exists().where(Guardianship.parent_id == user.id, Guardianship.child_id == child_id_column)
    return false()


def absence_writable_clause(user, child_id_column):
    """The children this user may report absent or ask leave for."""
    from sqlalchemy import exists

    if user.is_staff:
        return absence_child_clause(user, child_id_column)
    return exists().where(Guardianship.parent_id == user.id, Guardianship.child_id == child_id_column,
                          Guardianship.read_only.is_(False))


def report_clause(user):
    """The absence reports this user may see."""
    from app.models import AbsenceReport

    return absence_child_clause(user, AbsenceReport.child_id)


def leave_clause(user):
    """The leave requests this user may see: with a child of theirs (parent), with a pupil of
    their groups (teacher: to see, not to decide), or any (the office)."""
    from sqlalchemy import exists, true

    from app.models import LeaveRequest, leave_request_children

    if user.role == Role.ADMIN:
        return true()
    return exists().where(leave_request_children.c.request_id == LeaveRequest.id,
                          absence_child_clause(user, leave_request_children.c.child_id))


def may_decide_leave(user):
    """Only the office (directie and administratie) decides on leave."""
    return user.role == Role.ADMIN


def reportable_children(user):
    """The current pupils this user may report absent or ask leave for, by first name: a
    parent's children with a writable link; staff's pupils."""
    return list(db.session.scalars(
        select(Child).where(Child.left_at.is_(None), Child.group_id.is_not(None), Child.erased_at.is_(None),
                            absence_writable_clause(user, Child.id))
        .order_by(Child.first_name, Child.last_name)))


def absence_report_for(user, report_id, write=False):
    """A report this user may see, or 404; write=True: a read-only guardian gets 403."""
    from app.models import AbsenceReport

    report = db.session.scalar(select(AbsenceReport).where(AbsenceReport.id == report_id, report_clause(user)))
    if report is None:
        abort(404)
    if write and user.is_parent and db.session.get(Guardianship, (user.id, report.child_id)).read_only:
        abort(403)
    return report


def leave_request_for(user, request_id, write=False):
    """A leave request this user may see, or 404. write=True: a parent needs a writable link
    to every child of the request, staff must be the office (403 otherwise)."""
    from app.models import LeaveRequest

    request_ = db.session.scalar(select(LeaveRequest).where(LeaveRequest.id == request_id, leave_clause(user)))
    if request_ is None:
        abort(404)
    if write:
        if user.is_staff and not may_decide_leave(user):
            abort(403)
        if user.is_parent:
            links = [db.session.get(Guardianship, (user.id, child.id)) for child in request_.children]
            if any(link is None or link.read_only for link in links):
                abort(403)
    return request_


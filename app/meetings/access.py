"""Which meeting round or invitation a user reaches, or 404 (403 for a read-only guardian
who wants to change), as app/access.py does for children and groups."""
from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.access import child_for, taught_group_ids
from app.extensions import db
from app.models import ROUND_CONCEPT, MeetingInvitation, MeetingRound


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

"""Meeting rounds in Beheer: the list, making and deleting one, its title and information,
and opening and closing the planning (which tells the parents)."""
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload

from app.access import taught_group_ids
from app.extensions import db
from app.meetings.rules import MeetingError
from app.meetings.services.notices import note_info_change, send_at_once
from app.models import (
    ROUND_CLOSED,
    ROUND_CONCEPT,
    ROUND_OPEN,
    Group,
    MeetingInvitation,
    MeetingReservation,
    MeetingRound,
    MeetingSlot,
    utcnow,
)
from app.notifications.services import record_event


def rounds_for_staff(user):
    ids = taught_group_ids(user)
    booked = (
        select(func.count(MeetingReservation.id)).where(MeetingReservation.round_id == MeetingRound.id)
        .scalar_subquery()
    )
    invited = (
        select(func.count(MeetingInvitation.id)).where(MeetingInvitation.round_id == MeetingRound.id)
        .scalar_subquery()
    )
    return db.session.execute(
        select(MeetingRound, invited, booked)
        .join(Group, Group.id == MeetingRound.group_id)
        .where(MeetingRound.group_id.in_(ids))
        .options(joinedload(MeetingRound.group), selectinload(MeetingRound.days))
        .order_by(MeetingRound.id.desc())
    ).unique().all()


def create_round(user, group_id, title, info):
    if group_id not in taught_group_ids(user):
        raise MeetingError("U kunt alleen een gespreksronde maken voor uw eigen groep(en).")
    round_ = MeetingRound(group_id=group_id, title=title.strip(), info=(info or "").strip(),
                          status=ROUND_CONCEPT, created_by_id=user.id)
    db.session.add(round_)
    db.session.commit()
    return round_


def update_round(user, round_, title, info):
    """Save title and information text. A new information text in a round the parents
    already see is news: the invited families are told what changed (one mail per save,
    saves not yet mailed are taken together)."""
    new_info = (info or "").strip()
    old_info = round_.info or ""
    round_.title = title.strip()
    round_.info = new_info
    told = False
    if not round_.is_concept and new_info != old_info:
        told = note_info_change(user, round_, info=(old_info, new_info))
    db.session.commit()
    if told:
        send_at_once()
    return told


def delete_round(round_):
    if not round_.is_concept:
        raise MeetingError("Alleen een gespreksronde in concept kan worden verwijderd.")
    db.session.delete(round_)
    db.session.commit()


def open_round(user, round_):
    if not round_.is_concept:
        raise MeetingError("Deze gespreksronde is al geopend.")
    free = db.session.scalar(select(func.count()).select_from(MeetingSlot)
                             .where(MeetingSlot.round_id == round_.id, MeetingSlot.blocked.is_(False)))
    if not free:
        raise MeetingError("Voeg eerst een dag met tijdsloten toe.")
    if not round_.invitations:
        raise MeetingError("Nodig eerst minstens één leerling uit.")
    # Only one of two simultaneous clicks changes the status (the row lock decides).
    if not _change_status(round_, ROUND_CONCEPT, ROUND_OPEN, opened_at=utcnow()):
        raise MeetingError("Deze gespreksronde is zojuist al geopend.")
    record_event("meeting_opened", "meeting_round", round_.id, actor=user)
    db.session.commit()
    send_at_once()


def close_round(user, round_):
    """'Planning sluiten': parents can change nothing more and get their final times.
    Two clicks at the same moment close once and record one final event."""
    if not round_.is_open:
        raise MeetingError("Alleen een geopende planning kan worden gesloten.")
    if not _change_status(round_, ROUND_OPEN, ROUND_CLOSED, closed_at=utcnow()):
        raise MeetingError("De planning is zojuist al gesloten.")
    record_event("meeting_final", "meeting_round", round_.id, actor=user)
    db.session.commit()
    send_at_once()


def _change_status(round_, current, new, **values):
    """UPDATE ... WHERE status = current: True for the one transaction that changes it."""
    changed = db.session.execute(
        update(MeetingRound).where(MeetingRound.id == round_.id, MeetingRound.status == current)
        .values(status=new, **values).execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        return False
    db.session.expire(round_)
    return True

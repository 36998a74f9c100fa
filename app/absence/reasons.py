"""The list of reasons the office keeps (Beheer › Afwezigheid › Instellingen).

A new portal starts with DEFAULT_REASONS (the migration adds them; `add_defaults` does the
same for a database made from the models, e.g. the demo and the tests). The office adds,
renames, reorders and switches reasons off; a reason that reports use is never deleted.
"""
from sqlalchemy import func, select

from app.extensions import db
from app.models import AbsenceReason

# (name, excused, needs_note, staff_only)
DEFAULT_REASONS = (
    ("Ziek", True, False, False),
    ("Bezoek huisarts of tandarts", True, False, False),
    ("Bezoek specialist of ziekenhuis", True, False, False),
    ("Religieuze feestdag", True, False, False),
    ("Overig", True, True, False),
    ("Te laat", False, False, True),
    ("Ongeoorloofd afwezig", False, False, True),
)


def add_defaults():
    """The default reasons, when there are none yet (caller commits)."""
    if db.session.scalar(select(func.count()).select_from(AbsenceReason)):
        return
    for position, (name, excused, needs_note, staff_only) in enumerate(DEFAULT_REASONS):
        db.session.add(AbsenceReason(name=name, position=position, excused=excused, needs_note=needs_note,
                                     staff_only=staff_only))


def reasons(for_staff=False, include_inactive=False):
    """The reasons a form offers, in the office's order: parents get neither the staff-only
    nor the switched-off ones."""
    query = select(AbsenceReason).order_by(AbsenceReason.position, AbsenceReason.id)
    if not include_inactive:
        query = query.where(AbsenceReason.active.is_(True))
    if not for_staff:
        query = query.where(AbsenceReason.staff_only.is_(False))
    return list(db.session.scalars(query))

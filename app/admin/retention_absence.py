"""The second retention period: what the retention job (app/admin/retention.py) keeps of a
former pupil for the leerplicht administration, and until when.

Absence records and leave decisions are kept 5 years after the pupil left (Child.left_at;
the research: Kennisnet and VBSO on the Leerplichtwet, /work/shared/research/consent-absence.md
§1b), longer than the rest of the pupil's file (the setting "retention.years", default 2).
So when a pupil is erased after 2 years:

- kept: the pupil's absence reports that were not withdrawn (dates, part of the day,
  reason, note, excused, late, who reported: an erased parent reads "Gewist account"), and
  the links to their leave requests that were not withdrawn (pending, forwarded, granted
  or refused, with the reason, the checks, the decision and its reason, the statement file);
- kept on the children row, only while such records are kept: the first and last name and
  the birth date — records that do not say whose they are are useless when the
  leerplichtambtenaar asks about a former pupil — and the date the pupil left (the start
  of both periods). Not the student number: it is the key by which a pupil import
  recognises a pupil, and an erased row must never be taken for a returning one. Address,
  phone, e-mail, gender and photo go at 2 years as for every pupil;
- withdrawn reports and withdrawn leave requests are no record of an absence or a decision:
  they go at 2 years with the rest.

On the day after the 5th anniversary of leaving (add_years: left on 29 February, the period
ends on 28 February), the daily job removes the reports and the links, every leave request
with no pupil left (and its statement file), and then the name and birth date: the row is
"Oud-leerling" like every erased pupil. A pupil without absence records is erased at 2
years exactly as before.
"""
from sqlalchemy import exists, func, select

from app.absence.statements import remove_file
from app.admin.retention_dates import add_years
from app.extensions import db
from app.models import AbsenceReport, Child, LeaveRequest, leave_request_children

ABSENCE_YEARS = 5
ERASED_NAME = "Oud-leerling"
# The columns of an erased pupil's row that stay while absence records are kept, and what
# they become after.
IDENTITY = {"first_name": ERASED_NAME, "last_name": "", "birth_date": None}
TABLES = ("absence_reports", "leave_request_children")


def kept_until(left_at):
    """The last day a pupil's absence records are kept (the 5th anniversary of leaving)."""
    return add_years(left_at, ABSENCE_YEARS)


def still_needed(child, today):
    """The 5-year rule: the pupil left no more than 5 years ago."""
    return child.left_at is not None and today <= kept_until(child.left_at)


def kept_reports(table):
    """Of a pupil's reports, those that stay: not withdrawn."""
    return table.c.withdrawn_at.is_(None)


def kept_leave_links(table):
    """Of a pupil's links to leave requests, those that stay: the request was not withdrawn."""
    return table.c.request_id.in_(select(LeaveRequest.id).where(LeaveRequest.status != "ingetrokken"))


def _records_clause(child_id_column):
    return (exists().where(AbsenceReport.child_id == child_id_column)
            | exists().where(leave_request_children.c.child_id == child_id_column))


def has_records(child_id):
    return bool(db.session.scalar(select(_records_clause(child_id))))


def keeps_identity(child):
    """An erased pupil whose name and birth date are still on the row."""
    return child.erased_at is not None and any(getattr(child, name) != value for name, value in IDENTITY.items())


def pupils_with_identity():
    """Erased pupils whose name is still kept (their records, or their end, are due)."""
    return list(db.session.scalars(
        select(Child).where(Child.erased_at.is_not(None),
                            (Child.first_name != ERASED_NAME) | (Child.last_name != "") | Child.birth_date.is_not(None))
        .order_by(Child.id)))


def remove_orphan_requests():
    """Delete every leave request that has no pupil left (the caller commits); returns the
    names of their statement files, to remove with `remove_files` after the commit."""
    orphans = db.session.execute(
        select(LeaveRequest.id, LeaveRequest.statement_stored)
        .where(~exists().where(leave_request_children.c.request_id == LeaveRequest.id))).all()
    if orphans:
        db.session.execute(LeaveRequest.__table__.delete().where(LeaveRequest.id.in_([row.id for row in orphans])))
    return [row.statement_stored for row in orphans if row.statement_stored]


def remove_files(stored_names):
    for name in stored_names:
        remove_file(name)


def records_until(due):
    """{child id: last day kept} for the pupils in `due` ({child id: the day they are erased})
    whose absence records will be kept past that day."""
    if not due:
        return {}
    rows = db.session.execute(select(Child.id, Child.left_at).where(
        Child.id.in_(list(due)), Child.left_at.is_not(None),
        exists().where(AbsenceReport.child_id == Child.id, kept_reports(AbsenceReport.__table__))
        | exists().where(leave_request_children.c.child_id == Child.id, kept_leave_links(leave_request_children)))).all()
    return {child_id: kept_until(left_at) for child_id, left_at in rows if kept_until(left_at) >= due[child_id]}


def kept_pupils():
    """What Beheer › Bewaartermijn lists: erased pupils whose absence records are kept, as
    (pupil, last day kept, number of reports, number of leave requests), the soonest first."""
    pupils = db.session.scalars(select(Child).where(Child.erased_at.is_not(None), _records_clause(Child.id))).all()
    ids = [child.id for child in pupils]
    reports = dict(db.session.execute(select(AbsenceReport.child_id, func.count()).where(
        AbsenceReport.child_id.in_(ids)).group_by(AbsenceReport.child_id)).all()) if ids else {}
    leave = dict(db.session.execute(select(leave_request_children.c.child_id, func.count()).where(
        leave_request_children.c.child_id.in_(ids)).group_by(leave_request_children.c.child_id)).all()) if ids else {}
    found = [(child, kept_until(child.left_at), reports.get(child.id, 0), leave.get(child.id, 0))
             for child in pupils if child.left_at is not None]
    return sorted(found, key=lambda row: (row[1], row[0].sort_name, row[0].id))

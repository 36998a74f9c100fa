"""What the parents' pages of Afwezigheid show: per child its current and coming reports
and this school year's earlier ones, the family's leave requests, and for Home the
reports that run today. Each is a bounded number of queries (children, reports, leave
requests), whatever the family's history.

Only the family's own children (a read-only link too) through app.access; what a page
shows of a report is app.privacy.absence.report_row. Which buttons a report gets is
decided here, once: "Wijzigen"/"Intrekken" before it starts, "Weer beter melden" after,
and nothing for a read-only link.
"""
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app import clock
from app.absence import calendar
from app.absence.reports import recovery_refusal, until_text
from app.access import children_of, leave_clause
from app.extensions import db
from app.models import AbsenceReport, Child, Guardianship, LeaveRequest
from app.privacy.absence import report_row


@dataclass
class ReportView:
    row: object                  # app.privacy.absence.ReportRow
    started: bool
    may_change: bool = False     # Wijzigen / Intrekken
    may_recover: bool = False    # Weer beter melden

    @property
    def until(self):
        return until_text(self.row.start_date, self.row.end_date)


@dataclass
class ChildBlock:
    child: Child
    read_only: bool
    current: list = field(default_factory=list)
    earlier: list = field(default_factory=list)


def family_children(user):
    """[(child, read_only)] of the parent's current pupils, by first name."""
    return [(child, read_only) for child, read_only in children_of(user)
            if child.left_at is None and child.group_id is not None and child.erased_at is None]


def writable_children(user):
    return [child for child, read_only in family_children(user) if not read_only]


def _reports(child_ids, school_year, today):
    if not child_ids:
        return []
    return db.session.scalars(
        select(AbsenceReport)
        .where(AbsenceReport.child_id.in_(child_ids), AbsenceReport.withdrawn_at.is_(None),
               or_(AbsenceReport.school_year == school_year, AbsenceReport.end_date.is_(None),
                   AbsenceReport.end_date >= today))
        .order_by(AbsenceReport.start_date, AbsenceReport.id)
        .options(joinedload(AbsenceReport.reason), joinedload(AbsenceReport.child).joinedload(Child.group))
    ).unique().all()


def view_of(report, writable, now):
    started = calendar.has_started(report.start_date, report.part, now)
    by_school = report.reason is not None and report.reason.staff_only
    return ReportView(
        row=report_row(report), started=started,
        may_change=writable and not started and not by_school,
        may_recover=writable and started and not by_school and recovery_refusal(report, now) is None)


def is_current(report, today):
    return report.end_date is None or report.end_date >= today


def family_overview(user):
    """[ChildBlock] of the parent's current children: current/coming reports (first day
    first) and this school year's earlier ones (latest first)."""
    now = clock.now()
    today, year = now.date(), clock.school_year(now.date())
    blocks = {child.id: ChildBlock(child, read_only) for child, read_only in family_children(user)}
    for report in _reports(list(blocks), year, today):
        block = blocks[report.child_id]
        view = view_of(report, not block.read_only, now)
        (block.current if is_current(report, today) else block.earlier).append(view)
    for block in blocks.values():
        block.earlier.reverse()
    return list(blocks.values())


def family_leave(user):
    """The leave requests with a child of this parent, this school year's and coming ones,
    latest first day first."""
    today = clock.today()
    return db.session.scalars(
        select(LeaveRequest)
        .where(leave_clause(user), or_(LeaveRequest.school_year == clock.school_year(today),
                                       LeaveRequest.last_day >= today))
        .order_by(LeaveRequest.first_day.desc(), LeaveRequest.id.desc())
        .options(selectinload(LeaveRequest.children))
    ).all()


def reports_today(user):
    """Home: [ReportView] of the parent's children absent today (started or starting today,
    not ended), in one query (Home asks it on every render)."""
    now = clock.now()
    today = now.date()
    rows = db.session.execute(
        select(AbsenceReport, Guardianship.read_only)
        .join(Guardianship, Guardianship.child_id == AbsenceReport.child_id)
        .join(AbsenceReport.child)
        .where(Guardianship.parent_id == user.id, Child.left_at.is_(None), Child.group_id.is_not(None),
               Child.erased_at.is_(None), AbsenceReport.withdrawn_at.is_(None), AbsenceReport.start_date <= today,
               or_(AbsenceReport.end_date.is_(None), AbsenceReport.end_date >= today))
        .order_by(Child.first_name, AbsenceReport.start_date)
        .options(contains_eager(AbsenceReport.child).joinedload(Child.group), joinedload(AbsenceReport.reason))
    ).unique().all()
    return [view_of(report, not read_only, now) for report, read_only in rows]

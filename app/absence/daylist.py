"""The day list (Beheer › Afwezigheid): per group, who is absent on a day and who is present.

A teacher sees the groups they teach, the office every group (in the school's order). Per
group: the reports covering the day (withdrawn ones count nowhere), the granted leave
covering it ("Verlof"), and the present pupils: every other current pupil of the group.
Never a phone list: a row is app.privacy.absence.report_row's (name, reason, note, dates),
never a phone number, address or e-mail address.

The queries are the same few whatever the number of groups and pupils.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import abort
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from app import clock
from app.absence.calendar import holiday_on, is_school_day, next_school_day, previous_school_day
from app.access import taught_group_ids
from app.extensions import db
from app.models import LEAVE_KINDS, AbsenceReport, Child, Group, LeaveRequest, leave_request_children
from app.privacy.absence import report_row

# The days the list can show: a typing error in ?dag= gets a Dutch message, not a 500.
FIRST_DAY = date(2000, 1, 1)
AHEAD = timedelta(days=2 * 366)


class DayError(ValueError):
    """A ?dag= the list cannot show (the message is Dutch)."""


def parse_day(value, today=None):
    """?dag=YYYY-MM-DD as a date; None or "" is today. Raises DayError."""
    today = today or clock.today()
    if value in (None, ""):
        return today
    try:
        day = date.fromisoformat(value.strip()) if len(value.strip()) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise DayError("Die datum bestaat niet. Kies een datum als 2026-12-02.")
    if not FIRST_DAY <= day <= today + AHEAD:
        raise DayError(f"Kies een datum van 1 januari {FIRST_DAY.year} tot twee jaar vooruit.")
    return day


def groups_for(user):
    """The groups whose day list this staff member sees, in the school's order."""
    ids = taught_group_ids(user)
    if not ids:
        return []
    return list(db.session.scalars(select(Group).where(Group.id.in_(ids)).order_by(Group.sort_order, Group.name)))


def chosen_groups(groups, group_id):
    """All `groups`, or the one chosen (404 for a group this user does not see)."""
    if group_id is None:
        return groups
    chosen = [group for group in groups if group.id == group_id]
    if not chosen:
        abort(404)
    return chosen


@dataclass(frozen=True)
class LeaveRow:
    """Granted leave covering the day: "Verlof"."""

    request_id: int
    child_id: int
    kind: str
    first_day: date
    last_day: date

    @property
    def kind_label(self):
        return LEAVE_KINDS.get(self.kind, self.kind)


@dataclass
class GroupDay:
    group: Group
    reports: list = field(default_factory=list)  # [ReportRow]
    leave: list = field(default_factory=list)  # [(child, LeaveRow)]
    present: list = field(default_factory=list)  # [Child]
    total: int = 0

    @property
    def absent(self):
        return self.total - len(self.present)


@dataclass
class DayList:
    day: date
    groups: list  # [GroupDay]
    holiday: str | None = None

    @property
    def weekend(self):
        return self.day.weekday() >= 5

    @property
    def is_school_day(self):
        return not self.weekend and self.holiday is None

    @property
    def previous(self):
        return previous_school_day(self.day)

    @property
    def next(self):
        return next_school_day(self.day)

    @property
    def is_today(self):
        return self.day == clock.today()


def reports_on(day, group_ids):
    """The reports covering `day` of the current pupils of these groups (not withdrawn),
    with pupil and reason loaded."""
    return list(db.session.scalars(
        select(AbsenceReport).join(Child, Child.id == AbsenceReport.child_id)
        .options(contains_eager(AbsenceReport.child), joinedload(AbsenceReport.reason))
        .where(Child.group_id.in_(group_ids), Child.left_at.is_(None), Child.erased_at.is_(None),
               AbsenceReport.withdrawn_at.is_(None), AbsenceReport.start_date <= day,
               or_(AbsenceReport.end_date.is_(None), AbsenceReport.end_date >= day))
        .order_by(Child.sort_name, Child.id, AbsenceReport.start_date)).unique())


def leave_on(day, group_ids):
    """[LeaveRow] of granted leave covering `day` of the current pupils of these groups."""
    rows = db.session.execute(
        select(LeaveRequest.id, leave_request_children.c.child_id, LeaveRequest.kind, LeaveRequest.first_day,
               LeaveRequest.last_day)
        .join(leave_request_children, leave_request_children.c.request_id == LeaveRequest.id)
        .join(Child, Child.id == leave_request_children.c.child_id)
        .where(LeaveRequest.status == "toegestaan", LeaveRequest.first_day <= day, LeaveRequest.last_day >= day,
               Child.group_id.in_(group_ids), Child.left_at.is_(None), Child.erased_at.is_(None)))
    return [LeaveRow(*row) for row in rows]


def _pupils(group_ids):
    return list(db.session.scalars(
        select(Child).where(Child.group_id.in_(group_ids), Child.left_at.is_(None), Child.erased_at.is_(None))
        .order_by(Child.sort_name, Child.id)))


def day_list(groups, day):
    """The DayList of `day` for these groups (the caller chose them with groups_for)."""
    holiday = holiday_on(day)
    result = DayList(day=day, groups=[GroupDay(group) for group in groups], holiday=holiday)
    if not result.is_school_day or not groups:
        return result
    by_group = {each.group.id: each for each in result.groups}
    ids = list(by_group)
    pupils = {child.id: child for child in _pupils(ids)}
    absent = set()
    for report in reports_on(day, ids):
        by_group[report.child.group_id].reports.append(report_row(report))
        absent.add(report.child_id)
    for row in leave_on(day, ids):
        child = pupils[row.child_id]
        by_group[child.group_id].leave.append((child, row))
        absent.add(child.id)
    for child in pupils.values():
        each = by_group[child.group_id]
        each.total += 1
        if child.id not in absent:
            each.present.append(child)
    for each in result.groups:
        each.leave.sort(key=lambda pair: (pair[0].sort_name, pair[0].id))
    return result


def day_part(row, day):
    """What part of `day` a report covers: its own part on its first day, else the whole day."""
    return row.part_label if row.start_date == day else "Hele dag"


@dataclass(frozen=True)
class TodaySummary:
    """Beheer's start page: today's absent pupils in this user's groups."""

    school_day: bool
    absent: int = 0
    total: int = 0


def today_summary(user, today=None):
    today = today or clock.today()
    ids = list(taught_group_ids(user))
    if not is_school_day(today) or not ids:
        return TodaySummary(school_day=is_school_day(today))
    total = len(_pupil_ids(ids))
    absent = {report.child_id for report in reports_on(today, ids)} | {row.child_id for row in leave_on(today, ids)}
    return TodaySummary(True, len(absent), total)


def _pupil_ids(group_ids):
    return list(db.session.scalars(
        select(Child.id).where(Child.group_id.in_(group_ids), Child.left_at.is_(None), Child.erased_at.is_(None))))

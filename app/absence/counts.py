"""Counts per pupil over a school year, and the DUO counter (Beheer › Afwezigheid › Leerlingen).

- A pupil's reports: the reports of the school year (by their first day) that were not
  withdrawn. Their school days: the school days from the first to the last day (an open
  report until today; a report that starts with only a morning or an afternoon counts
  that first day as half a day). Leave days: the school days of granted leave requests.
- The DUO counter: the minutes of unexcused absence (reports with `excused` False: the
  staff-only reasons such as "Ongeoorloofd afwezig" and "Te laat", or a report staff
  marked ongeoorloofd) within the last 4 school weeks: the 20 school days up to today,
  holidays and weekends not counted. Only registered reports count (a refused leave
  request is not an absence: the school registers the absence when it happens). Minutes
  per day are app.absence.calendar.day_minutes's. At 16 hours or more the school must
  report to DUO within 5 school days (Leerplichtwet art. 21; the verzuimloket).

The queries are the same few whatever the number of pupils.
"""
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from app import clock
from app.absence.calendar import (
    day_minutes, is_school_day, previous_school_day, school_days_between, school_year_end, school_year_start,
)
from app.extensions import db
from app.models import AbsenceReport, Child, Group, LeaveRequest, leave_request_children

DUO_WINDOW_DAYS = 20
DUO_LIMIT_MINUTES = 16 * 60
DUO_ADVICE = "Meld dit binnen 5 schooldagen bij DUO (verzuimloket)."


def hours_label(minutes):
    """960 -> "16", 955 -> "15,9" (hours, one decimal, rounded down so 15,99 never reads 16)."""
    tenths = minutes * 10 // 60
    whole, tenth = divmod(tenths, 10)
    return f"{whole},{tenth}" if tenth else str(whole)


def days_label(half_days):
    """3 half days -> "1,5"."""
    whole, half = divmod(half_days, 2)
    return f"{whole},5" if half else str(whole)


def duo_window(today=None):
    """The last DUO_WINDOW_DAYS school days up to today (today included when it is one),
    oldest first."""
    today = today or clock.today()
    day = today if is_school_day(today) else previous_school_day(today)
    days = []
    while len(days) < DUO_WINDOW_DAYS:
        days.append(day)
        day = previous_school_day(day)
    return days[::-1]


def unexcused_minutes(child_ids=None, today=None):
    """{child id: minutes of unexcused absence in the DUO window} (children without any are
    left out). `child_ids` None: every pupil."""
    window = duo_window(today)
    query = (select(AbsenceReport.child_id, AbsenceReport.part, AbsenceReport.start_date, AbsenceReport.end_date)
             .where(AbsenceReport.excused.is_(False), AbsenceReport.withdrawn_at.is_(None),
                    AbsenceReport.start_date <= window[-1],
                    or_(AbsenceReport.end_date.is_(None), AbsenceReport.end_date >= window[0])))
    if child_ids is not None:
        query = query.where(AbsenceReport.child_id.in_(child_ids))
    minutes = {}
    for child_id, part, start, end in db.session.execute(query):
        total = sum(day_minutes(part, day, start, end) for day in window)
        if total:
            minutes[child_id] = minutes.get(child_id, 0) + total
    return minutes


def duo_warnings(child_ids=None, today=None):
    """{child id: minutes} of the pupils at or over the limit."""
    return {child_id: minutes for child_id, minutes in unexcused_minutes(child_ids, today).items()
            if minutes >= DUO_LIMIT_MINUTES}


@dataclass
class PupilCount:
    child: Child
    reports: int = 0
    half_days: int = 0  # school days absent, in halves
    leave_days: int = 0
    unexcused: int | None = None  # minutes in the DUO window; None: not counted (another school year)

    @property
    def absent_days(self):
        return days_label(self.half_days)

    @property
    def unexcused_hours(self):
        return hours_label(self.unexcused or 0)

    @property
    def warning(self):
        return (self.unexcused or 0) >= DUO_LIMIT_MINUTES


class SchoolDays:
    """The school days of a school year, for counting a period in two bisects."""

    def __init__(self, school_year):
        self.first, self.last = school_year_start(school_year), school_year_end(school_year)
        self.days = school_days_between(self.first, self.last)

    def count(self, first, last):
        first, last = max(first, self.first), min(last, self.last)
        if last < first:
            return 0
        return bisect_right(self.days, last) - bisect_left(self.days, first)

    def half_days(self, part, first, last):
        """A report's school days in halves: its first day half when it is only a part."""
        halves = 2 * self.count(first, last)
        if halves and part != "dag" and self.count(first, first):
            halves -= 1
        return halves


def current_pupils(group=None):
    """The current pupils (of one group, or all), each with its group loaded."""
    query = (select(Child).join(Group, Child.group_id == Group.id).options(contains_eager(Child.group))
             .where(Child.left_at.is_(None), Child.erased_at.is_(None)))
    if group is not None:
        query = query.where(Child.group_id == group.id)
    return list(db.session.scalars(query.order_by(Group.sort_order, Group.name, Child.sort_name, Child.id)))


def pupil_counts(school_year=None, group=None, today=None):
    """[PupilCount] of the current pupils (of `group`, or all), those with a DUO warning
    first, then in the school's order of groups and by name."""
    today = today or clock.today()
    school_year = school_year or clock.school_year(today)
    pupils = current_pupils(group)
    rows = {child.id: PupilCount(child) for child in pupils}
    pupil_ids = select(Child.id).where(Child.left_at.is_(None), Child.erased_at.is_(None), Child.group_id.is_not(None))
    if group is not None:
        pupil_ids = pupil_ids.where(Child.group_id == group.id)
    days = SchoolDays(school_year)
    reports = db.session.execute(
        select(AbsenceReport.child_id, AbsenceReport.part, AbsenceReport.start_date, AbsenceReport.end_date)
        .where(AbsenceReport.school_year == school_year, AbsenceReport.withdrawn_at.is_(None),
               AbsenceReport.child_id.in_(pupil_ids)))
    for child_id, part, start, end in reports:
        row = rows.get(child_id)
        if row is not None:
            row.reports += 1
            row.half_days += days.half_days(part, start, end or today)
    leave = db.session.execute(
        select(leave_request_children.c.child_id, func.coalesce(func.sum(LeaveRequest.school_days), 0))
        .join(LeaveRequest, LeaveRequest.id == leave_request_children.c.request_id)
        .where(LeaveRequest.status == "toegestaan", LeaveRequest.school_year == school_year,
               leave_request_children.c.child_id.in_(pupil_ids))
        .group_by(leave_request_children.c.child_id))
    for child_id, leave_days in leave:
        if child_id in rows:
            rows[child_id].leave_days = int(leave_days)
    if school_year == clock.school_year(today):
        minutes = unexcused_minutes(pupil_ids, today)
        for child_id, row in rows.items():
            row.unexcused = minutes.get(child_id, 0)
    ordered = list(rows.values())
    return [row for row in ordered if row.warning] + [row for row in ordered if not row.warning]


def school_years(today=None):
    """The school years with reports, and the current one, newest first."""
    years = set(db.session.scalars(select(AbsenceReport.school_year).distinct()))
    years.add(clock.school_year(today or clock.today()))
    return sorted(years, reverse=True)

"""The Leerplichtwet's rules for verlof, checked when a parent submits a request.

Vakantieverlof (art. 13a): at most once per school year per pupil, at most 10 school
days, never in the first two teaching weeks of the school year, asked at least 8 weeks
before (the schools' and municipalities' common rule), with an employer's statement.
Gewichtige omstandigheden (art. 14): up to 10 school days per school year in all, decided
by the director; for more the leerplichtambtenaar decides (art. 14 lid 3); a request
afterwards at most 2 days after the event (art. 14 lid 1).

`hard_errors` are mistakes the form refuses (the request cannot be made like this);
`check_leave` returns the rules of the law a request does not meet, each with a Dutch
explanation: the parent is told and may still submit, the director decides (with a
reason), and the request keeps them in LeaveRequest.checks.
"""
from dataclasses import asdict, dataclass
from datetime import timedelta

from sqlalchemy import func, select

from app import clock
from app.absence.calendar import count_school_days, first_two_weeks, school_days_between
from app.extensions import db
from app.formatting import date_nl
from app.models import LeaveRequest, leave_request_children

MAX_DAYS = 10
NOTICE = timedelta(weeks=8)
AFTERWARDS = timedelta(days=2)
# Requests that count for "once per school year" and the 10 days of art. 14.
COUNTING = ("ingediend", "doorgestuurd", "toegestaan")


def _day(value):
    return date_nl(value, weekday=False)


@dataclass(frozen=True)
class Check:
    code: str
    text: str

    def as_dict(self):
        return asdict(self)


def hard_errors(kind, first_day, last_day, today=None):
    """{field: Dutch message} for a request that cannot be made like this."""
    today = today or clock.today()
    errors = {}
    if last_day < first_day:
        errors["last_day"] = "De laatste dag ligt vóór de eerste dag."
    elif clock.school_year(first_day) != clock.school_year(last_day):
        errors["last_day"] = "Vraag verlof per schooljaar aan: deze periode loopt door in het volgende schooljaar."
    elif not school_days_between(first_day, last_day):
        errors["first_day"] = "In deze periode zijn geen schooldagen (weekend of vakantie): daarvoor is geen verlof nodig."
    if first_day > today + timedelta(days=366):
        errors["first_day"] = "Kies een eerste dag binnen een jaar vanaf vandaag."
    if kind == "vakantie" and first_day <= today:
        errors["first_day"] = "Vakantieverlof vraagt u vooraf aan: kies een eerste dag na vandaag."
    elif kind == "gewichtig" and first_day < today - AFTERWARDS:
        errors["first_day"] = ("Verlof voor gewichtige omstandigheden vraagt u vooraf aan, of uiterlijk twee dagen "
                               "na de gebeurtenis (artikel 14 Leerplichtwet).")
    return errors


def days_used(child_ids, school_year, kind, exclude_id=None):
    """{child id: school days of counting requests of this kind} in a school year."""
    query = (select(leave_request_children.c.child_id, func.coalesce(func.sum(LeaveRequest.school_days), 0),
                    func.count(LeaveRequest.id))
             .join(LeaveRequest, LeaveRequest.id == leave_request_children.c.request_id)
             .where(leave_request_children.c.child_id.in_(list(child_ids)), LeaveRequest.school_year == school_year,
                    LeaveRequest.kind == kind, LeaveRequest.status.in_(COUNTING))
             .group_by(leave_request_children.c.child_id))
    if exclude_id is not None:
        query = query.where(LeaveRequest.id != exclude_id)
    return {child_id: (int(days), int(count)) for child_id, days, count in db.session.execute(query)}


def check_leave(kind, first_day, last_day, children, today=None, exclude_id=None):
    """The law's rules this request does not meet: [Check] (empty: it meets them all)."""
    today = today or clock.today()
    year = clock.school_year(first_day)
    days = count_school_days(first_day, last_day)
    used = days_used([child.id for child in children], year, kind, exclude_id)
    if kind == "vakantie":
        return _vacation_checks(first_day, last_day, days, children, used, year, today)
    return _important_checks(days, children, used, year)


def _vacation_checks(first_day, last_day, days, children, used, year, today):
    checks = []
    if days > MAX_DAYS:
        checks.append(Check("max_days", f"Vakantieverlof is voor ten hoogste {MAX_DAYS} schooldagen (artikel 13a "
                                        f"Leerplichtwet); deze aanvraag omvat {days} schooldagen."))
    weeks_first, weeks_last = first_two_weeks(year)
    if first_day <= weeks_last and last_day >= weeks_first:
        checks.append(Check("first_weeks", "Vakantieverlof kan niet in de eerste twee lesweken van het schooljaar "
                                           f"({_day(weeks_first)} tot en met {_day(weeks_last)})."))
    if first_day - today < NOTICE:
        checks.append(Check("notice", "Vakantieverlof vraagt u ten minste 8 weken van tevoren aan: voor "
                                      f"{_day(first_day)} uiterlijk op {_day(first_day - NOTICE)}."))
    for child in children:
        if used.get(child.id, (0, 0))[1]:
            checks.append(Check("once_a_year", f"Vakantieverlof kan één keer per schooljaar: voor {child.first_name} "
                                               f"is in schooljaar {year} al vakantieverlof aangevraagd of gegeven."))
    return checks


def _important_checks(days, children, used, year):
    checks = []
    for child in children:
        total = used.get(child.id, (0, 0))[0] + days
        if total > MAX_DAYS:
            checks.append(Check(
                "attendance_officer",
                f"Voor {child.first_name} komt het verlof in schooljaar {year} hiermee op {total} schooldagen. Over meer "
                f"dan {MAX_DAYS} schooldagen per schooljaar beslist de leerplichtambtenaar van de gemeente (artikel 14 "
                "Leerplichtwet); de school stuurt uw aanvraag dan door."))
    return checks


def needs_attendance_officer(checks):
    return any((check["code"] if isinstance(check, dict) else check.code) == "attendance_officer" for check in checks)

"""The school's working hours: when staff are reachable for Gesprekken.

The office sets them in Beheer › Instellingen (default 07:30–17:30) and they hold on
school days (weekdays outside the holidays, app/absence/calendar.py). A parent's message
written outside them becomes visible to staff, and is mailed to them, at the next start
(`next_start`); the parent is told when ("Uw bericht wordt gelezen vanaf maandag 07:30").
"""
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from app import clock
from app.absence.calendar import is_school_day, parse_time
from app.access import remembered
from app.formatting import date_nl
from app.settings import get_setting, set_setting

START_KEY, END_KEY = "hours.start", "hours.end"
DEFAULT_START, DEFAULT_END = "07:30", "17:30"
SEARCH_DAYS = 400  # the next school day lies within a year (a summer holiday included)
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


@dataclass(frozen=True)
class WorkingHours:
    start: time
    end: time

    @property
    def text(self):
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def _read(key, default):
    try:
        return parse_time(get_setting(key, default))
    except ValueError:
        return parse_time(default)


def working_hours():
    return remembered(("working_hours",), lambda: WorkingHours(_read(START_KEY, DEFAULT_START),
                                                                _read(END_KEY, DEFAULT_END)))


def validate(start_text, end_text):
    """(WorkingHours, None) or (None, a Dutch error)."""
    try:
        start, end = parse_time(start_text), parse_time(end_text)
    except ValueError:
        return None, "Vul de werktijden in als uu:mm, bijvoorbeeld 07:30 en 17:30."
    if start >= end:
        return None, "Het einde van de werktijd moet na het begin liggen."
    return WorkingHours(start, end), None


def save(hours):
    """Store the working hours (caller commits)."""
    set_setting(START_KEY, hours.start.strftime("%H:%M"))
    set_setting(END_KEY, hours.end.strftime("%H:%M"))


def within(moment=None):
    """Whether `moment` (aware, default now) lies inside the working hours of a school day."""
    moment = clock.to_local(moment) if moment is not None else clock.now()
    hours = working_hours()
    return is_school_day(moment.date()) and hours.start <= moment.time() < hours.end


def next_start(moment=None):
    """The moment (aware, Amsterdam) staff are reached by a message written at `moment`:
    `moment` itself inside the working hours, else the next start of them."""
    moment = clock.to_local(moment) if moment is not None else clock.now()
    if within(moment):
        return moment
    hours = working_hours()
    day = moment.date()
    if moment.time() >= hours.start:
        day += timedelta(days=1)
    for _ in range(SEARCH_DAYS):
        if is_school_day(day):
            return clock.wall_clock(day, hours.start)
        day += timedelta(days=1)
    return moment  # no school day within a year: do not hold the message back


def visible_at_utc(moment=None):
    """next_start as the models' naive UTC."""
    return clock.parse_moment(next_start(moment))


def read_from_text(start):
    """ "maandag 07:30" (tomorrow: "morgen 07:30"; later: "maandag 5 januari 2027 07:30")."""
    start = clock.to_local(start)
    today = clock.today()
    days = (start.date() - today).days
    if days == 0:
        day = "vandaag"
    elif days == 1:
        day = "morgen"
    elif days < 7:
        day = WEEKDAYS[start.weekday()]
    else:
        day = date_nl(start.date())
    return f"{day} {start:%H:%M}"


def is_later(visible_at):
    """Whether a message's visible_at (naive UTC) still lies ahead."""
    return isinstance(visible_at, datetime) and visible_at > clock.utcnow()

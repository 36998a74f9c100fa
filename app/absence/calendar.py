"""The school calendar of Afwezigheid: school days, the cut-off time, the hours of a day.

- School days are the weekdays (Monday to Friday) outside the holidays the office enters
  (SchoolHoliday; the summer holiday too). The school year starts on 1 August
  (app.clock.school_year); its first school day is the first school day from then on.
- The cut-off (setting "absence.cutoff", default 08:15) is when the school day starts for
  absence: a report for today made after it is "na aanvang" (late), and a parent can no
  longer change or withdraw a report once its first day has passed the cut-off. For a
  report from the afternoon on, the afternoon start ("absence.afternoon", default 13:00)
  is that moment.
- An hour count (the DUO counter) takes a morning as "absence.minutes_morning" (default
  180) and an afternoon as "absence.minutes_afternoon" (default 150) minutes.
"""
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select

from app import clock
from app.access import remembered
from app.extensions import db
from app.models import SchoolHoliday
from app.settings import get_setting, set_setting

CUTOFF_KEY, AFTERNOON_KEY = "absence.cutoff", "absence.afternoon"
MORNING_MINUTES_KEY, AFTERNOON_MINUTES_KEY = "absence.minutes_morning", "absence.minutes_afternoon"
DEFAULTS = {CUTOFF_KEY: "08:15", AFTERNOON_KEY: "13:00", MORNING_MINUTES_KEY: "180", AFTERNOON_MINUTES_KEY: "150"}


@dataclass(frozen=True)
class AbsenceSettings:
    cutoff: time
    afternoon: time
    minutes_morning: int
    minutes_afternoon: int

    @property
    def minutes_day(self):
        return self.minutes_morning + self.minutes_afternoon


def parse_time(value):
    """ "08:15" -> time(8, 15); raises ValueError for anything else."""
    hours, sep, minutes = str(value).strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(value)
    return time(int(hours), int(minutes))


def _read(key):
    value = get_setting(key, DEFAULTS[key])
    try:
        return parse_time(value) if key in (CUTOFF_KEY, AFTERNOON_KEY) else int(value)
    except ValueError:
        default = DEFAULTS[key]
        return parse_time(default) if key in (CUTOFF_KEY, AFTERNOON_KEY) else int(default)


def absence_settings():
    """The school's settings, once per request."""
    return remembered(("absence_settings",), lambda: AbsenceSettings(
        cutoff=_read(CUTOFF_KEY), afternoon=_read(AFTERNOON_KEY),
        minutes_morning=_read(MORNING_MINUTES_KEY), minutes_afternoon=_read(AFTERNOON_MINUTES_KEY)))


def save_settings(settings):
    """Store an AbsenceSettings (caller commits)."""
    set_setting(CUTOFF_KEY, settings.cutoff.strftime("%H:%M"))
    set_setting(AFTERNOON_KEY, settings.afternoon.strftime("%H:%M"))
    set_setting(MORNING_MINUTES_KEY, settings.minutes_morning)
    set_setting(AFTERNOON_MINUTES_KEY, settings.minutes_afternoon)


# --- school days -------------------------------------------------------------------------------

def holidays():
    """[(first_day, last_day, name)] of every holiday, once per request."""
    return remembered(("school_holidays",), lambda: [
        (row.first_day, row.last_day, row.name)
        for row in db.session.execute(select(SchoolHoliday.first_day, SchoolHoliday.last_day, SchoolHoliday.name)
                                      .order_by(SchoolHoliday.first_day))])


def holiday_on(day):
    """The name of the holiday `day` falls in, or None."""
    for first, last, name in holidays():
        if first <= day <= last:
            return name
    return None


def is_school_day(day):
    return day.weekday() < 5 and holiday_on(day) is None


def school_days_between(first, last):
    """The school days from `first` to `last` inclusive, in order."""
    days, day = [], first
    while day <= last:
        if is_school_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def count_school_days(first, last):
    return len(school_days_between(first, last))


def next_school_day(day):
    """The first school day after `day` (within a year; else the next weekday)."""
    for offset in range(1, 366):
        candidate = day + timedelta(days=offset)
        if is_school_day(candidate):
            return candidate
    return day + timedelta(days=1)


def previous_school_day(day):
    for offset in range(1, 366):
        candidate = day - timedelta(days=offset)
        if is_school_day(candidate):
            return candidate
    return day - timedelta(days=1)


def school_year_start(school_year):
    """1 August of the school year "2026-2027"."""
    return date(int(school_year[:4]), 8, 1)


def school_year_end(school_year):
    return date(int(school_year[:4]) + 1, 7, 31)


def first_school_day(school_year):
    """The first school day of a school year (after the summer holiday)."""
    start = school_year_start(school_year)
    return start if is_school_day(start) else next_school_day(start)


def first_two_weeks(school_year):
    """(first, last) day of the first two teaching weeks of a school year: from its first
    school day, two calendar weeks (art. 13a Leerplichtwet: no vakantieverlof then)."""
    first = first_school_day(school_year)
    return first, first + timedelta(days=13)


# --- when a report starts ------------------------------------------------------------------------

def starts_at(start_date, part):
    """The moment (aware, Amsterdam) a report's absence starts: its first day's cut-off, or
    the afternoon start for a report from the afternoon on."""
    settings = absence_settings()
    at = settings.afternoon if part == "middag" else settings.cutoff
    return clock.wall_clock(start_date, at)


def has_started(start_date, part, now=None):
    return (now or clock.now()) >= starts_at(start_date, part)


def is_late(start_date, part, now=None):
    """A report made now for this start is "na aanvang": its first day is today (or past)
    and the day (or afternoon) has already started."""
    now = now or clock.now()
    return start_date <= now.date() and has_started(start_date, part, now)


def day_minutes(report_part, day, start_date, end_date):
    """Minutes of absence a report (part of its first day; None end = open) means on `day`,
    a school day within it; 0 outside it."""
    if day < start_date or (end_date is not None and day > end_date):
        return 0
    settings = absence_settings()
    if day == start_date and report_part == "ochtend":
        return settings.minutes_morning
    if day == start_date and report_part == "middag":
        return settings.minutes_afternoon
    return settings.minutes_day

"""The portal's one notion of "now".

Whether a meeting slot has started, whether a day lies in the past, what Home still
shows, which notices are due and the timestamps the models store (app.models.base.utcnow
calls utcnow() here) all come from this module, never from `datetime.now()` directly, so
a test (or a person trying things out) can pretend it is another moment, consistently:

- `PRETEND_NOW` in app.config (a test sets it on its app), or in the environment (the
  worker and the command line read it there): "2030-03-10 10:45" is Europe/Amsterdam wall
  clock time, an ISO string with an offset means that offset. The clock then stands still
  at that moment (so a retry backoff never comes due while it does). Test-only: never set
  it in production.

It is also the one place that converts between the models' naive UTC and Amsterdam's wall
clock (to_local, to_utc, wall_clock): the formatting filters, the news form and the
notification timing all go through it.
"""
import os
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def parse_moment(value):
    """A moment as naive UTC (the models' convention).

    A datetime with a zone: converted. A naive datetime: already UTC. A string
    ("2030-01-16 17:31", ISO): Amsterdam time unless it carries an offset, since that is
    what a person types.
    """
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
        if parsed.tzinfo is None:
            return to_utc(parsed)
        return parsed.astimezone(timezone.utc).replace(tzinfo=None)
    if value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def pretended():
    """The PRETEND_NOW setting (app.config first, then the environment), or None."""
    value = current_app.config.get("PRETEND_NOW") if has_app_context() else None
    if value in (None, ""):
        value = os.environ.get("PRETEND_NOW")
    return value or None


def utcnow():
    """Now as naive UTC: the pretended moment, or the real clock."""
    value = pretended()
    if value is not None:
        return parse_moment(value)
    return datetime.now(timezone.utc).replace(tzinfo=None)


def timestamp():
    """Now as seconds since 1970 (the page cache's minute and a session's end)."""
    return utcnow().replace(tzinfo=timezone.utc).timestamp()


def now():
    """Now in Europe/Amsterdam (an aware datetime)."""
    return to_local(utcnow())


def today():
    """Today's date in Amsterdam."""
    return now().date()


def to_local(value):
    """A stored moment (naive UTC, or any aware datetime) as an aware Europe/Amsterdam datetime."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(AMSTERDAM)


def to_utc(value):
    """A naive Europe/Amsterdam wall-clock datetime (what a person types in a form, what a
    rule like "17:30" means) as naive UTC."""
    return value.replace(tzinfo=AMSTERDAM).astimezone(timezone.utc).replace(tzinfo=None)


def wall_clock(day, at):
    """A date and a wall-clock time in Amsterdam (how meeting slots are stored) as an aware
    datetime, comparable with now()."""
    return datetime.combine(day, at, tzinfo=AMSTERDAM)


def school_year(day=None):
    """The school year a day falls in ("2026-2027"), today's by default. A school year
    starts on 1 August: the summer holiday belongs to the year that comes."""
    day = day or today()
    start = day.year if day.month >= 8 else day.year - 1
    return f"{start}-{start + 1}"

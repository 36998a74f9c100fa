"""When a notice is due (SPEC.md, E-mail; the manual's FAQ on mail times).

Pure functions on naive-UTC datetimes (how the models store time); the rules themselves
are in Europe/Amsterdam wall-clock time, so they hold across daylight-saving changes:

- evening kinds (spoedbericht, new album): the batch of the day they were posted, as soon
  as possible after the batch time (17:30); posted after it: at once;
- weekly kinds (news, general messages): the digest of the first Wednesday 17:30 after
  they were posted;
- immediate kinds (meeting mails): at once.
"""
from datetime import date, datetime, time, timedelta

from flask import current_app, has_app_context

from app import clock
from app.clock import to_local as local  # also read as timing.local by the kinds and the planner

WEDNESDAY = 2


def batch_time():
    """The evening batch time (config BATCH_TIME, "17:30")."""
    value = current_app.config.get("BATCH_TIME", "17:30") if has_app_context() else "17:30"
    hours, _, minutes = str(value).partition(":")
    return time(int(hours), int(minutes or 0))


def local_to_utc(day: date, at: time):
    """A wall-clock moment in Amsterdam as naive UTC (17:30 is never in a DST gap)."""
    return clock.to_utc(datetime.combine(day, at))


def parse_now(value=None):
    """The batch's notion of now, as naive UTC.

    None: the portal's clock (app/clock.py, which a test can set with PRETEND_NOW). A
    datetime with a zone: converted. A naive datetime: already UTC (the models'
    convention). A string ("2030-01-16 17:31", ISO): Amsterdam time unless it carries an
    offset, since that is what a person types on the command line.
    """
    if value is None or value == "":
        return clock.utcnow()
    return clock.parse_moment(value)


def evening_due(created_at):
    """A spoedbericht or album: that day's batch time, or at once when posted after it."""
    cutoff = local_to_utc(local(created_at).date(), batch_time())
    return max(created_at, cutoff)


def weekly_cutoff(now):
    """The latest Wednesday batch moment at or before `now` (naive UTC)."""
    today = local(now).date()
    wednesday = today - timedelta(days=(today.weekday() - WEDNESDAY) % 7)
    cutoff = local_to_utc(wednesday, batch_time())
    if cutoff > now:
        cutoff = local_to_utc(wednesday - timedelta(days=7), batch_time())
    return cutoff


def next_weekly_due(created_at):
    """The first Wednesday batch moment strictly after `created_at` (naive UTC)."""
    cutoff = weekly_cutoff(created_at)
    day = local(cutoff).date() + timedelta(days=7)
    return local_to_utc(day, batch_time())


def due_at(timing, created_at):
    if timing == "evening":
        return evening_due(created_at)
    if timing == "weekly":
        return next_weekly_due(created_at)
    return created_at

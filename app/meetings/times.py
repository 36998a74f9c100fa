"""Meeting times: slot arithmetic and how a meeting's time is written.

A meeting held in consecutive slots is described as {"date", "start", "end"} (ISO
strings, what an event payload stores); slot times are Amsterdam wall-clock times
(app.clock.wall_clock). Nothing here touches the database.
"""
from datetime import date, datetime, time, timedelta

from app import clock
from app.formatting import date_nl
from app.meetings.rules import MeetingError


def time_range(start, end):
    return f"{start:%H:%M}–{end:%H:%M}"


def times_of(slots):
    """{"date", "start", "end"} of a meeting held in these consecutive slots (or None)."""
    if not slots:
        return None
    slots = sorted(slots, key=lambda s: s.position)
    return {
        "date": slots[0].day.date.isoformat(),
        "start": slots[0].starts_at.strftime("%H:%M"),
        "end": slots[-1].ends_at.strftime("%H:%M"),
    }


def started(slots, now=None):
    """Has the meeting held in these slots begun (Amsterdam wall clock)?"""
    first = min(slots, key=lambda s: s.position)
    return clock.wall_clock(first.day.date, first.starts_at) <= (now or clock.now())


def upcoming(times, now=None):
    """Does a {"date", "start", "end"} meeting still lie ahead (not begun)?"""
    if not times:
        return False
    moment = clock.wall_clock(date.fromisoformat(times["date"]), time.fromisoformat(times["start"]))
    return moment > (now or clock.now())


def describe_times(times):
    """'dinsdag 10 maart 2026, 10:40–11:00' for a {"date","start","end"} dict."""
    if not times:
        return ""
    return f"{date_nl(date.fromisoformat(times['date']))}, {times['start']}–{times['end']}"


def slot_times(starts_at, ends_at, minutes):
    """The (start, end) of every whole slot that fits between starts_at and ends_at."""
    day = date(2000, 1, 3)
    moment, last = datetime.combine(day, starts_at), datetime.combine(day, ends_at)
    step = timedelta(minutes=minutes)
    times = []
    while moment + step <= last:
        times.append((moment.time(), (moment + step).time()))
        moment += step
    return times


def parse_breaks(text):
    """'12:00-12:30, 14:00–14:15' -> [(time, time)], or MeetingError with a Dutch message."""
    breaks = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        pieces = [p.strip() for p in part.replace("–", "-").split("-")]
        try:
            start, end = (datetime.strptime(p, "%H:%M").time() for p in pieces)
        except ValueError:
            raise MeetingError(f"Pauze “{part}” begrijpen we niet. Schrijf bijvoorbeeld 12:00-12:30.") from None
        if end <= start:
            raise MeetingError(f"Pauze “{part}”: het einde moet na het begin liggen.")
        breaks.append((start, end))
    return breaks


def overlapping(meetings, day_date, start, end):
    """The meetings [(date, start, end, ...)] that overlap [start, end) on day_date."""
    return [m for m in meetings if m[0] == day_date and m[1] < end and start < m[2]]

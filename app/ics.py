"""iCalendar files (.ics), built in one place with the icalendar library: the agenda's
private feed (app/agenda/services.py) and the calendar event attached to a meeting mail
(app/meetings/mail.py).

Times are Amsterdam wall-clock times (`amsterdam`), stamps the naive UTC datetimes the
models store (`utc`); the VTIMEZONE of Europe/Amsterdam is added to every file that uses
it. The library writes properties in its canonical order, whatever order they are added in.
"""
from datetime import datetime, timezone

from icalendar import Calendar, Event, vCalAddress, vText

from app.formatting import AMSTERDAM


def amsterdam(day, at):
    """The aware datetime of a wall-clock time `at` on `day` in Amsterdam."""
    return datetime.combine(day, at, tzinfo=AMSTERDAM)


def utc(value):
    """A naive UTC datetime (as stored) made aware, for DTSTAMP and LAST-MODIFIED."""
    return value.replace(tzinfo=timezone.utc)


def organizer(address, name):
    """An ORGANIZER: mailto:`address` with the common name `name`."""
    value = vCalAddress(f"mailto:{address}")
    value.params["cn"] = vText(name)
    return value


def event(uid, start, end, stamp, **properties):
    """A VEVENT with UID, DTSTAMP (`stamp`, naive UTC), DTSTART and DTEND (dates for a
    whole day, or aware datetimes; `end` None: no DTEND), and further properties by name
    (`last_modified` is LAST-MODIFIED); a property whose value is None is left out."""
    component = Event()
    component.add("uid", uid)
    component.add("dtstamp", utc(stamp))
    component.add("dtstart", start)
    if end is not None:
        component.add("dtend", end)
    for name, value in properties.items():
        if value is not None:
            component.add(name.replace("_", "-"), value)
    return component


def calendar_file(prodid, events, method="PUBLISH", properties=()):
    """The bytes of an iCalendar file: PRODID, VERSION 2.0, METHOD (PUBLISH, or CANCEL to
    cancel the events of the same UIDs), further calendar `properties` as (name, value) or
    (name, value, parameters), and the events."""
    calendar = Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    for name, value, *parameters in properties:
        calendar.add(name, value, parameters=parameters[0] if parameters else None)
    for component in events:
        calendar.add_component(component)
    calendar.add_missing_timezones()
    return calendar.to_ical()

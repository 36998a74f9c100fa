"""Shared column helpers. Times are stored as naive UTC and shown in Europe/Amsterdam."""
from app import clock


def utcnow():
    """Now, as naive UTC (evaluated per call, never at import). The portal's one clock
    (app/clock.py): a pretended moment (PRETEND_NOW, tests only) holds for what is stored
    too, so an event recorded "now" is due "now" for a worker that pretends the same."""
    return clock.utcnow()

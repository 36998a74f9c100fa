"""Shared column helpers. Times are stored as naive UTC and shown in Europe/Amsterdam."""
from datetime import datetime, timezone


def utcnow():
    """Now, as naive UTC (evaluated per call, never at import)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)

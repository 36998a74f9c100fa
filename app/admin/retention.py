"""The retention period of former pupils (Beheer › Bewaartermijn), and the daily job.

A former pupil (Child.left_at set) is *due* once they left more than N years ago (setting
"retention.years", default 2, 1–20): on the day after the N-th anniversary of leaving.
The job (`run_retention`, daily at 03:00 from app/jobs/schedules.py, or
`flask --app wsgi retention`) erases every due pupil that is not erased yet and not held
back by the office (RetentionHold, with a reason), each in its own transaction:

- every row of every table with a foreign key to children.id ON DELETE CASCADE (notes,
  numbers, privacy choices, guardianships, meeting invitations, ...; found through the
  metadata, so a table added later goes too) is deleted — except what KEPT lists, while
  its rule still holds;
- the children row stays, anonymised ("Oud-leerling", no birth date, address, phone,
  e-mail, student number or gender; the photo deleted; the name and birth date only while
  absence records are kept, see below), with erased_at set, so the audit
  log and what KEPT keeps still point somewhere; the pupil's full name is replaced by
  "[gewist]" in every other text (messages, notes, album texts; not in other people's rows);
- each guardian's account (parents only, never staff) that has no guardianship of a
  not-erased pupil left is erased with app/admin/erasure.erase_account (actor: none, the
  portal itself).

Every run also looks again at erased pupils' kept rows: when a rule no longer holds (the
photos were deleted, the 5 years of the absence records passed), those rows go then; and it
removes stored files no row refers to, once a day old (app/storage/references.py). A second run
on the same day changes nothing.

The second period (app/admin/retention_absence.py): a pupil's absence reports and leave
requests (not withdrawn) are kept 5 years after leaving, and with them the pupil's name
and birth date on the children row; after that the same job removes the records, the
leave requests with no pupil left (with their statement files) and then the name.
"""
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from app import clock
from app.admin import retention_absence as absence
from app.admin.erasure import Traces, erase_account, scrub_everywhere
from app.admin.retention_absence import ERASED_NAME
from app.admin.retention_dates import add_years, due_on, one_month_after
from app.admin.services import ServiceError, is_erased
from app.audit import record_change
from app.extensions import db
from app.jobs import job_app_context
from app.models import Child, Guardianship, PhotoTag, RetentionHold, Role, StoredImage, User, utcnow
from app.settings import get_setting, set_setting
from app.storage import sweep_unreferenced

log = logging.getLogger(__name__)

YEARS_KEY, LAST_RUN_KEY = "retention.years", "retention.last_run"
DEFAULT_YEARS, MIN_YEARS, MAX_YEARS = 2, 1, 20
ERASED_ACTION = "bewaartermijn verlopen"
HOLD_ACTION, UNHOLD_ACTION = "bewaren (bewaartermijn)", "niet meer bewaren (bewaartermijn)"
ABSENCE_ACTION = "bewaartermijn verzuim verlopen"
# The columns of the children row that are cleared (the audit entry names them).
CLEARED = {"first_name": ERASED_NAME, "last_name": "", "birth_date": None, "street": "", "house_number": "",
           "postcode": "", "city": "", "country": "", "phone": "", "email": "", "student_number": None,
           "gender": ""}


# --- what stays of an erased pupil -----------------------------------------------------------

@dataclass(frozen=True)
class Kept:
    """The rows of one table (with a foreign key to children.id) that stay when a pupil is
    erased, as long as `needed(child, today)` holds; the page shows `reason`. `rows(table)`,
    when given, narrows which of the pupil's rows stay (the others go at once); `identity`:
    while such rows are kept, the pupil's name and birth date stay on the children row."""

    table: str
    reason: str
    needed: Callable
    rows: Callable | None = None
    identity: bool = False


def _marked_in_existing_photos(child, today):
    # A photo's tags go with the photo (ON DELETE CASCADE): a tag means the photo exists.
    return bool(db.session.scalar(select(exists().where(PhotoTag.child_id == child.id))))


# The one list of what the retention period keeps, each entry with its own rule.
KEPT = (
    Kept("photo_tags", "de markeringen op foto's die nog bestaan (zo blijven foto's van een leerling zonder "
         "toestemming verborgen voor andere ouders)", _marked_in_existing_photos),
    Kept("consent_answers", "de antwoorden over toestemming beeldmateriaal, als bewijs voor de foto's waarop de "
         "leerling gemarkeerd is, zolang die foto's bestaan", _marked_in_existing_photos),
    Kept("absence_reports", "de ziek- en afwezigheidsmeldingen (niet de ingetrokken), tot 5 jaar na de "
         "uitschrijving, voor de leerplichtadministratie", absence.still_needed, absence.kept_reports, True),
    Kept("leave_request_children", "de verlofaanvragen met het besluit en de verklaring van de werkgever (niet de "
         "ingetrokken), tot 5 jaar na de uitschrijving", absence.still_needed, absence.kept_leave_links, True),
)


def child_tables():
    """(table, column) for every foreign key to children.id declared ON DELETE CASCADE."""
    children = Child.__table__
    found = []
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is children and (fk.ondelete or "").upper() == "CASCADE":
                found.append((table, fk.parent))
    return found


# --- the period --------------------------------------------------------------------------------

def retention_years():
    try:
        years = int(get_setting(YEARS_KEY, str(DEFAULT_YEARS)))
    except ValueError:
        return DEFAULT_YEARS
    return years if MIN_YEARS <= years <= MAX_YEARS else DEFAULT_YEARS


def set_retention_years(years):
    if not MIN_YEARS <= years <= MAX_YEARS:
        raise ServiceError(f"Kies een bewaartermijn van {MIN_YEARS} tot en met {MAX_YEARS} jaar.", field="years")
    set_setting(YEARS_KEY, years)
    db.session.commit()


def _candidates(until, years):
    """Former pupils, not erased, not held back, due on or before `until`, oldest first."""
    held = select(RetentionHold.child_id)
    rows = db.session.scalars(
        select(Child).where(Child.left_at.is_not(None), Child.erased_at.is_(None), Child.id.not_in(held),
                            Child.left_at <= add_years(until, -years))
        .order_by(Child.left_at, Child.id)
    ).all()
    return [child for child in rows if due_on(child.left_at, years) <= until]


def due_pupils(today=None, years=None):
    today = today or clock.today()
    return _candidates(today, years or retention_years())


# --- erasing one pupil -------------------------------------------------------------------------

# Never scrubbed for a pupil: other people's own rows (a sibling or parent shares the name).
PEOPLE_TABLES = ("users", "children")


def name_traces(child):
    """The pupil's full name, as it may be written in a message, a note or an album text.
    Only the name: the address, phone and e-mail of a pupil are usually the household's,
    and stay where the family that remains uses them."""
    words = f"{child.first_name} {child.last_name}".split()
    if len(words) < 2 or len(" ".join(words)) < 5:
        return Traces()
    # Any run of spaces between the words ("Annefleur  de Vries"): a pattern with its SQL prefilter
    # (the longest word), the shape in which Traces keeps patterns.
    pattern = re.compile(r"(?<!\w)" + r"\s+".join(re.escape(word) for word in words) + r"(?!\w)", re.IGNORECASE)
    return Traces(addresses=[(pattern, [max(words, key=len).lower()])])


def _still_has_pupils(parent_id):
    return bool(db.session.scalar(select(exists().where(
        Guardianship.parent_id == parent_id, Guardianship.child_id == Child.id, Child.erased_at.is_(None)))))


def _delete_rows(child, today):
    """Delete the pupil's rows in every table pointing at it but what KEPT keeps; returns
    whether the pupil's name stays (rows of an `identity` rule are kept)."""
    rules = {}
    for rule in KEPT:
        if rule.needed(child, today):
            rules.setdefault(rule.table, []).append(rule)
    identity = False
    for table, column in child_tables():
        kept = rules.get(table.name)
        if not kept:
            db.session.execute(table.delete().where(column == child.id))
            continue
        if all(rule.rows is not None for rule in kept):
            db.session.execute(table.delete().where(column == child.id, ~or_(*[rule.rows(table) for rule in kept])))
        if any(rule.identity for rule in kept) and db.session.scalar(select(exists().where(column == child.id))):
            identity = True
    return identity


def erase_pupil(child, today):
    """Erase one due pupil and their parents' accounts without other pupils; commits.
    Returns the number of accounts erased."""
    child_id = child.id
    parent_ids = list(db.session.scalars(select(Guardianship.parent_id).where(Guardianship.child_id == child_id)))
    keeps_identity = _delete_rows(child, today)
    cleared = {name: value for name, value in CLEARED.items() if not (keeps_identity and name in absence.IDENTITY)}
    image = db.session.get(StoredImage, child.photo_id) if child.photo_id is not None else None
    traces = name_traces(child)
    for name, value in cleared.items():
        setattr(child, name, value)
    child.photo_id = None
    child.erased_at = utcnow()
    record_change(None, "child", child_id, ERASED_ACTION, [*cleared, "photo", "retention"])
    db.session.flush()
    if traces:
        scrub_everywhere(traces, skip=PEOPLE_TABLES)
    accounts = 0
    for parent in db.session.scalars(select(User).where(User.id.in_(parent_ids)).order_by(User.id)):
        if parent.role == Role.PARENT and not is_erased(parent) and not _still_has_pupils(parent.id):
            erase_account(parent, None, action=ERASED_ACTION, commit=False)
            accounts += 1
    if image is not None:
        from app.images import delete_image

        delete_image(image)
    statements = absence.remove_orphan_requests()
    db.session.commit()
    absence.remove_files(statements)
    return accounts


def _release_identity():
    """Erased pupils whose name stayed with their absence records, now that none are left:
    the name and birth date go, and the name from every text."""
    for child in absence.pupils_with_identity():
        if absence.has_records(child.id):
            continue
        traces = name_traces(child)
        for name, value in absence.IDENTITY.items():
            setattr(child, name, value)
        record_change(None, "child", child.id, ABSENCE_ACTION, ["absence", "leave", *absence.IDENTITY])
        db.session.flush()
        if traces:
            scrub_everywhere(traces, skip=PEOPLE_TABLES)


def _release_kept(today):
    """Erased pupils' kept rows whose rule no longer holds go (their photos were deleted, the
    5 years passed), with the leave requests left without a pupil and their files, and then
    the name kept with the absence records."""
    released = 0
    by_table = {table.name: (table, column) for table, column in child_tables()}
    for rule in KEPT:
        table, column = by_table[rule.table]
        ids = db.session.scalars(select(Child.id).where(Child.erased_at.is_not(None),
                                                        exists().where(column == Child.id))).all()
        for child in (db.session.get(Child, child_id) for child_id in ids):
            if not rule.needed(child, today):
                released += db.session.execute(table.delete().where(column == child.id)).rowcount
    statements = absence.remove_orphan_requests()
    _release_identity()
    db.session.commit()
    absence.remove_files(statements)
    return released


# --- the job -----------------------------------------------------------------------------------

@dataclass
class RetentionRun:
    today: date
    years: int
    due: list = field(default_factory=list)  # ids of the due pupils (no names: RQ keeps a job's result)
    pupils: int = 0
    accounts: int = 0
    failed: int = 0
    released: int = 0
    files_swept: int = 0   # objects no row refers to (never-submitted leave forms, old imports, ...)


def run_retention(today=None, dry_run=False):
    """The daily job: erase the due pupils (see the module docstring). `today` (a date or
    "YYYY-MM-DD") defaults to app.clock.today(); a dry run only says who is due."""
    with job_app_context():
        if isinstance(today, str):
            today = date.fromisoformat(today)
        today = today or clock.today()
        run = RetentionRun(today=today, years=retention_years())
        due = _candidates(today, run.years)
        run.due = [child.id for child in due]
        if dry_run:
            return run
        for child_id in run.due:
            try:
                child = db.session.get(Child, child_id)
                if child is None or child.erased_at is not None or db.session.get(RetentionHold, child_id):
                    continue  # erased or held back meanwhile
                run.accounts += erase_pupil(child, today)
                run.pupils += 1
            except Exception:  # noqa: BLE001 — one pupil's failure must not stop the others
                log.exception("retention: erasing pupil %s failed", child_id)
                db.session.rollback()
                run.failed += 1
        run.released = _release_kept(today)
        run.files_swept = sweep_unreferenced()
        set_setting(LAST_RUN_KEY, json.dumps({
            "at": utcnow().isoformat(timespec="seconds"), "today": today.isoformat(), "pupils": run.pupils,
            "accounts": run.accounts, "failed": run.failed}))
        db.session.commit()
        if run.pupils or run.failed:
            log.info("retention: %s pupil(s), %s account(s) erased, %s failed", run.pupils, run.accounts, run.failed)
        return run


def last_run():
    """{"at": datetime (UTC), "today", "pupils", "accounts", "failed"} of the last run, or None."""
    try:
        found = json.loads(get_setting(LAST_RUN_KEY, "") or "null")
        found["at"] = datetime.fromisoformat(found["at"])
    except (ValueError, TypeError, KeyError):
        return None
    return found


# --- what the office sees, and holding a pupil back --------------------------------------------

@dataclass
class DuePupil:
    child: Child
    due_on: date
    parents: list  # (User, whether the account is erased with the pupil)
    records_until: date | None = None  # the absence records (and the name) are kept until then


@dataclass
class HeldPupil:
    child: Child
    hold: RetentionHold
    held_by: User | None
    due_on: date | None


def _parents_fate(pupils, years, held):
    """{child id: [(parent, erased with it)]} for the pupils in `pupils` ({id: due date})."""
    links = db.session.scalars(select(Guardianship).where(Guardianship.child_id.in_(pupils))
                               .options(selectinload(Guardianship.parent))).all()
    parent_ids = {link.parent_id for link in links}
    others = {}
    for parent_id, other in db.session.execute(
            select(Guardianship.parent_id, Child).join(Child).where(Guardianship.parent_id.in_(parent_ids))):
        others.setdefault(parent_id, []).append(other)

    def gone_by(other, day):
        if other.erased_at is not None:
            return True
        return other.left_at is not None and other.id not in held and due_on(other.left_at, years) <= day

    fate = {child_id: [] for child_id in pupils}
    for link in sorted(links, key=lambda link: (link.parent.sort_name, link.parent_id)):
        parent, day = link.parent, pupils[link.child_id]
        erased = parent.role == Role.PARENT and not is_erased(parent) and all(
            gone_by(other, day) for other in others.get(parent.id, []) if other.id != link.child_id)
        fate[link.child_id].append((parent, erased))
    return fate


def overview(today=None):
    """What Beheer › Bewaartermijn shows: due now, due within a month, held back, last run."""
    today = today or clock.today()
    years = retention_years()
    horizon = one_month_after(today)
    pupils = _candidates(horizon, years)
    holds = db.session.scalars(select(RetentionHold).order_by(RetentionHold.created_at, RetentionHold.child_id)).all()
    held_children = {c.id: c for c in db.session.scalars(
        select(Child).where(Child.id.in_([hold.child_id for hold in holds])))}
    creators = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({hold.created_by_id for hold in holds if hold.created_by_id})))}
    fate = _parents_fate({child.id: due_on(child.left_at, years) for child in pupils}, years, set(held_children))
    until = absence.records_until({child.id: due_on(child.left_at, years) for child in pupils})
    listed = [DuePupil(child, due_on(child.left_at, years), fate[child.id], until.get(child.id)) for child in pupils]
    held = [HeldPupil(held_children[hold.child_id], hold, creators.get(hold.created_by_id),
                      due_on(held_children[hold.child_id].left_at, years)
                      if held_children[hold.child_id].left_at else None) for hold in holds]
    return {"today": today, "years": years, "horizon": horizon, "last_run": last_run(), "held": held,
            "due_now": [p for p in listed if p.due_on <= today], "upcoming": [p for p in listed if p.due_on > today],
            "kept": KEPT, "absence_years": absence.ABSENCE_YEARS, "kept_records": absence.kept_pupils()}


def hold_pupil(child, reason, actor):
    """Keep a former pupil's data past the retention period (the reason is required)."""
    if child.left_at is None or child.erased_at is not None:
        raise ServiceError("Alleen de gegevens van een oud-leerling die nog niet zijn gewist, kunt u bewaren.")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Vul een reden in waarom de school de gegevens bewaart.", field="reason")
    if db.session.get(RetentionHold, child.id) is not None:
        raise ServiceError(f"De gegevens van {child.name} worden al bewaard.")
    db.session.add(RetentionHold(child_id=child.id, reason=reason[:300], created_by_id=actor.id))
    record_change(actor, "child", child.id, HOLD_ACTION, ["retention"])
    db.session.commit()


def release_hold(child, actor):
    """The pupil's data goes at the next run when the period has passed."""
    hold = db.session.get(RetentionHold, child.id)
    if hold is None:
        raise ServiceError(f"De gegevens van {child.name} werden niet bewaard.")
    db.session.delete(hold)
    record_change(actor, "child", child.id, UNHOLD_ACTION, ["retention"])
    db.session.commit()

"""Inzage (AVG art. 15): a person downloads everything the portal holds about them and
their children, made by a job; only they can download it.

The scan test fills every table that points at a person or a pupil (found through the
metadata, so a table added later is filled and checked too) with a distinct marker in
every text column, for two families, and checks the export of family A's parent: all of
A's rows are in it, not one marker of family B, of the other parent's own rows, or of a
secret column."""
import json
import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, Enum, Integer, String, Text, Time, select

from app.account import inzage
from app.account.inzage.collect import SECRET
from app.audit import record_change
from app.extensions import db
from app.models import AuditEntry, Child, DataExport, NotificationEvent, User, utcnow
from tests.factories import GroupFactory, ParentFactory, family, teacher_of
from tests.fixtures.users import csrf_from, login_client

USERS, CHILDREN = User.__table__, Child.__table__
# Filled by the factories (the links of the families), not by the generic filler.
LINK_TABLES = {"guardianships", "group_teachers"}


# --- a generic filler over the metadata ----------------------------------------------------------

class Filler:
    """Inserts rows into any table: a marker in every free text column, FKs as told or to
    a default row (made on demand, by the teacher)."""

    def __init__(self, teacher):
        self.teacher = teacher
        self.counter = 0
        self.defaults = {"users": teacher.id}
        self.markers = {}  # marker -> owner tag

    def marker(self, tag):
        self.counter += 1
        value = f"ZQ{tag}{self.counter:04d}"
        self.markers[value] = tag
        return value

    @staticmethod
    def _allowed(table, column):
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint):
                found = re.search(rf"\b{column.name} IN \(([^)]*)\)", str(constraint.sqltext))
                if found:
                    return [v.strip().strip("'") for v in found.group(1).split(",")]
                found = re.search(rf"\b{column.name} BETWEEN (\d+)", str(constraint.sqltext))
                if found:
                    return [found.group(1)]
        return None

    def _default_fk(self, column):
        fk = next(iter(column.foreign_keys))
        target = fk.column
        if not target.primary_key:  # meeting_bookings.round_id -> meeting_slots.round_id: that round
            return self._default_fk(target)
        name = target.table.name
        if name == "meeting_slots" or name not in self.defaults:  # every booking needs a slot of its own
            row_id = self.fill(target.table, "T")
            if name == "meeting_slots":
                return row_id
            self.defaults[name] = row_id
        return self.defaults[name]

    def value(self, table, column, tag):
        allowed = self._allowed(table, column)
        kind = column.type
        if allowed:
            return int(allowed[0]) if isinstance(kind, Integer) else allowed[0]
        if isinstance(kind, Enum):
            return kind.enums[0] if not kind.enum_class else list(kind.enum_class)[0]
        if isinstance(kind, JSON):
            return {"tekst": self.marker(tag)}
        if isinstance(kind, (String, Text)):
            return self.marker(tag)[: kind.length or 100]
        if isinstance(kind, Boolean):
            return False
        if isinstance(kind, DateTime):
            return utcnow()
        if isinstance(kind, Date):
            return date.today()
        if isinstance(kind, Time):
            return time(10, 0) if column.name.startswith("end") else time(9, 0)
        if isinstance(kind, Integer):
            self.counter += 1
            return self.counter
        raise AssertionError(f"no test value for {table.name}.{column.name} ({kind})")

    def fill(self, table, tag, given=None):
        given = dict(given or {})
        values = {}
        for column in table.columns:
            if column.name in given:
                values[column.name] = given[column.name]
            elif column.foreign_keys:
                values[column.name] = self._default_fk(column)
            elif column.primary_key and column.autoincrement in (True, "auto") and isinstance(column.type, Integer):
                continue
            else:
                values[column.name] = self.value(table, column, tag)
        result = db.session.execute(table.insert().values(values))
        db.session.flush()
        key = result.inserted_primary_key
        return key[0] if len(key) == 1 else tuple(key)

    def mark_row(self, table, row_id, tag):
        """Markers in every text column of an existing row (users, children)."""
        values = {c.name: self.value(table, c, tag) for c in table.columns
                  if isinstance(c.type, (String, Text)) and not isinstance(c.type, Enum)}
        db.session.execute(table.update().where(table.c.id == row_id).values(values))


def _people_fks(table):
    return [(fk.parent, fk.column.table, (fk.ondelete or "").upper()) for fk in table.foreign_keys
            if fk.column.table in (USERS, CHILDREN)]


def direct_tables():
    """Tables whose rows belong to an account (CASCADE) or are about a pupil."""
    found = []
    for table in db.metadata.sorted_tables:
        if table in (USERS, CHILDREN) or table.name in LINK_TABLES | {"data_exports"}:
            continue
        fks = _people_fks(table)
        if any(target is CHILDREN or ondelete == "CASCADE" for _, target, ondelete in fks):
            found.append(table)
    return found


def dependent_tables(source):
    """Tables whose rows belong to a row of `source` and point at no person or pupil."""
    return [table for table in db.metadata.sorted_tables
            if not _people_fks(table) and table.name != "data_exports"
            and any(fk.column.table is source and fk.column.primary_key and (fk.ondelete or "").upper() == "CASCADE"
                    for fk in table.foreign_keys)]


def _owner_values(table, owner, other_parent):
    """FK values for a row owned by a user (`owner` in users) or a child."""
    values = {}
    for column, target, ondelete in _people_fks(table):
        if target is owner[0] and (target is CHILDREN or ondelete == "CASCADE"):
            values[column.name] = owner[1]
        elif target is CHILDREN:  # a row of a parent: no pupil in it
            values[column.name] = None
        elif ondelete == "CASCADE" and column.nullable:  # a pupil's row is nobody's account row
            values[column.name] = None
        else:  # author, booked by, answered by: the other parent of the family
            values[column.name] = other_parent
    return values


def fill_owned(filler, owner, tag, other_parent, expected):
    """One row in every direct table (and one in each table depending on it) for `owner`."""
    for table in direct_tables():
        if not any(target is owner[0] and (target is CHILDREN or ondelete == "CASCADE")
                   for _, target, ondelete in _people_fks(table)):
            continue
        if owner[0] is USERS and any(target is CHILDREN and not column.nullable
                                     for column, target, _ in _people_fks(table)):
            continue  # a row about a pupil as well (a conversation): filled as the pupil's, below
        row_id = filler.fill(table, tag, _owner_values(table, owner, other_parent))
        expected.setdefault(table.name, set()).add(row_id)
        for dependent in dependent_tables(table):
            link = next(fk.parent.name for fk in dependent.foreign_keys
                        if fk.column.table is table and fk.column.primary_key)
            expected.setdefault(dependent.name, set()).add(filler.fill(dependent, tag, {link: row_id}))


@pytest.fixture
def two_families(app):
    group = GroupFactory()
    teacher = teacher_of(group)
    filler = Filler(teacher)
    child_a, (parent_a, partner_a) = family(group, parents=2, read_only_second=True)
    child_b, (parent_b, partner_b) = family(group, parents=2)
    for user, tag in [(parent_a, "P"), (partner_a, "Q"), (parent_b, "R"), (partner_b, "S"), (teacher, "T")]:
        filler.mark_row(USERS, user.id, tag)
    filler.mark_row(CHILDREN, child_a.id, "A")
    filler.mark_row(CHILDREN, child_b.id, "B")
    expected = {"persoon": {}, "kind": {}}
    fill_owned(filler, (USERS, parent_a.id), "P", None, expected["persoon"])
    fill_owned(filler, (USERS, partner_a.id), "Q", None, {})
    fill_owned(filler, (USERS, parent_b.id), "R", None, {})
    fill_owned(filler, (USERS, teacher.id), "T", None, {})
    fill_owned(filler, (CHILDREN, child_a.id), "A", partner_a.id, expected["kind"])
    fill_owned(filler, (CHILDREN, child_b.id), "B", partner_b.id, {})
    # The audit log, by subject.
    for subject_type, subject_id, tag in [("user", parent_a.id, "P"), ("child", child_a.id, "A"),
                                          ("user", parent_b.id, "R"), ("child", child_b.id, "B"),
                                          ("user", partner_a.id, "Q")]:
        entry = record_change(teacher, subject_type, subject_id, filler.marker(tag), [filler.marker(tag)])
        db.session.flush()
        if tag in "PA":
            expected["persoon" if tag == "P" else "kind"].setdefault("audit_entries", set()).add(entry.id)
    # A school record in which parent A is only named (as its maker).
    event = NotificationEvent(kind=filler.marker("P"), subject_type="x", subject_id=1,
                              payload={"tekst": filler.marker("P")}, created_by_id=parent_a.id)
    db.session.add(event)
    db.session.commit()
    return {"filler": filler, "parent": parent_a, "partner": partner_a, "child": child_a, "expected": expected,
            "event": event.id, "teacher": teacher}


def make_export(user):
    export, started = inzage.request_export(user)
    assert started
    db.session.expire_all()
    export = db.session.get(DataExport, export.id)
    assert export.state == "ready"
    return export


def _keys(table_name, rows):
    table = db.metadata.tables[table_name]
    keys = [c.name for c in table.primary_key.columns]
    return {row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys) for row in rows}


def test_the_export_holds_every_row_about_the_family_and_nothing_else(app, two_families):
    world = two_families
    filler, expected = world["filler"], world["expected"]
    export = make_export(db.session.get(User, world["parent"].id))
    data = json.loads(export.json)
    everything = export.html + export.json

    # (a) Every table with rows about the parent or the child: those rows, by key.
    assert expected["persoon"] and expected["kind"]
    assert {t.name for t in direct_tables() if _people_fks(t)} <= set(expected["persoon"]) | set(expected["kind"])
    person_tables = data["persoon"]["tabellen"]
    for name, keys in expected["persoon"].items():
        assert name in person_tables, f"{name} missing from the parent's part"
        assert keys <= _keys(name, person_tables[name]["rijen"]), name
    [child_part] = data["kinderen"]
    assert child_part["gegevens"]["id"] == world["child"].id
    for name, keys in expected["kind"].items():
        assert name in child_part["tabellen"], f"{name} missing from the child's part"
        assert keys <= _keys(name, child_part["tabellen"][name]["rijen"]), name
    # The links to the child: both parents, the other one by name only.
    assert child_part["andere_ouders"] == [world["partner"].name]
    # The row naming the parent as its maker is listed, without its content.
    assert world["event"] in {row["id"] for row in data["vermeld_als"]["notification_events"]["rijen"]}

    # Every marker of the parent's and the child's own rows is in both files...
    secret_columns = {f"{t.name}.{c.name}" for t in db.metadata.sorted_tables for c in t.columns if SECRET.search(c.name)}
    own = {marker for marker, tag in filler.markers.items() if tag in "PA"}
    event = db.session.get(NotificationEvent, world["event"])
    content_only = {event.kind, event.payload["tekst"]}
    secrets = set()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if f"{table.name}.{column.name}" in secret_columns and isinstance(column.type, (String, Text)):
                secrets |= {v for v in db.session.scalars(select(column)) if v}
    for marker in sorted(own - secrets - content_only):
        assert marker in export.json and marker in export.html, marker
    # (b) ...and not one of the other family's, of the partner's own rows (only the name), or
    # (c) of a secret column (hash, token, password).
    others = set(re.findall(r"ZQ[BRS]\d{4}", everything, re.IGNORECASE))
    assert others == set()
    partner = db.session.get(User, world["partner"].id)
    assert set(re.findall(r"ZQQ\d{4}", everything, re.IGNORECASE)) <= {partner.first_name, partner.last_name}
    leaked = [value for value in secrets | content_only if value in everything]
    assert leaked == []
    for name in ("password_hash", "token_hash", "token", "claim_token"):
        assert f'"{name}"' not in export.json


def test_a_read_only_guardian_gets_the_childs_data_too(app, two_families):
    partner = db.session.get(User, two_families["partner"].id)
    data = json.loads(make_export(partner).json)
    [child_part] = data["kinderen"]
    assert child_part["gegevens"]["id"] == two_families["child"].id
    assert child_part["tabellen"]["consent_answers"]["rijen"]
    assert child_part["andere_ouders"] == [two_families["parent"].name]


# --- the page, the downloads, ownership -------------------------------------------------------

def _ask(client):
    token = csrf_from(client.get("/account/inzage").get_data(as_text=True))
    return client.post("/account/inzage", data={"csrf_token": token})


def test_asking_downloading_and_only_the_owner(app):
    child, (parent, other) = family(parents=2)
    stranger = ParentFactory()
    client = login_client(app, parent)
    page = client.get("/account/inzage").get_data(as_text=True)
    assert "Mijn gegevens downloaden" in page and "Opslaan als PDF" in page
    assert _ask(client).status_code == 302
    page = client.get("/account/inzage").get_data(as_text=True)
    assert "Uw download is klaar" in page
    export = db.session.scalar(select(DataExport).where(DataExport.user_id == parent.id))
    for kind, mimetype in [("html", "text/html"), ("json", "application/json")]:
        response = client.get(f"/account/inzage/{export.id}/{kind}")
        assert response.status_code == 200 and response.mimetype == mimetype
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="mijn-gegevens-ouderportaal-{export.created_at:%Y-%m-%d}.{kind}"')
        assert response.headers["Cache-Control"] == "no-store"
    assert child.first_name in client.get(f"/account/inzage/{export.id}/html").get_data(as_text=True)
    # Another person's export is a 404, also for the other parent of the same child.
    for user in (stranger, other):
        assert login_client(app, user).get(f"/account/inzage/{export.id}/html").status_code == 404
    assert client.get(f"/account/inzage/{export.id + 99}/json").status_code == 404
    assert client.get(f"/account/inzage/{export.id}/pdf").status_code == 404
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == parent.id,
                                                                 AuditEntry.subject_type == "user")).all()
    assert actions.count("inzage aangevraagd") == 1 and actions.count("inzage gedownload") == 3


def test_a_new_request_replaces_the_old_export_and_old_ones_are_removed(app):
    _, (parent,) = family()
    _, (neighbour,) = family()
    client = login_client(app, parent)
    _ask(client)
    first = db.session.scalar(select(DataExport).where(DataExport.user_id == parent.id))
    first.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    _ask(client)
    db.session.expire_all()
    [export] = db.session.scalars(select(DataExport).where(DataExport.user_id == parent.id)).all()
    assert export.created_at > utcnow() - timedelta(hours=1) and export.state == "ready"
    # Older than seven days: gone when a page is opened, also another person's.
    old = DataExport(user_id=neighbour.id, state="ready", html="x", json="{}",
                     created_at=utcnow() - timedelta(days=8), ready_at=utcnow() - timedelta(days=8))
    db.session.add(old)
    db.session.commit()
    client.get("/account/inzage")
    assert db.session.scalars(select(DataExport.id).where(DataExport.user_id == neighbour.id)).all() == []


def test_one_export_at_a_time_and_a_rate_limit(app):
    _, (parent,) = family()
    db.session.add(DataExport(user_id=parent.id, state="queued"))
    db.session.commit()
    client = login_client(app, parent)
    page = client.get("/account/inzage").get_data(as_text=True)
    assert "Uw download wordt gemaakt" in page and "Vernieuwen" in page
    _ask(client)
    [export] = db.session.scalars(select(DataExport).where(DataExport.user_id == parent.id)).all()
    assert export.state == "queued"  # not a second one
    db.session.delete(export)
    db.session.commit()
    statuses = [_ask(client).status_code for _ in range(5)]  # five an hour, the first one above
    assert statuses == [302] * 4 + [429]
    response = _ask(client)
    assert "al vaak opgevraagd" in response.get_data(as_text=True)


def test_without_a_login_there_is_nothing(client):
    assert client.get("/account/inzage").status_code == 302
    assert client.get("/account/inzage/1/html").status_code == 302


def test_the_real_worker_makes_the_export(app, pipeline):
    child, (parent,) = family()
    client = login_client(app, parent)
    _ask(client)
    page = client.get("/account/inzage").get_data(as_text=True)
    assert "Uw download wordt gemaakt" in page
    pipeline.drain()
    db.session.expire_all()
    page = client.get("/account/inzage").get_data(as_text=True)
    assert "Uw download is klaar" in page and "Download als JSON" in page
    export = db.session.scalar(select(DataExport).where(DataExport.user_id == parent.id))
    data = json.loads(client.get(f"/account/inzage/{export.id}/json").get_data(as_text=True))
    assert data["kinderen"][0]["gegevens"]["first_name"] == child.first_name


def test_a_teachers_export_holds_their_own_rows_and_no_family(app, two_families):
    """Staff ask for their data too: their own rows, and the school records naming them
    (albums, notes, the audit log of what they changed) by number only."""
    teacher = db.session.get(User, two_families["teacher"].id)
    export = make_export(teacher)
    data = json.loads(export.json)
    assert data["kinderen"] == [] and data["persoon"]["tabellen"]["message_replies"]["rijen"]
    assert "audit_entries" in data["vermeld_als"]
    found = set(re.findall(r"ZQ[A-Z]\d{4}", export.html + export.json, re.IGNORECASE))
    assert found and all(marker.upper().startswith("ZQT") for marker in found)


# --- Afwezigheid in the export ----------------------------------------------------------------

def _section(html, title):
    return html.split(f"<h3>{title}</h3>")[1].split("</table>")[0]


def test_the_export_shows_the_childrens_absence_and_leave_readably_and_no_other_family(app):
    """A parent's export holds their children's absence reports and leave requests (also a
    request for two siblings, and one the other parent made), with Dutch column names, the
    reason's name, the part of the day, the kind and status spelled out; nothing of another
    family's absence."""
    from sqlalchemy import func

    from app.models import AbsenceReport, LeaveRequest
    from tests.factories import AdminFactory, ChildFactory, GuardianshipFactory, absence_reasons, absence_report, \
        leave_request

    app.config["PRETEND_NOW"] = "2026-12-02 10:00"
    reasons = absence_reasons()
    group = GroupFactory(name="3", level=3)
    office = AdminFactory(first_name="Karin", last_name="Administratie")
    sam, (marloes, peter) = family(group, parents=2, read_only_second=True, first_name="Sam", last_name="Jansen")
    lotte = ChildFactory(first_name="Lotte", last_name="Jansen", group=group)
    GuardianshipFactory(parent=marloes, child=lotte)
    other, (stranger,) = family(group, first_name="Vreemd", last_name="Anderskind")
    absence_report(sam, reasons["Bezoek huisarts of tandarts"], date(2026, 12, 3), date(2026, 12, 3), part="ochtend",
                   by=marloes, note="Tandarts om negen uur")
    absence_report(lotte, reasons["Ziek"], date(2026, 12, 1), None, by=marloes, note="Griep")
    leave_request([sam, lotte], "vakantie", date(2027, 3, 8), date(2027, 3, 12), by=marloes, status="geweigerd",
                  reason="Seizoenswerk in de horeca", decided_by=office, decided_at=utcnow(),
                  decision_reason="Geen werkgeversverklaring bijgevoegd",
                  checks=[{"code": "notice", "text": "Vakantieverlof vraagt u ten minste 8 weken van tevoren aan."}])
    leave_request([sam], "gewichtig", date(2026, 12, 18), by=peter, reason="Huwelijk van een oom")
    absence_report(other, reasons["Overig"], date(2026, 12, 2), None, by=stranger, note="GEHEIM-ANDER-GEZIN")
    leave_request([other], "gewichtig", date(2026, 12, 17), by=stranger, reason="GEHEIM-ANDERE-AANVRAAG")

    export = make_export(db.session.get(User, marloes.id))
    data = json.loads(export.json)
    everything = export.html + export.json
    assert "GEHEIM-AND" not in everything and "Anderskind" not in everything

    by_child = {part["gegevens"]["first_name"]: part["tabellen"] for part in data["kinderen"]}
    assert {row["note"] for row in by_child["Sam"]["absence_reports"]["rijen"]} == {"Tandarts om negen uur"}
    assert {row["note"] for row in by_child["Lotte"]["absence_reports"]["rijen"]} == {"Griep"}
    assert {row["reason"] for row in by_child["Sam"]["leave_requests"]["rijen"]} == {
        "Seizoenswerk in de horeca", "Huwelijk van een oom"}
    assert {row["reason"] for row in by_child["Lotte"]["leave_requests"]["rijen"]} == {"Seizoenswerk in de horeca"}
    assert by_child["Sam"]["leave_requests"]["omschrijving"] == "verlofaanvragen"
    assert db.session.scalar(select(func.count(AbsenceReport.id))) == 3
    assert db.session.scalar(select(func.count(LeaveRequest.id))) == 3

    sam_html = export.html.split("<h2>Sam Jansen</h2>")[1].split("<h2>")[0]
    reports = _section(sam_html, "Ziek- en afwezigheidsmeldingen")
    for text in ("Reden", "Toelichting", "Eerste dag", "Laatste dag", "Dagdeel", "Gemeld door",
                 "Bezoek huisarts of tandarts", "Tandarts om negen uur", "3 december 2026", "Ochtend", marloes.name):
        assert text in reports, text
    leave = _section(sam_html, "Verlofaanvragen")
    for text in ("Soort", "Status", "Aangevraagd door", "Besloten door", "Toelichting bij het besluit",
                 "Vakantieverlof", "Gewichtige omstandigheden", "Geweigerd", "In behandeling", "8 maart 2027",
                 "Geen werkgeversverklaring bijgevoegd", "Vakantieverlof vraagt u ten minste 8 weken van tevoren aan.",
                 "Karin Administratie", peter.name):
        assert text in leave, text
    lotte_html = export.html.split("<h2>Lotte Jansen</h2>")[1].split("<h2>")[0]
    assert "Griep" in _section(lotte_html, "Ziek- en afwezigheidsmeldingen")
    assert "Seizoenswerk in de horeca" in _section(lotte_html, "Verlofaanvragen")
    assert "Huwelijk van een oom" not in lotte_html
    for raw in ("reason id", "reason_id", "requested by id", "ingediend", "geweigerd<", "vakantie<", ">ochtend<"):
        assert raw not in export.html, raw

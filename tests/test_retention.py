"""The retention period of former pupils (Beheer › Bewaartermijn, app/admin/retention.py):
a run with a pretend date erases exactly the due pupils — checked over every row of every
table — keeps the consent history of pupils in existing photos, is idempotent, and the
office sees a month ahead and can hold a pupil back."""
import json
from datetime import date, datetime

import pytest
from sqlalchemy import JSON, func, select

from app.admin import retention
from app.extensions import db
from app.models import (
    AuditEntry,
    Child,
    ChildNote,
    ConsentAnswer,
    ConsentPurpose,
    ConsentPurposeVersion,
    ContactNumber,
    Guardianship,
    Message,
    PhotoTag,
    PrivacySetting,
    RetentionHold,
    SchoolSetting,
    User,
)
from tests.factories import (
    AdminFactory,
    ChildFactory,
    GroupFactory,
    GuardianshipFactory,
    MessageFactory,
    ParentFactory,
    TeacherFactory,
    album_with_photos,
    image_object,
    stored_album_image,
)
from tests.fixtures.users import csrf_from, login_client
from tests.meetings_data import make_round

TODAY = date(2031, 9, 15)
NOW = "2031-09-15 10:00"
PAGE = "/beheer/school/bewaartermijn"


def post(client, path, data=None):
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_from(client.get(PAGE).get_data(as_text=True)))
    return client.post(path, data=data)


# --- the whole database, row by row ------------------------------------------------------------

def _plain(value, column):
    if isinstance(column.type, JSON):
        return json.dumps(value, sort_keys=True)
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def snapshot():
    """{table: {primary key: row}} of every table."""
    db.session.expire_all()
    found = {}
    for table in db.metadata.sorted_tables:
        keys = [table.columns.keys().index(c.name) for c in table.primary_key.columns]
        rows = {}
        for row in db.session.execute(select(table)).all():
            values = tuple(_plain(v, c) for v, c in zip(row, table.columns))
            rows[tuple(values[i] for i in keys)] = values
        found[table.name] = rows
    return found


def differences(before, after):
    """{table: {"removed": keys, "added": keys, "changed": keys}} of the tables that differ."""
    found = {}
    for name, old in before.items():
        new = after[name]
        diff = {"removed": set(old) - set(new), "added": set(new) - set(old),
                "changed": {key for key in set(old) & set(new) if old[key] != new[key]}}
        if any(diff.values()):
            found[name] = {kind: keys for kind, keys in diff.items() if keys}
    return found


# --- the school around the boundary ------------------------------------------------------------

def albums_version():
    purpose = ConsentPurpose(code="albums")
    db.session.add(purpose)
    db.session.flush()
    version = ConsentPurposeVersion(purpose_id=purpose.id, number=1, name="Besloten fotoalbums")
    db.session.add(version)
    db.session.commit()
    return version


def former(first, left_at, **fields):
    return ChildFactory(first_name=first, last_name="Retentietest", group=None, left_at=left_at, **fields)


def parent_of(first, *children):
    parent = ParentFactory(first_name=first, last_name="Ouderlijk")
    for child in children:
        GuardianshipFactory(parent=parent, child=child)
    return parent


@pytest.fixture
def school(app):
    """Pupils around the boundary of 2 years (today 15-09-2031)."""
    app.config["PRETEND_NOW"] = NOW
    group = GroupFactory(name="5", level=5)
    version = albums_version()
    s = {"office": AdminFactory(first_name="Karin", last_name="Administratie")}
    s["over"] = former("Annefleur", date(2029, 9, 14), birth_date=date(2017, 3, 3), street="Kerkpad",
                       house_number="4", postcode="3851 AA", city="Ermelo", phone="0341-111111",
                       email="annefleur@example.nl", student_number="R-1", gender="meisje")
    s["exact"] = former("Bartholomeus", date(2029, 9, 15))
    s["less"] = former("Cornelis", date(2029, 9, 16))
    s["held"] = former("Dieuwertje", date(2020, 1, 1))
    s["current"] = ChildFactory(first_name="Evertje", last_name="Retentietest", group=group)
    s["sibling_left"] = former("Frederiek", date(2028, 6, 1))
    s["marked"] = former("Hendrika", date(2028, 7, 1))
    photo = stored_album_image()
    s["over"].photo_id = photo.id
    db.session.add(RetentionHold(child_id=s["held"].id, reason="Lopend onderzoek", created_by_id=s["office"].id))
    s["parent_over"] = parent_of("Wilhelmus", s["over"])
    s["parent_sibling"] = parent_of("Gerritje", s["sibling_left"], s["current"])
    s["parent_marked"] = parent_of("Jozefien", s["marked"])
    s["parent_exact"] = parent_of("Lambertus", s["exact"])
    s["parent_held"] = parent_of("Maartje", s["held"])
    s["teacher"] = TeacherFactory(first_name="Nicolaas", last_name="Leerkracht")  # also a parent of a due pupil
    GuardianshipFactory(parent=s["teacher"], child=s["over"])
    db.session.add_all([
        ChildNote(child_id=s["over"].id, author_id=s["teacher"].id, body="Was vaak moe."),
        ChildNote(child_id=s["exact"].id, author_id=s["teacher"].id, body="Speelt graag met Annefleur  Retentietest."),
        ContactNumber(child_id=s["over"].id, label="oma", number="0341-222222", is_emergency=True),
        ContactNumber(user_id=s["parent_over"].id, label="werk", number="033-3333333"),
        PrivacySetting(child_id=s["over"].id, field="photo", visibility="staff"),
        PrivacySetting(user_id=s["parent_over"].id, field="phone", visibility="staff"),
    ])
    for child, parent, given in ((s["over"], s["parent_over"], True), (s["marked"], s["parent_marked"], False),
                                 (s["exact"], s["parent_exact"], True), (s["sibling_left"], s["parent_sibling"], True)):
        db.session.add(ConsentAnswer(child_id=child.id, version_id=version.id, school_year="2027-2028",
                                     given=given, parent_id=parent.id))
    _, (album_photo,) = album_with_photos(1, groups=[group])
    db.session.add(PhotoTag(photo_id=album_photo.id, child_id=s["marked"].id))
    db.session.commit()
    s["message"] = MessageFactory(title="Afscheid", text="Annefleur Retentietest gaat naar het voortgezet onderwijs.",
                                  groups=[group])
    make_round(group, invite=[s["over"], s["current"]])
    s["photo_file"], s["photo_id"] = image_object(photo), photo.id
    return s


def ids(*children):
    return {child.id for child in children}


def test_a_run_erases_exactly_the_due_pupils_and_nothing_else(app, school):
    s = school
    assert s["photo_file"].exists()
    due = ids(s["over"], s["sibling_left"], s["marked"])
    erased_parents = {s["parent_over"].id, s["parent_marked"].id}
    before = snapshot()

    run = retention.run_retention()  # today from the pretend clock: 15-09-2031
    assert (run.pupils, run.accounts, run.failed) == (3, 2, 0)
    after = snapshot()
    diff = differences(before, after)

    # Pupils: the due ones are anonymised, every other pupil row is exactly as it was.
    assert diff.pop("children") == {"changed": {(i,) for i in due}}
    for child_id in due:
        child = db.session.get(Child, child_id)
        assert (child.first_name, child.last_name, child.birth_date, child.street, child.house_number, child.postcode,
                child.city, child.phone, child.email, child.student_number, child.gender, child.photo_id) == (
            "Oud-leerling", "", None, "", "", "", "", "", "", None, "", None)
        assert child.erased_at is not None and child.left_at is not None
    # Parents: only those without another pupil; the sibling's parent, staff and the others stay.
    assert diff.pop("users") == {"changed": {(i,) for i in erased_parents}}
    assert diff.pop("stored_images") == {"removed": {(s["photo_id"],)}}
    assert not s["photo_file"].exists()
    # The pupils' own rows go; consent history stays only for the pupil marked in a photo.
    assert diff.pop("guardianships") == {"removed": {
        (s["parent_over"].id, s["over"].id), (s["teacher"].id, s["over"].id),
        (s["parent_sibling"].id, s["sibling_left"].id), (s["parent_marked"].id, s["marked"].id)}}
    assert diff.pop("consent_answers")["removed"] == {
        key for key, row in before["consent_answers"].items() if row[1] in ids(s["over"], s["sibling_left"])}
    # The pupil's own note goes; her full name in another pupil's note and in a message is scrubbed.
    notes = diff.pop("child_notes")
    assert len(notes["removed"]) == 1 and len(notes["changed"]) == 1
    assert db.session.scalar(select(ChildNote.body).where(ChildNote.child_id == s["exact"].id)) == \
        "Speelt graag met [gewist]."
    assert diff.pop("messages") == {"changed": {(s["message"].id,)}}
    assert db.session.get(Message, s["message"].id).text == "[gewist] gaat naar het voortgezet onderwijs."
    assert len(diff.pop("contact_numbers")["removed"]) == 2  # the pupil's and its erased parent's
    assert len(diff.pop("privacy_settings")["removed"]) == 2
    assert len(diff.pop("meeting_invitations")["removed"]) == 1
    # The audit log only grows; the last run is written down.
    assert set(diff.pop("audit_entries")) == {"added"}
    assert diff.pop("school_settings") == {"added": {("retention.last_run",)}}
    assert diff == {}, "nothing else changes"

    kept = db.session.scalars(select(ConsentAnswer)).all()
    assert {a.child_id for a in kept} == ids(s["marked"], s["exact"])
    assert db.session.scalar(select(func.count()).select_from(PhotoTag)) == 1
    assert db.session.scalars(select(Guardianship.child_id).where(
        Guardianship.parent_id == s["parent_sibling"].id)).all() == [s["current"].id]


def test_the_erased_parent_is_anonymised_like_an_erasure_and_it_is_audited(app, school):
    s = school
    parent_id, child_id = s["parent_over"].id, s["over"].id
    retention.run_retention(TODAY)
    parent = db.session.get(User, parent_id)
    assert parent.login_name == f"gewist-{parent_id}@gewist.invalid"
    assert (parent.first_name, parent.last_name, parent.email, parent.password_hash) == ("Gewist", "account", "", None)
    assert parent.deactivated_at is not None
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "bewaartermijn verlopen")).all()
    assert {(e.subject_type, e.subject_id) for e in entries} >= {("user", parent_id), ("child", child_id)}
    assert all(e.actor_id is None for e in entries)
    # The kept consent answer still points at the (anonymised) parent who gave it.
    answer = db.session.scalar(select(ConsentAnswer).where(ConsentAnswer.child_id == s["marked"].id))
    assert answer.parent_id == s["parent_marked"].id
    assert db.session.get(User, s["parent_marked"].id).first_name == "Gewist"


def test_a_second_run_with_the_same_date_changes_nothing(app, school):
    retention.run_retention(TODAY)
    before = snapshot()
    result = app.test_cli_runner().invoke(args=["retention", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "0 oud-leerling(en) en 0 ouderaccount(s) gewist" in result.output
    diff = differences(before, snapshot())
    # Only the bookkeeping of the last run (now: 0 erased) differs.
    assert diff == {"school_settings": {"changed": {("retention.last_run",)}}}
    assert json.loads(db.session.get(SchoolSetting, "retention.last_run").value)["pupils"] == 0


def test_a_dry_run_names_the_due_pupils_and_changes_nothing(app, school):
    before = snapshot()
    result = app.test_cli_runner().invoke(args=["retention", "--today", "2031-09-15", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "3 oud-leerling(en) aan de beurt" in result.output
    for name in ("Annefleur", "Frederiek", "Hendrika"):
        assert name in result.output
    assert "Bartholomeus" not in result.output and "Cornelis" not in result.output
    assert differences(before, snapshot()) == {}
    bad = app.test_cli_runner().invoke(args=["retention", "--today", "15-09-2031"])
    assert bad.exit_code != 0 and differences(before, snapshot()) == {}


def test_the_next_day_the_boundary_pupils_follow_and_a_setting_moves_the_boundary(app, school):
    s = school
    retention.run_retention(TODAY)
    assert retention.run_retention(date(2031, 9, 16)).pupils == 1  # left exactly 2 years ago yesterday
    assert db.session.get(Child, s["exact"].id).erased_at is not None
    assert db.session.get(Child, s["less"].id).erased_at is None
    retention.set_retention_years(20)
    assert retention.run_retention(date(2031, 9, 30)).pupils == 0
    assert db.session.get(Child, s["less"].id).erased_at is None


def test_consent_history_goes_once_the_photos_it_covers_are_gone(app, school):
    s = school
    retention.run_retention(TODAY)
    tag = db.session.scalar(select(PhotoTag))
    db.session.delete(tag.photo)
    db.session.commit()
    run = retention.run_retention(TODAY)
    assert run.released == 1
    assert db.session.scalar(select(func.count()).where(ConsentAnswer.child_id == s["marked"].id)) == 0


def test_one_pupil_failing_does_not_stop_the_others(app, school, monkeypatch, caplog):
    s = school
    broken = s["sibling_left"].id

    def fails_for_one(child, today):
        if child.id == broken:
            raise RuntimeError("kapot")
        return False

    monkeypatch.setattr(retention, "KEPT", retention.KEPT + (retention.Kept("photo_tags", "test", fails_for_one),))
    run = retention.run_retention(TODAY)
    assert (run.pupils, run.failed) == (2, 1)
    assert db.session.get(Child, broken).erased_at is None
    assert db.session.get(Child, broken).first_name == "Frederiek"  # its transaction rolled back whole
    assert db.session.get(Child, s["over"].id).erased_at is not None
    assert "erasing pupil" in caplog.text


def test_build_cron_registers_the_nightly_retention_job(app):
    from redis import Redis

    from app.jobs.schedules import RETENTION_CRON, RETENTION_NAME, TICK_NAME, build_cron

    cron = build_cron(Redis.from_url("redis://127.0.0.1:6379/5"))  # no connection is made
    jobs = {job.name: job for job in cron.get_jobs()}
    assert set(jobs) == {TICK_NAME, RETENTION_NAME}
    job = jobs[RETENTION_NAME]
    assert (job.cron, job.func_name, RETENTION_CRON) == ("0 3 * * *", "app.admin.retention.run_retention", "0 3 * * *")


# --- the office's page --------------------------------------------------------------------------

def test_the_page_shows_due_now_the_month_ahead_and_the_held_pupils(app, school):
    s = school
    client = login_client(app, s["office"])
    html = client.get(PAGE).get_data(as_text=True)
    now_part = html.split('id="nu-kop"')[1].split('id="maand-kop"')[0]
    month_part = html.split('id="maand-kop"')[1].split('id="bewaard-kop"')[0]
    held_part = html.split('id="bewaard-kop"')[1]
    for name in ("Annefleur", "Frederiek", "Hendrika"):
        assert name in now_part
    # Left on 16-09-2029 and 15-09-2029: due on 17 and 16 September, within the month.
    assert "Cornelis" in month_part and "17-09-2031" in month_part and "16-09-2029" in month_part
    assert "Bartholomeus" in month_part and "Lambertus Ouderlijk: <strong>account wordt ook gewist" in month_part
    assert "Gerritje Ouderlijk: account blijft" in now_part
    assert "Wilhelmus Ouderlijk: <strong>account wordt ook gewist" in now_part
    assert "Nicolaas Leerkracht: account blijft" in now_part
    assert "Dieuwertje" in held_part and "Lopend onderzoek" in held_part and "Karin Administratie" in held_part
    assert "Dieuwertje" not in now_part and "Evertje" not in html
    assert "nog niet uitgevoerd" in html

    retention.run_retention(TODAY)
    html = client.get(PAGE).get_data(as_text=True)
    assert "3 oud-leerlingen en 2 ouderaccounts gewist" in html
    assert "Annefleur" not in html and "Cornelis" in html


def test_holding_a_pupil_back_keeps_their_data_and_releasing_lets_it_go(app, school):
    s = school
    client = login_client(app, s["office"])
    child_id = s["less"].id
    response = post(client, f"{PAGE}/{child_id}/bewaren", {f"bewaar-{child_id}-reason": "Verzoek van de ouders"})
    assert response.status_code == 302
    hold = db.session.get(RetentionHold, child_id)
    assert (hold.reason, hold.created_by_id) == ("Verzoek van de ouders", s["office"].id)
    html = client.get(PAGE).get_data(as_text=True)
    assert "Verzoek van de ouders" in html.split('id="bewaard-kop"')[1]
    assert retention.run_retention(date(2032, 1, 1)).pupils == 4  # not Cornelis, not Dieuwertje
    assert db.session.get(Child, child_id).first_name == "Cornelis"

    assert post(client, f"{PAGE}/{child_id}/niet-meer-bewaren").status_code == 302
    assert db.session.get(RetentionHold, child_id) is None
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.subject_type == "child", AuditEntry.subject_id == child_id).order_by(AuditEntry.id)).all()
    assert actions == ["bewaren (bewaartermijn)", "niet meer bewaren (bewaartermijn)"]
    assert retention.run_retention(date(2032, 1, 1)).pupils == 1


@pytest.mark.parametrize("reason, message", [
    ("", "Vul een reden in waarom de school de gegevens bewaart."),
    ("   ", "Vul een reden in waarom de school de gegevens bewaart."),
    ("x" * 301, "De reden mag maximaal 300 tekens zijn."),
])
def test_holding_back_needs_a_reason(app, school, reason, message):
    client = login_client(app, school["office"])
    child_id = school["less"].id
    response = post(client, f"{PAGE}/{child_id}/bewaren", {f"bewaar-{child_id}-reason": reason})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.get(RetentionHold, child_id) is None


def test_bad_requests_change_nothing(app, school):
    s = school
    client = login_client(app, s["office"])
    before = snapshot()
    child_id = s["less"].id
    field = f"bewaar-{child_id}-reason"
    assert post(client, f"{PAGE}/{child_id}/bewaren", {field: "a\x00b"}).status_code == 400
    assert post(client, f"{PAGE}/99999999999/bewaren", {field: "reden"}).status_code == 404
    assert post(client, f"{PAGE}/{s['current'].id}/bewaren", {f"bewaar-{s['current'].id}-reason": "x"}).status_code == 404
    already = post(client, f"{PAGE}/{s['held'].id}/bewaren", {f"bewaar-{s['held'].id}-reason": "nog eens"})
    assert already.status_code == 409 and "worden al bewaard" in already.get_data(as_text=True)
    assert post(client, f"{PAGE}/{child_id}/niet-meer-bewaren").status_code == 409
    assert client.post(f"{PAGE}/{s['held'].id}/niet-meer-bewaren").status_code == 400  # no CSRF token
    assert differences(before, snapshot()) == {}
    # A line break in the reason becomes a space (one line).
    assert post(client, f"{PAGE}/{child_id}/bewaren", {field: "regel een\r\nregel twee"}).status_code == 302
    assert db.session.get(RetentionHold, child_id).reason == "regel een regel twee"


@pytest.mark.parametrize("value, message", [
    ("0", "Kies een bewaartermijn van 1 tot en met 20 jaar."),
    ("21", "Kies een bewaartermijn van 1 tot en met 20 jaar."),
    ("99999999999999999999", "Kies een bewaartermijn van 1 tot en met 20 jaar."),
    ("twee", "Vul een heel getal in"),
    ("", "Vul de bewaartermijn in"),
])
def test_the_period_setting_is_validated_in_dutch(app, school, value, message):
    client = login_client(app, school["office"])
    response = post(client, PAGE, {"years": value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert retention.retention_years() == 2


def test_the_office_sets_the_period(app, school):
    client = login_client(app, school["office"])
    assert post(client, PAGE, {"years": "5"}).status_code == 302
    assert retention.retention_years() == 5
    html = client.get(PAGE).get_data(as_text=True)
    assert 'value="5"' in html and "langer dan 5 jaar geleden" in html
    assert retention.run_retention(TODAY).pupils == 0  # nobody left more than 5 years ago but the held pupil


def test_teachers_and_parents_cannot_reach_the_page(app, school):
    s = school
    for user in (s["teacher"], s["parent_sibling"]):
        client = login_client(app, user)
        token = csrf_from(client.get("/").get_data(as_text=True))
        assert client.get(PAGE).status_code == 403
        assert client.post(PAGE, data={"years": "1", "csrf_token": token}).status_code == 403
        assert client.post(f"{PAGE}/{s['less'].id}/bewaren",
                           data={f"bewaar-{s['less'].id}-reason": "x", "csrf_token": token}).status_code == 403
        assert client.post(f"{PAGE}/{s['held'].id}/niet-meer-bewaren", data={"csrf_token": token}).status_code == 403
    assert retention.retention_years() == 2
    assert db.session.get(RetentionHold, s["less"].id) is None
    assert db.session.get(RetentionHold, s["held"].id) is not None


def test_an_erased_pupil_is_gone_from_beheer_and_the_pupil_pages(app, school):
    s = school
    retention.run_retention()
    office = login_client(app, s["office"])
    for status in ("oud", "alle"):
        listing = office.get(f"/beheer/school/leerlingen?status={status}").get_data(as_text=True)
        assert f"/beheer/school/leerlingen/{s['over'].id}\"" not in listing
        assert "Cornelis" in listing  # the former pupil not yet due stays
    for path in (f"/beheer/school/leerlingen/{s['over'].id}", f"/kinderen/{s['over'].id}",
                 f"/kinderen/{s['over'].id}/toestemming", f"/beheer/school/personen/nieuw?leerling={s['over'].id}"):
        assert office.get(path).status_code == 404, path
    assert office.get(f"/beheer/school/leerlingen/{s['less'].id}").status_code == 200

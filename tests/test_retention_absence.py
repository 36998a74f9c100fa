"""The second retention period (app/admin/retention_absence.py): a former pupil's absence
reports and leave requests stay 5 years after leaving, with the pupil's name and birth
date, while the rest of the file goes after 2; then the same daily job removes them, the
leave requests left without a pupil and their statement files, and the name. All with a
pretend date (the job takes `today`)."""
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import exists, func, select
from werkzeug.datastructures import FileStorage

from app.absence import statements
from app.admin import retention
from app.admin.retention_absence import kept_until
from app.extensions import db
from app.models import (
    AbsenceReport, AuditEntry, Child, Guardianship, LeaveRequest, Message, RetentionHold, User, leave_request_children,
    utcnow,
)
from tests.factories import (
    AdminFactory, ChildFactory, GroupFactory, GuardianshipFactory, MessageFactory, ParentFactory, absence_reasons,
    absence_report, family, leave_request, pdf_bytes, statement_object,
)
from tests.fixtures.users import login_client
from tests.test_retention import differences, snapshot

LEFT = date(2028, 7, 14)              # a Friday, the last school day
ERASED_ON = date(2030, 7, 15)         # the day after the 2nd anniversary
THREE_YEARS = date(2031, 7, 15)
LAST_KEPT = date(2033, 7, 14)         # the 5th anniversary: still kept
GONE_ON = date(2033, 7, 15)           # the day after: removed
PAGE = "/beheer/school/bewaartermijn"


def with_statement(request, name="Werkgeversverklaring Wilma Verzuimouder.pdf"):
    statements.store_statement(request, FileStorage(stream=BytesIO(pdf_bytes()), filename=name))
    db.session.commit()
    return statement_object(request.statement_stored)


def orphan_requests():
    return db.session.scalar(select(func.count()).select_from(LeaveRequest).where(
        ~exists().where(leave_request_children.c.request_id == LeaveRequest.id)))


@pytest.fixture
def school(app):
    """A former pupil with absence records (Roosmarijn), her current brother, a former pupil
    without any (Cornelia), left on the same day."""
    app.config["PRETEND_NOW"] = "2028-06-01 10:00"
    reasons = absence_reasons()
    group = GroupFactory(name="5", level=5)
    s = {"office": AdminFactory(first_name="Karin", last_name="Administratie")}
    s["pupil"] = ChildFactory(first_name="Roosmarijn", last_name="Verzuimtest", group=None, left_at=LEFT,
                              birth_date=date(2016, 3, 3), student_number="V-1", street="Kerkpad", house_number="4",
                              postcode="3851 AA", city="Ermelo", phone="0341-111111", email="r@example.nl",
                              gender="meisje")
    s["brother"] = ChildFactory(first_name="Bartel", last_name="Verzuimtest", group=group)
    s["plain"] = ChildFactory(first_name="Cornelia", last_name="Zonderverzuim", group=None, left_at=LEFT,
                              birth_date=date(2016, 5, 5), student_number="V-3")
    s["mother"] = ParentFactory(first_name="Wilma", last_name="Verzuimouder")  # only Roosmarijn: erased at 2 years
    s["father"] = ParentFactory(first_name="Gerard", last_name="Verzuimvader")  # also Bartel's: stays
    GuardianshipFactory(parent=s["mother"], child=s["pupil"])
    GuardianshipFactory(parent=s["father"], child=s["pupil"])
    GuardianshipFactory(parent=s["father"], child=s["brother"])
    GuardianshipFactory(parent=s["father"], child=s["plain"])
    s["report"] = absence_report(s["pupil"], reasons["Ziek"], date(2028, 3, 6), date(2028, 3, 8), by=s["mother"],
                                 note="Buikgriep. Groet, Wilma Verzuimouder")
    s["withdrawn_report"] = absence_report(s["pupil"], reasons["Bezoek huisarts of tandarts"], date(2028, 4, 9),
                                           date(2028, 4, 9), by=s["mother"], withdrawn_at=utcnow())
    s["brother_report"] = absence_report(s["brother"], reasons["Ziek"], date(2028, 3, 6), date(2028, 3, 7),
                                         by=s["father"])
    s["refused"] = leave_request([s["pupil"]], "vakantie", date(2028, 5, 8), date(2028, 5, 12), by=s["mother"],
                                 status="geweigerd", decided_by=s["office"], decided_at=utcnow(),
                                 decision_reason="Geen verklaring waaruit blijkt dat het niet anders kan.")
    s["refused_file"] = with_statement(s["refused"])
    s["withdrawn"] = leave_request([s["pupil"]], "vakantie", date(2028, 6, 5), date(2028, 6, 9), by=s["mother"],
                                   status="ingetrokken", withdrawn_at=utcnow())
    s["withdrawn_file"] = with_statement(s["withdrawn"], "verklaring.pdf")
    s["both"] = leave_request([s["pupil"], s["brother"]], "gewichtig", date(2028, 6, 19), by=s["father"],
                              status="toegestaan", decided_by=s["office"], decided_at=utcnow(),
                              reason="Huwelijk van een oom.", decision_reason="Toegestaan: één dag.")
    s["message"] = MessageFactory(title="Afscheid", text="Roosmarijn Verzuimtest gaat verhuizen.", groups=[group])
    for key in ("report", "withdrawn_report", "brother_report", "refused", "withdrawn", "both"):
        s[key] = s[key].id  # ids: the rows themselves go
    app.config["PRETEND_NOW"] = "2031-07-15 10:00"
    return s


def ids(*rows):
    return set(rows)


def unchanged(before):
    """Nothing but the bookkeeping of the last run differs."""
    diff = differences(before, snapshot())
    assert diff.pop("school_settings", {"changed": {("retention.last_run",)}}) == {
        "changed": {("retention.last_run",)}}
    return diff == {}


def report_ids(child):
    return set(db.session.scalars(select(AbsenceReport.id).where(AbsenceReport.child_id == child.id)))


def request_ids(child):
    return set(db.session.scalars(select(leave_request_children.c.request_id)
                                  .where(leave_request_children.c.child_id == child.id)))


def test_three_years_after_leaving_only_the_absence_records_and_the_name_stay(app, school):
    s = school
    run = retention.run_retention(THREE_YEARS)
    assert (run.pupils, run.failed) == (2, 0)
    db.session.expire_all()
    pupil = db.session.get(Child, s["pupil"].id)
    # The name and birth date stay for the records; the rest of the row goes as for every pupil.
    assert pupil.erased_at is not None and pupil.left_at == LEFT
    assert (pupil.first_name, pupil.last_name, pupil.birth_date) == ("Roosmarijn", "Verzuimtest", date(2016, 3, 3))
    assert (pupil.student_number, pupil.street, pupil.postcode, pupil.city, pupil.phone, pupil.email, pupil.gender,
            pupil.photo_id) == (None, "", "", "", "", "", "", None)
    # Her reports stay with their dates, reason and child; the withdrawn one went.
    assert report_ids(pupil) == ids(s["report"])
    report = db.session.get(AbsenceReport, s["report"])
    assert (report.start_date, report.end_date, report.reason.name, report.child_id) == (
        date(2028, 3, 6), date(2028, 3, 8), "Ziek", pupil.id)
    # Her leave requests stay (refused, with its file; the one with her brother), the withdrawn one went, file too.
    assert request_ids(pupil) == ids(s["refused"], s["both"])
    assert db.session.get(LeaveRequest, s["withdrawn"]) is None and not s["withdrawn_file"].exists()
    assert s["refused_file"].exists()
    assert db.session.get(LeaveRequest, s["refused"]).decision_reason.startswith("Geen verklaring")
    assert orphan_requests() == 0
    # Her mother's account went (no other pupil): the records point at "Gewist account".
    mother = db.session.get(User, s["mother"].id)
    assert (mother.first_name, mother.last_name) == ("Gewist", "account")
    assert report.reported_by_id == mother.id and db.session.get(LeaveRequest, s["refused"]).requested_by_id == mother.id
    assert report.note == "Buikgriep. Groet, [gewist]"  # the erased mother's name is scrubbed from her note
    assert db.session.get(Guardianship, (s["father"].id, pupil.id)) is None
    assert db.session.get(User, s["father"].id).first_name == "Gerard"
    # Her full name is gone from the other texts (the message).
    assert db.session.get(Message, s["message"].id).text == "[gewist] gaat verhuizen."
    # A former pupil without absence records: exactly as before.
    plain = db.session.get(Child, s["plain"].id)
    assert (plain.first_name, plain.last_name, plain.birth_date, plain.student_number) == ("Oud-leerling", "", None,
                                                                                         None)
    # The brother's records are his own.
    assert report_ids(s["brother"]) == ids(s["brother_report"]) and request_ids(s["brother"]) == ids(s["both"])
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.subject_type == "child",
                                                       AuditEntry.subject_id == pupil.id,
                                                       AuditEntry.action == "bewaartermijn verlopen"))
    assert "first_name" not in entry.fields and "student_number" in entry.fields


def test_on_the_fifth_anniversary_they_stay_and_the_day_after_they_go(app, school):
    s = school
    retention.run_retention(ERASED_ON)
    assert db.session.get(Child, s["pupil"].id).erased_at is not None
    before = snapshot()
    assert retention.run_retention(LAST_KEPT).released == 0
    assert unchanged(before)

    run = retention.run_retention(GONE_ON)
    assert (run.pupils, run.released) == (0, 3)  # one report, two links
    db.session.expire_all()
    pupil = db.session.get(Child, s["pupil"].id)
    assert report_ids(pupil) == set() and request_ids(pupil) == set()
    # The refused request had no other pupil: it went, with its statement file.
    assert db.session.get(LeaveRequest, s["refused"]) is None and not s["refused_file"].exists()
    # The request with her brother stays, for him.
    assert [child.id for child in db.session.get(LeaveRequest, s["both"]).children] == [s["brother"].id]
    assert orphan_requests() == 0
    # And now the name and birth date go: "Oud-leerling" like every erased pupil.
    assert (pupil.first_name, pupil.last_name, pupil.birth_date) == ("Oud-leerling", "", None)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.subject_id == pupil.id,
                                                       AuditEntry.action == "bewaartermijn verzuim verlopen"))
    assert entry.actor_id is None and set(entry.fields) == {"absence", "leave", "first_name", "last_name",
                                                            "birth_date"}
    assert report_ids(s["brother"]) == ids(s["brother_report"])

    # A second run on the same day changes nothing.
    before = snapshot()
    assert retention.run_retention(GONE_ON).released == 0
    assert unchanged(before)


def test_29_february_the_period_ends_on_28_february(app):
    app.config["PRETEND_NOW"] = "2024-01-10 10:00"
    child = ChildFactory(first_name="Schrikkel", last_name="Jaarkind", group=None, left_at=date(2024, 2, 29))
    report = absence_report(child, start=date(2024, 1, 8), end=date(2024, 1, 8)).id
    assert kept_until(child.left_at) == date(2029, 2, 28)
    assert retention.run_retention(date(2026, 2, 28)).pupils == 0  # 2 years: due on 1 March
    assert retention.run_retention(date(2026, 3, 1)).pupils == 1
    assert retention.run_retention(date(2029, 2, 28)).released == 0
    assert db.session.get(AbsenceReport, report) is not None
    assert db.session.get(Child, child.id).first_name == "Schrikkel"
    assert retention.run_retention(date(2029, 3, 1)).released == 1
    assert db.session.get(AbsenceReport, report) is None
    assert db.session.get(Child, child.id).first_name == "Oud-leerling"


def test_only_withdrawn_records_keep_nothing(app):
    app.config["PRETEND_NOW"] = "2028-01-10 10:00"
    child = ChildFactory(first_name="Ingrid", last_name="Ingetrokken", group=None, left_at=LEFT)
    absence_report(child, start=date(2028, 1, 8), end=date(2028, 1, 8), withdrawn_at=utcnow())
    request = leave_request([child], status="ingetrokken").id
    assert retention.run_retention(ERASED_ON).pupils == 1
    assert db.session.get(Child, child.id).first_name == "Oud-leerling"
    assert report_ids(child) == set() and db.session.get(LeaveRequest, request) is None


def test_a_longer_period_than_five_years_takes_the_records_along(app, school):
    s = school
    retention.set_retention_years(6)
    assert retention.run_retention(date(2034, 7, 14)).pupils == 0
    assert retention.run_retention(date(2034, 7, 15)).pupils == 2
    pupil = db.session.get(Child, s["pupil"].id)
    assert pupil.first_name == "Oud-leerling" and report_ids(pupil) == set() and request_ids(pupil) == set()
    assert db.session.get(LeaveRequest, s["refused"]) is None and not s["refused_file"].exists()
    assert not s["withdrawn_file"].exists() and orphan_requests() == 0


def test_a_pupil_held_back_past_five_years_loses_the_records_when_released(app, school):
    s = school
    db.session.add(RetentionHold(child_id=s["pupil"].id, reason="Lopend onderzoek", created_by_id=s["office"].id))
    db.session.commit()
    assert retention.run_retention(GONE_ON + timedelta(days=30)).pupils == 1  # only Cornelia
    assert report_ids(s["pupil"]) == ids(s["report"], s["withdrawn_report"])  # held: nothing goes
    db.session.delete(db.session.get(RetentionHold, s["pupil"].id))
    db.session.commit()
    assert retention.run_retention(GONE_ON + timedelta(days=31)).pupils == 1
    pupil = db.session.get(Child, s["pupil"].id)
    assert pupil.first_name == "Oud-leerling" and report_ids(pupil) == set()
    assert db.session.get(LeaveRequest, s["refused"]) is None and not s["refused_file"].exists()
    assert orphan_requests() == 0


def test_the_page_says_what_is_kept_and_until_when(app, school):
    s = school
    app.config["PRETEND_NOW"] = "2030-07-01 10:00"
    office = login_client(app, s["office"])
    html = office.get(PAGE).get_data(as_text=True)
    month = html.split('id="maand-kop"')[1].split('id="bewaard-kop"')[0]
    # Due within the month: Roosmarijn's records (with her name) stay until 14-07-2033; Cornelia has none.
    roosmarijn = month.split("Roosmarijn")[1].split("</tr>")[0]
    assert "15-07-2030" in roosmarijn and "blijven tot en met 14-07-2033" in roosmarijn
    assert "blijven tot en met" not in month.split("Cornelia")[1].split("</tr>")[0]
    assert "5 jaar na de uitschrijving" in html and "naam en de geboortedatum" in html
    assert "ziek- en afwezigheidsmeldingen (niet de ingetrokken)" in html
    assert "geen gewiste oud-leerlingen van wie nog verzuim" in html

    retention.run_retention(ERASED_ON)
    kept = office.get(PAGE).get_data(as_text=True).split('id="verzuim-kop"')[1].split("</section>")[0]
    row = kept.split("Roosmarijn Verzuimtest")[1].split("</tr>")[0]
    assert "03-03-2016" in row and "14-07-2028" in row and "14-07-2033" in row
    assert "Cornelia" not in kept and "Oud-leerling</th>" not in kept.split("<tbody>")[1]
    retention.run_retention(GONE_ON)
    assert "Roosmarijn" not in office.get(PAGE).get_data(as_text=True)


def test_the_job_removes_statement_files_of_forms_never_submitted_once_a_day_old(app):
    """A statement is stored at upload (the form may come back for confirmation); one that no
    request refers to goes with the daily job once it is a day old — not earlier (its form
    may still be open), and never a file a request refers to."""
    from types import SimpleNamespace

    from app.storage import sweep_unreferenced

    def upload(holder, name):
        return statements.store_statement(holder, FileStorage(stream=BytesIO(pdf_bytes()), filename=name))

    child, (parent,) = family()
    request = leave_request([child], by=parent)
    upload(request, "verklaring.pdf")
    db.session.commit()
    kept = statement_object(request.statement_stored)
    never = statement_object(upload(SimpleNamespace(statement_stored=None), "nooit-ingediend.pdf"))

    run = retention.run_retention()
    assert run.files_swept == 0 and kept.is_file() and never.is_file()  # younger than a day: its form may be open
    # A day later (the objects' own times are real, so the sweep is asked with a later `now`):
    assert sweep_unreferenced(now=datetime.now(UTC) + timedelta(hours=25)) == 1
    assert kept.is_file() and not never.exists()

"""Demo data step "absence": the vakantierooster as school holidays, the default reasons, a
few reports in groep 3 for the report day (one after the cut-off), Lotte ill "tot nader
bericht", a pending and a refused leave request for Sam by Marloes — correct whatever day
the demo is made: a school day, early before the cut-off, a Saturday, a holiday, the first
school day of the year, the summer holiday."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.absence import calendar, leave_rules
from app.absence.reasons import DEFAULT_REASONS
from app.access import absence_writable_clause, report_clause
from app.demo import DemoContext, absence, people, run_demo
from app.extensions import db
from app.models import AbsenceReason, AbsenceReport, Child, Guardianship, LeaveRequest, SchoolHoliday, User, utcnow
from tests.factories import statement_object


def _run(app, now):
    app.config["PRETEND_NOW"] = now
    ctx = DemoContext()
    for step in (people, absence):
        step.seed(ctx)
        db.session.commit()
    return ctx


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (SchoolHoliday, AbsenceReason, AbsenceReport, LeaveRequest))


def _local(moment):
    return clock.to_local(moment)


def _check_reports(ctx, day):
    """What must hold on any day: see the module docstring."""
    now, sam, lotte = clock.now(), ctx.created["sam"], ctx.created["lotte"]
    group = ctx.created["groups"]["3"]
    reports = db.session.scalars(select(AbsenceReport).join(AbsenceReport.child).where(Child.erased_at.is_(None))
                                 .order_by(AbsenceReport.id)).all()
    for report in reports:
        made = _local(report.created_at)
        assert made <= now, report
        # "na aanvang" exactly when it was made after the cut-off of its first day.
        assert report.late == calendar.is_late(report.start_date, report.part, now=made), report
        assert report.school_year == clock.school_year(report.start_date)
        assert calendar.is_school_day(report.start_date), report
        link = db.session.get(Guardianship, (report.reported_by_id, report.child_id))
        assert link is not None and not link.read_only  # made by a parent who may
        assert report.excused == report.reason.excused and not report.by_staff
    in_group = [r for r in reports if r.child.group_id == group.id and r.child_id != sam.id]
    assert len(in_group) == 3 and len({r.child_id for r in in_group}) == 3
    assert sum(r.late for r in in_group) == 1
    late = next(r for r in in_group if r.late)
    assert _local(late.created_at) > calendar.starts_at(late.start_date, "dag")
    assert {r.start_date for r in in_group if not r.late} == {day}
    # Lotte: ill "tot nader bericht" since the school day before (or the first school day), one open report.
    [illness] = [r for r in reports if r.child_id == lotte.id]
    assert illness.end_date is None and illness.reason.name == "Ziek" and illness.start_date <= day
    assert illness.start_date in (day, calendar.previous_school_day(day))
    # Sam's dentist visit has not started: Marloes can still change it.
    [dentist] = [r for r in reports if r.child_id == sam.id]
    assert not calendar.has_started(dentist.start_date, dentist.part, now) and dentist.start_date > clock.today()
    opens = db.session.execute(select(AbsenceReport.child_id, func.count()).where(AbsenceReport.end_date.is_(None))
                               .group_by(AbsenceReport.child_id)).all()
    assert all(count == 1 for _, count in opens)


def _check_leave(ctx):
    sam, marloes, admin = ctx.created["sam"], ctx.created["parent"], ctx.created["admin"]
    requests = {r.status: r for r in db.session.scalars(select(LeaveRequest)) if sam in r.children}
    assert set(requests) == {"ingediend", "geweigerd"}
    for request in requests.values():
        assert [c.id for c in request.children] == [sam.id] and request.requested_by_id == marloes.id
        assert _local(request.created_at) <= clock.now()
        assert request.school_days == calendar.count_school_days(request.first_day, request.last_day) >= 1
        assert request.school_year == clock.school_year(request.first_day)
    assert not db.session.get(Guardianship, (marloes.id, sam.id)).read_only
    pending, refused = requests["ingediend"], requests["geweigerd"]
    asked = _local(pending.created_at).date()
    assert pending.kind == "vakantie" and pending.school_days == 5 and pending.checks == []
    assert pending.first_day - asked >= timedelta(weeks=8) and pending.first_day > clock.today()
    assert leave_rules.hard_errors("vakantie", pending.first_day, pending.last_day, asked) == {}
    assert statement_object(pending.statement_stored).is_file() and pending.statement_kind == "pdf"
    assert refused.kind == "gewichtig" and refused.decision_reason.startswith("Een goedkopere vlucht")
    assert refused.decided_by_id == admin.id and refused.created_at < refused.decided_at <= utcnow()


@pytest.mark.parametrize("now, day", [
    ("2026-12-02 10:00", date(2026, 12, 2)),    # a Wednesday: today
    ("2026-12-02 07:00", date(2026, 12, 2)),    # before the cut-off: the late report is Tuesday's
    ("2026-12-05 11:00", date(2026, 12, 4)),    # a Saturday: Friday's
    ("2026-12-28 10:00", date(2026, 12, 18)),   # the Christmas holiday: the last school day before it
    ("2026-09-01 10:00", date(2026, 9, 1)),     # the first school day of the year
    ("2027-07-25 10:00", date(2027, 7, 16)),    # the summer holiday
])
def test_the_demo_is_right_whatever_day_it_is_made(app, now, day):
    ctx = _run(app, now)
    assert ctx.created["absence_day"] == day == absence.report_day(clock.today())
    _check_reports(ctx, day)
    _check_leave(ctx)


def test_the_holidays_are_the_vakantierooster_and_the_first_two_weeks_follow(app):
    _run(app, "2026-12-02 10:00")
    assert calendar.first_school_day("2026-2027") == date(2026, 9, 1)
    assert calendar.first_two_weeks("2026-2027") == (date(2026, 9, 1), date(2026, 9, 14))
    for holiday in (date(2026, 8, 31), date(2026, 10, 7), date(2026, 10, 21), date(2026, 12, 24), date(2027, 1, 1),
                    date(2027, 2, 18), date(2027, 5, 4), date(2027, 6, 24), date(2027, 7, 19), date(2027, 8, 31)):
        assert not calendar.is_school_day(holiday), holiday
    for school_day in (date(2026, 10, 26), date(2027, 1, 4), date(2027, 7, 16), date(2027, 9, 1)):
        assert calendar.is_school_day(school_day), school_day
    assert {r.name for r in db.session.scalars(select(AbsenceReason))} == {r[0] for r in DEFAULT_REASONS}


def test_the_demo_is_the_same_when_made_twice_and_the_parents_see_their_own(app):
    ctx = _run(app, "2026-12-02 10:00")
    counts = _counts()
    _run(app, "2026-12-02 10:00")
    assert _counts() == counts and counts[2:] == (7, 3)
    sam, lotte = ctx.created["sam"], ctx.created["lotte"]
    seen = {login: set(db.session.scalars(select(AbsenceReport.child_id).where(report_clause(user))))
            for login, user in (("ouder", ctx.created["parent"]), ("ouder2", ctx.created["parent2"]))}
    assert seen == {"ouder": {sam.id, lotte.id}, "ouder2": {sam.id}}
    # Peter's link to Sam is read-only: he sees Sam's reports but cannot make one.
    assert not db.session.scalar(select(absence_writable_clause(ctx.created["parent2"], sam.id)))


def test_the_whole_demo_with_the_absence_step(app):
    app.config["PRETEND_NOW"] = "2026-12-02 10:00"
    ctx = run_demo(echo=lambda *_: None)
    _check_reports(ctx, date(2026, 12, 2))
    _check_leave(ctx)


def test_the_bewaartermijn_page_shows_a_former_pupil_whose_absence_records_are_kept(app):
    from app.admin import retention

    _run(app, "2026-12-02 10:00")
    fenna = db.session.scalar(select(Child).where(Child.first_name == "Fenna"))
    assert fenna.erased_at is not None and fenna.left_at == date(2024, 7, 16)
    assert (fenna.last_name, fenna.birth_date, fenna.street, fenna.student_number) == (
        "Oosterveld", date(2012, 4, 4), "", None)
    assert db.session.scalar(select(func.count()).where(AbsenceReport.child_id == fenna.id)) == 2
    [request] = [r for r in db.session.scalars(select(LeaveRequest)) if fenna in r.children]
    assert request.status == "toegestaan" and request.decision_reason
    parent = db.session.scalar(select(User).where(User.id == request.requested_by_id))
    assert parent.name == "Gewist account"
    page = retention.overview()
    assert [(child.first_name, until) for child, until, _, _ in page["kept_records"]] == [
        ("Fenna", date(2029, 7, 16))]
    assert retention.run_retention().pupils == 0  # nothing more is due: the demo keeps its school
    assert db.session.get(Child, fenna.id).first_name == "Fenna"

"""Demo Afwezigheid: the school's holidays of this school year (the vakantierooster of
app/demo/content.py, with the summer holidays around it), the default reasons, and:

- three reports in groep 3 for the *report day* (today when today is a school day, else the
  last school day before it, so a demo made on a Saturday or in a holiday shows Friday's):
  one ill "tot nader bericht", one at the dentist in the morning, and one made after the
  cut-off ("na aanvang", late). Before today's cut-off has passed no report for today can
  be late yet: the late one is then on the school day before;
- Lotte (groep 6) ill since the school day before the report day, open: Marloes can report
  her "weer beter";
- Sam's dentist visit on the next school day, not started yet: Marloes can still change or
  withdraw it, Peter (read-only link) only sees it;
- two leave requests for Sam by Marloes: a vakantieverlof in behandeling (5 school days,
  more than 8 weeks ahead, meeting the law's rules, with an employer's statement), and a
  request for gewichtige omstandigheden that the office refused with a reason;
- Beheer › Bewaartermijn: a former pupil (Fenna) who left two school years ago, erased by the
  retention job's own `erase_pupil`, of whom only her absence records, her leave request and
  her name and birth date are kept (app/admin/retention_absence.py).

Every moment is in the past of the clock (app.clock): made twice, or on any day, the demo is
consistent. Idempotent: when reports exist, only missing holidays and reasons are added.
"""
from datetime import date, time, timedelta
from io import BytesIO

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app import clock
from app.absence import calendar, leave_rules
from app.absence.reasons import add_defaults
from app.absence.statements import store_statement
from app.admin.retention import erase_pupil
from app.audit import record_change
from app.demo.content import vakantierooster
from app.demo.simple_pdf import text_to_pdf
from app.extensions import db
from app.models import AbsenceReason, AbsenceReport, Child, Guardianship, LeaveRequest, Role, SchoolHoliday, User

GROUP_REPORTS = [
    # (reason, part, open, late, note)
    ("Ziek", "dag", True, False, "Koorts sinds vannacht."),
    ("Bezoek huisarts of tandarts", "ochtend", False, False, "Om 9:00 uur naar de tandarts, daarna naar school."),
    ("Ziek", "dag", True, True, "Vanochtend misselijk geworden."),
]
VACATION_REASON = ("Ik werk als beheerder van een camping: in de schoolvakanties is het daar het drukst en kan ik "
                   "geen vrij nemen. De verklaring van mijn werkgever zit erbij.")
STATEMENT = """# Werkgeversverklaring

Hierbij verklaren wij dat mevrouw M. Jansen als beheerder bij Camping De Veluwezoom werkt. Door de aard van
het werk kan zij in geen van de schoolvakanties van dit schooljaar twee weken aaneengesloten vrij nemen.

Camping De Veluwezoom, afdeling personeelszaken
"""
REFUSED_REASON = "Familiebezoek in Canada: de vlucht is buiten de schoolvakanties veel goedkoper."
REFUSAL = ("Een goedkopere vlucht is geen gewichtige omstandigheid (artikel 14 Leerplichtwet). Vakantieverlof "
           "(artikel 13a) kan alleen als het werk van een ouder een vakantie in de schoolvakanties onmogelijk maakt.")


def _holidays(today):
    year = int(clock.school_year(today)[:4])
    have = set(db.session.execute(select(SchoolHoliday.name, SchoolHoliday.first_day)).all())
    for name, first, last in vakantierooster(year):
        if (name, first) not in have:
            db.session.add(SchoolHoliday(name=name, first_day=first, last_day=last))
    db.session.flush()


def _utc(moment):
    return clock.parse_moment(moment)


def _made(day, at, now):
    """A moment on `day` at wall-clock `at`, but never later than ten minutes ago (naive UTC)."""
    return _utc(min(clock.wall_clock(day, at), now - timedelta(minutes=10)))


def report_day(today):
    """The day the demo's reports are for: today if it is a school day, else the last one."""
    return today if calendar.is_school_day(today) else calendar.previous_school_day(today)


def _late_moment(day, now):
    """(day, moment) of the report made after the cut-off: 25 minutes after it on the report
    day (or now, if that is still ahead); before the cut-off today, on the school day before."""
    cutoff = calendar.starts_at(day, "dag")
    if now > cutoff:
        return day, _utc(min(cutoff + timedelta(minutes=25), now))
    earlier = calendar.previous_school_day(day)
    return earlier, _utc(calendar.starts_at(earlier, "dag") + timedelta(minutes=25))


def _report(child, reason, start, end, by, made, part="dag", late=False, note=""):
    report = AbsenceReport(child_id=child.id, reason_id=reason.id, start_date=start, end_date=end, part=part,
                           school_year=clock.school_year(start), late=late, excused=reason.excused, note=note,
                           reported_by_id=by.id, created_at=made, updated_at=made)
    db.session.add(report)
    record_change(by, "child", child.id, "afwezigheid gemeld",
                  ["absence", "reason", "start_date", "part"] + (["note"] if note else [])).created_at = made
    return report


def _writable_parent(child):
    return db.session.scalar(select(Guardianship).where(Guardianship.child_id == child.id,
                                                        Guardianship.read_only.is_(False))
                             .order_by(Guardianship.parent_id)).parent


def _group_reports(ctx, reasons, day, now):
    group, sam = ctx.created["groups"]["3"], ctx.created["sam"]
    pupils = db.session.scalars(select(Child).where(Child.group_id == group.id, Child.id != sam.id,
                                                    Child.left_at.is_(None)).order_by(Child.id).limit(3)).all()
    for child, (reason, part, is_open, late, note) in zip(pupils, GROUP_REPORTS):
        start, made = _late_moment(day, now) if late else (day, _made(day, time(7, 20), now))
        _report(child, reasons[reason], start, None if is_open else start, _writable_parent(child), made, part=part,
                late=late, note=note)


def _family_reports(ctx, reasons, day, today, now):
    parent, sam, lotte = ctx.created["parent"], ctx.created["sam"], ctx.created["lotte"]
    before = calendar.previous_school_day(day)
    start = before if clock.school_year(before) == clock.school_year(day) else day
    _report(lotte, reasons["Ziek"], start, None, parent, _made(start, time(7, 35), now),
            note="Griep. Ze blijft thuis tot ze koortsvrij is.")
    dentist = calendar.next_school_day(today)
    _report(sam, reasons["Bezoek huisarts of tandarts"], dentist, dentist, parent, _utc(now - timedelta(days=1)),
            part="ochtend", note="Controle bij de tandarts om 8:45 uur; daarna brengen we hem naar school.")


def _vacation_week(sam, today):
    """Monday to Friday of the first whole school week at least 9 weeks ahead that meets the
    law's rules for vakantieverlof (checked from three days ago, when it was asked)."""
    monday = today + timedelta(weeks=9)
    monday += timedelta(days=-monday.weekday() % 7)
    asked = today - timedelta(days=3)
    for _ in range(40):
        friday = monday + timedelta(days=4)
        whole_week = calendar.count_school_days(monday, friday) == 5
        if whole_week and not leave_rules.hard_errors("vakantie", monday, friday, asked) \
                and not leave_rules.check_leave("vakantie", monday, friday, [sam], asked):
            break
        monday += timedelta(weeks=1)
    return monday, monday + timedelta(days=4), asked


def _leave(kind, first, last, child, parent, reason, made, asked, **fields):
    checks = [check.as_dict() for check in leave_rules.check_leave(kind, first, last, [child], asked)]
    request = LeaveRequest(kind=kind, first_day=first, last_day=last, school_days=calendar.count_school_days(first, last),
                           school_year=clock.school_year(first), reason=reason, checks=checks,
                           requested_by_id=parent.id, created_at=made, updated_at=made, children=[child], **fields)
    db.session.add(request)
    record_change(parent, "child", child.id, "verlof aangevraagd", ["leave", "reason", "start_date", "end_date"]
                  ).created_at = made
    return request


def _leave_requests(ctx, today, now):
    parent, sam, admin = ctx.created["parent"], ctx.created["sam"], ctx.created["admin"]
    # Refused: asked ten days ago for two school days about three weeks ahead, decided a week ago.
    first = calendar.next_school_day(today + timedelta(days=20))
    second = calendar.next_school_day(first)
    last = second if clock.school_year(second) == clock.school_year(first) else first
    decided = _utc(now - timedelta(days=7))
    _leave("gewichtig", first, last, sam, parent, REFUSED_REASON, _utc(now - timedelta(days=10)),
           today - timedelta(days=10), status="geweigerd", decided_by_id=admin.id, decided_at=decided,
           decision_reason=REFUSAL)
    record_change(admin, "child", sam.id, "verlof geweigerd", ["leave", "decision"]).created_at = decided
    db.session.flush()
    # Pending: a week of vakantieverlof, with the employer's statement.
    monday, friday, asked = _vacation_week(sam, today)
    pending = _leave("vakantie", monday, friday, sam, parent, VACATION_REASON, _utc(now - timedelta(days=3)), asked)
    store_statement(pending, FileStorage(stream=BytesIO(text_to_pdf(STATEMENT, "Werkgeversverklaring")),
                                         filename="Werkgeversverklaring Jansen.pdf"))


def _weekday(day):
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _former_pupil(reasons, admin, today, now):
    """Fenna left at the end of the school year before last: erased, her absence records kept."""
    year = int(clock.school_year(today)[:4]) - 2  # the school year she left in ends in `year`
    parent = User(login_name="ouder.oosterveld@example.nl", email="ouder.oosterveld@example.nl", first_name="Henk",
                  last_name="Oosterveld", role=Role.PARENT, activated_at=_utc(now - timedelta(days=1500)))
    fenna = Child(first_name="Fenna", last_name="Oosterveld", birth_date=date(year - 12, 4, 4), gender="meisje",
                  left_at=date(year, 7, 16), street="Veldweg", house_number="3", postcode="3852 AB", city="Ermelo")
    db.session.add_all([parent, fenna])
    db.session.flush()
    db.session.add(Guardianship(parent_id=parent.id, child_id=fenna.id))
    ill = _weekday(date(year, 3, 10))
    _report(fenna, reasons["Ziek"], ill, ill + timedelta(days=1), parent, _made(ill, time(7, 40), now))
    dentist = _weekday(date(year, 5, 27))
    _report(fenna, reasons["Bezoek specialist of ziekenhuis"], dentist, dentist, parent,
            _made(dentist - timedelta(days=3), time(20, 0), now), part="ochtend")
    wedding = _weekday(date(year, 6, 12))
    asked = wedding - timedelta(days=30)
    _leave("gewichtig", wedding, wedding, fenna, parent, "Huwelijk van haar tante.", _made(asked, time(21, 0), now),
           asked, status="toegestaan", decided_by_id=admin.id, decided_at=_made(asked + timedelta(days=2), time(10, 0), now),
           decision_reason="Toegestaan: een huwelijk in de familie, één dag.")
    db.session.flush()
    erase_pupil(fenna, today)  # what the nightly job did two years after she left


def seed(ctx):
    now, today = clock.now(), clock.today()
    _holidays(today)
    add_defaults()
    db.session.flush()
    if db.session.scalar(select(AbsenceReport.id).limit(1)) is not None:
        return  # already there: the demo is the same when run twice
    reasons = {reason.name: reason for reason in db.session.scalars(select(AbsenceReason))}
    day = report_day(today)
    _group_reports(ctx, reasons, day, now)
    _family_reports(ctx, reasons, day, today, now)
    _leave_requests(ctx, today, now)
    _former_pupil(reasons, ctx.created["admin"], today, now)
    ctx.created["absence_day"] = day

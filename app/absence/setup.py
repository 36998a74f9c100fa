"""Beheer › Afwezigheid › Instellingen: the times of a school day, the reasons, the holidays.

- Times (app.absence.calendar's settings): the cut-off ("na aanvang" after it), the
  afternoon start, and the minutes of a morning and an afternoon (the DUO counter).
- Reasons: the office adds, renames, reorders and switches reasons off and on, and sets
  their flags (geoorloofd, toelichting verplicht, alleen school). A reason that a report
  uses is never deleted (switch it off); an unused one may be. A changed flag applies to
  new reports: a report keeps the `excused` it got (staff change it per report). At least
  one reason parents can choose stays on.
- Holidays: name, first and last day. Holidays may not overlap (one name per day on the
  day list, and a period is never counted twice).

Settings are not personal data: no audit entries.
"""
from datetime import date

from sqlalchemy import func, select

from app.absence.calendar import save_settings
from app.extensions import db
from app.formatting import date_nl
from app.models import AbsenceReason, AbsenceReport, SchoolHoliday

REASON_NAME_MAX = 60
HOLIDAY_NAME_MAX = 60
FIRST_HOLIDAY_DAY, LAST_HOLIDAY_DAY = date(2000, 1, 1), date(2099, 12, 31)


class SetupRefused(Exception):
    """A change the settings do not allow (the message is Dutch); nothing was changed."""


def save_times(settings):
    """Store the times and minutes (an AbsenceSettings, already checked by the form)."""
    if settings.afternoon <= settings.cutoff:
        raise SetupRefused("De middag begint na het begin van de schooldag.")
    save_settings(settings)
    db.session.commit()


# --- reasons -----------------------------------------------------------------------------------

def reason_rows():
    """[(reason, reports using it)] in the office's order, switched-off ones included."""
    uses = dict(db.session.execute(select(AbsenceReport.reason_id, func.count(AbsenceReport.id))
                                   .group_by(AbsenceReport.reason_id)).all())
    reasons = db.session.scalars(select(AbsenceReason).order_by(AbsenceReason.position, AbsenceReason.id))
    return [(reason, uses.get(reason.id, 0)) for reason in reasons]


def _check_name(name, reason_id=None):
    name = (name or "").strip()
    if not name:
        raise SetupRefused("Vul de naam van de reden in.")
    if len(name) > REASON_NAME_MAX:
        raise SetupRefused(f"De naam mag maximaal {REASON_NAME_MAX} tekens zijn.")
    same = db.session.scalar(select(AbsenceReason.id).where(func.lower(AbsenceReason.name) == name.lower(),
                                                            AbsenceReason.id != (reason_id or 0)))
    if same is not None:
        raise SetupRefused(f"Er is al een reden ‘{name}’.")
    return name


def _keep_one_for_parents(reason, active, staff_only):
    """A change that would leave parents without a reason to choose is refused."""
    if not (reason.active and not reason.staff_only) or (active and not staff_only):
        return
    others = db.session.scalar(select(func.count(AbsenceReason.id)).where(
        AbsenceReason.active.is_(True), AbsenceReason.staff_only.is_(False), AbsenceReason.id != reason.id))
    if not others:
        raise SetupRefused("Ouders moeten minstens één reden kunnen kiezen: laat deze aan staan voor ouders, "
                           "of zet eerst een andere reden aan.")


def add_reason(name, excused=True, needs_note=False, staff_only=False):
    name = _check_name(name)
    last = db.session.scalar(select(func.max(AbsenceReason.position)))
    reason = AbsenceReason(name=name, position=(last if last is not None else -1) + 1, excused=excused,
                           needs_note=needs_note, staff_only=staff_only, active=True)
    db.session.add(reason)
    db.session.commit()
    return reason


def update_reason(reason, name, excused, needs_note, staff_only, active):
    name = _check_name(name, reason.id)
    _keep_one_for_parents(reason, active, staff_only)
    reason.name, reason.excused, reason.needs_note = name, excused, needs_note
    reason.staff_only, reason.active = staff_only, active
    db.session.commit()
    return reason


def move_reason(reason, step):
    """One place up (step -1) or down (+1) in the office's order."""
    ordered = list(db.session.scalars(select(AbsenceReason).order_by(AbsenceReason.position, AbsenceReason.id)))
    index = ordered.index(reason)
    target = index + step
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, each in enumerate(ordered):
        each.position = position
    db.session.commit()


def delete_reason(reason):
    used = db.session.scalar(select(func.count(AbsenceReport.id)).where(AbsenceReport.reason_id == reason.id))
    if used:
        raise SetupRefused(f"‘{reason.name}’ staat in {used} melding{'en' if used != 1 else ''} en blijft daarom "
                           "bestaan. Zet de reden uit als u haar niet meer wilt aanbieden.")
    _keep_one_for_parents(reason, False, reason.staff_only)
    db.session.delete(reason)
    db.session.commit()


# --- holidays ----------------------------------------------------------------------------------

def holiday_list():
    return list(db.session.scalars(select(SchoolHoliday).order_by(SchoolHoliday.first_day)))


def add_holiday(name, first_day, last_day):
    name = (name or "").strip()
    if not name:
        raise SetupRefused("Vul de naam van de vakantie in.")
    if len(name) > HOLIDAY_NAME_MAX:
        raise SetupRefused(f"De naam mag maximaal {HOLIDAY_NAME_MAX} tekens zijn.")
    if not (FIRST_HOLIDAY_DAY <= first_day <= LAST_HOLIDAY_DAY and FIRST_HOLIDAY_DAY <= last_day <= LAST_HOLIDAY_DAY):
        raise SetupRefused("Kies data tussen 2000 en 2099.")
    if last_day < first_day:
        raise SetupRefused("De laatste dag ligt vóór de eerste dag.")
    if (last_day - first_day).days > 366:
        raise SetupRefused("Een vakantie duurt hoogstens een jaar. Kies de laatste dag opnieuw.")
    overlap = db.session.scalar(select(SchoolHoliday).where(SchoolHoliday.first_day <= last_day,
                                                            SchoolHoliday.last_day >= first_day))
    if overlap is not None:
        raise SetupRefused(f"Deze periode overlapt met ‘{overlap.name}’ ({date_nl(overlap.first_day, weekday=False)} "
                           f"tot en met {date_nl(overlap.last_day, weekday=False)}). Vakanties mogen niet overlappen.")
    holiday = SchoolHoliday(name=name, first_day=first_day, last_day=last_day)
    db.session.add(holiday)
    db.session.commit()
    return holiday


def delete_holiday(holiday):
    db.session.delete(holiday)
    db.session.commit()

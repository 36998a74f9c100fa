"""The day list (Beheer › Afwezigheid) and the office's counts per pupil. Views are thin:
app/absence/daylist.py and counts.py."""
from flask import abort, request
from flask_login import current_user

from app import clock
from app.absence import counts, daylist, staff_bp
from app.access import admin_required, staff_required
from app.htmx import render_page
from app.request_input import db_int


def _group_id():
    """?groep=: a group id, or None for all (anything that is not a number: all)."""
    return request.args.get("groep", type=db_int)


@staff_bp.get("")
@staff_required
def index():
    groups = daylist.groups_for(current_user)
    chosen = daylist.chosen_groups(groups, _group_id())
    error, status = None, 200
    try:
        day = daylist.parse_day(request.args.get("dag"))
    except daylist.DayError as exc:
        error, status, day = str(exc), 422, clock.today()
    data = daylist.day_list(chosen, day)
    warnings = len(counts.duo_warnings()) if current_user.is_admin else None
    return render_page("absence/staff_index.html", "absence/_staff_daylist.html", status=status, data=data,
                       groups=groups, selected=_group_id(), error=error, warnings=warnings, day_part=daylist.day_part)


@staff_bp.get("/leerlingen")
@admin_required
def pupils():
    groups = daylist.groups_for(current_user)
    group_id = _group_id()
    group = daylist.chosen_groups(groups, group_id)[0] if group_id is not None else None
    years = counts.school_years()
    year = request.args.get("schooljaar") or clock.school_year()
    if year not in years:
        abort(404)
    rows = counts.pupil_counts(year, group)
    return render_page("absence/staff_pupils.html", rows=rows, groups=groups, group=group, years=years, year=year,
                       limit_hours=counts.DUO_LIMIT_MINUTES // 60, advice=counts.DUO_ADVICE,
                       counted=year == clock.school_year(), window=counts.duo_window())

"""The CSV export for the leerplicht administration (per group and period). Views are thin:
app/absence/export.py; the CSV itself is app/csv_export.py's."""
from flask import request
from flask_login import current_user

from app import clock
from app.absence import daylist, export as exports, staff_bp
from app.absence.calendar import school_year_start
from app.absence.staff_forms import ExportForm, choices
from app.access import admin_required
from app.csv_export import csv_download
from app.htmx import render_page


@staff_bp.get("/export")
@admin_required
def export():
    groups = daylist.groups_for(current_user)
    today = clock.today()
    submitted = "van" in request.args or "tot" in request.args
    form = ExportForm(request.args if submitted else None,
                      data=None if submitted else {"van": school_year_start(clock.school_year(today)), "tot": today})
    form.groep.choices = choices([("", "Alle groepen")] + [(str(group.id), group.label) for group in groups])
    if submitted and form.validate():
        group = next((each for each in groups if str(each.id) == form.groep.data), None)
        period = exports.Period(form.van.data, form.tot.data)
        header, rows = exports.export_table(form.soort.data, period, group, today)
        return csv_download(exports.filename(form.soort.data, period, group), header, rows)
    return render_page("absence/staff_export.html", status=422 if submitted else 200, form=form,
                       columns=(exports.REPORT_COLUMNS, exports.LEAVE_COLUMNS))

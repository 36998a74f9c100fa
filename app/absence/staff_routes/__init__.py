"""Beheer › Afwezigheid (/beheer/afwezigheid), one module per page group:

- daylist.py: the teacher's day list of their groups (the office: all groups), first thing in
  the morning; the office's counts per pupil over the school year and the DUO counter;
- reports.py: staff register an absence for a pupil and change a report;
- leave.py: the office's list of leave requests and its decisions;
- export.py: the CSV export for the leerplicht administration;
- setup.py: the settings (reasons, cut-off time, hours, holidays).
"""
from app.absence.staff_routes import daylist, export, leave, reports, setup  # noqa: F401

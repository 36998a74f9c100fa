"""The views of Beheer > School (all `admin.*` endpoints), a package because they are many:
people.py groups, children, parents and staff, accounts; school.py CSV import, new school
year, settings and the audit log."""
from app.admin.staff_routes import people, retention, school  # noqa: F401

"""Test data of the parents' side of Afwezigheid (tests/test_absence_reports.py,
test_absence_leave.py, browser/test_absence.py): one family with two children in two
groups, a read-only second parent, another family, the teachers and the office, and a
pretend clock in the first week of December 2026 (Wednesday 2 December)."""
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import AbsenceReport, Guardianship, LeaveRequest
from tests.factories import (AdminFactory, GroupFactory, GuardianshipFactory, ParentFactory, absence_reasons, family,
                             teacher_of)
from tests.fixtures.users import Auth

WEDNESDAY = date(2026, 12, 2)


def pretend(app, moment):
    """The portal's clock stands still at `moment` (Amsterdam wall clock, "YYYY-MM-DD HH:MM")."""
    app.config["PRETEND_NOW"] = moment


def make_family():
    """Sam (groep 3) and Lotte (groep 6) of Marloes (writable) and Wibo (read-only for both);
    Noor (groep 3) of another family; juf Anna (groep 3), meester Bas (groep 6), the office."""
    three, six = GroupFactory(name="3", level=3), GroupFactory(name="6", level=6)
    sam, (mother, reader) = family(three, parents=2, read_only_second=True, first_name="Sam", last_name="Jansen")
    mother.first_name, reader.first_name = "Marloes", "Wibo"
    lotte, _ = family(six, parents=0, first_name="Lotte", last_name="Jansen")
    GuardianshipFactory(parent=mother, child=lotte)
    GuardianshipFactory(parent=reader, child=lotte, read_only=True)
    noor, (other,) = family(three, first_name="Noor", last_name="Bakker")
    other.first_name = "Olga"
    db.session.commit()
    return {
        "three": three, "six": six, "sam": sam, "lotte": lotte, "noor": noor, "mother": mother,
        "reader": reader, "other": other, "anna": teacher_of(three, first_name="Anna"),
        "bas": teacher_of(six, first_name="Bas"), "office": AdminFactory(first_name="Bea"),
        "reasons": absence_reasons(),
    }


def second_parent(child, read_only=False):
    parent = ParentFactory(last_name=child.last_name)
    GuardianshipFactory(parent=parent, child=child, read_only=read_only)
    return parent


def post(client, path, data, form_page=None, **kwargs):
    """POST like a browser: the CSRF token from the page with the form (default: Home)."""
    data = dict(data)
    data.setdefault("csrf_token", Auth(client).csrf(form_page or "/"))
    return client.post(path, data=data, **kwargs)


def reports():
    """Every report as (child first name, reason, start, part, end, withdrawn), by id."""
    db.session.expire_all()
    return [(r.child.first_name, r.reason.name, r.start_date, r.part, r.end_date, r.withdrawn_at is not None)
            for r in db.session.scalars(select(AbsenceReport).order_by(AbsenceReport.id))]


def leave_requests():
    db.session.expire_all()
    return list(db.session.scalars(select(LeaveRequest).order_by(LeaveRequest.id)))


def is_read_only(parent, child):
    return db.session.get(Guardianship, (parent.id, child.id)).read_only

"""Demo data for the office's pages: school settings, pupil numbers, and accounts in every
state (a never-activated parent with an open invitation, a deactivated parent of a former
pupil), plus a few lines in the audit log. Idempotent."""
from datetime import date, timedelta

from sqlalchemy import select

from app import clock
from app.admin.retention import add_years, retention_years
from app.audit import record_change
from app.auth.services import issue_token
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.models import AccountToken, AuditEntry, Child, Guardianship, RetentionHold, Role, SchoolSetting, User, utcnow
from app.passwords import hash_password

# The name is left to SCHOOL_NAME (config) until the office sets one.
SETTINGS = {
    "school.address": "Schutkampen 1",
    "school.postcode_city": "3851 AA Ermelo",
    "school.phone": "0341-123456",
    "school.email": "info@schutkampen.example",
    "school.website": "https://www.schutkampen.example",
    "module.resultaten": "0",
}


def _user(login, first, last, **fields):
    user = db.session.scalar(select(User).where(User.login_name == login))
    if user is None:
        user = User(login_name=login, email=login, first_name=first, last_name=last, role=Role.PARENT, **fields)
        db.session.add(user)
        db.session.flush()
    return user


def _child(first, last, **fields):
    child = db.session.scalar(select(Child).where(Child.first_name == first, Child.last_name == last))
    if child is None:
        child = Child(first_name=first, last_name=last, **fields)
        db.session.add(child)
        db.session.flush()
    return child


def _link(parent, child, read_only=False):
    if db.session.get(Guardianship, (parent.id, child.id)) is None:
        db.session.add(Guardianship(parent_id=parent.id, child_id=child.id, read_only=read_only))


def seed(ctx):
    # Settings the office can change later: only filled in when not set yet.
    for key, value in SETTINGS.items():
        if db.session.get(SchoolSetting, key) is None:
            db.session.add(SchoolSetting(key=key, value=value))

    # Pupil numbers as the pupil administration has them (how a CSV import recognises a pupil).
    children = db.session.scalars(select(Child).where(Child.student_number.is_(None)).order_by(Child.id)).all()
    taken = set(db.session.scalars(select(Child.student_number).where(Child.student_number.is_not(None))))
    number = 9001
    for child in children:
        while str(number) in taken:
            number += 1
        child.student_number = str(number)
        taken.add(str(number))

    groups = ctx.created.get("groups") or {}
    admin = ctx.created.get("admin") or db.session.scalar(select(User).where(User.role == Role.ADMIN))

    # A parent who has been invited but never activated the account (the link is still open).
    invited = _user("nieuwe.ouder@example.nl", "Yvonne", "Willemsen")
    newcomer = _child("Mees", "Willemsen", birth_date=date(2022, 6, 14), group=groups.get("1/2a"), gender="jongen")
    _link(invited, newcomer)
    if not db.session.scalar(select(AccountToken.id).where(AccountToken.user_id == invited.id)):
        issue_token(invited, "activate", 7 * 24)  # the mail itself is not sent by the demo

    # A former pupil whose parent's account the office deactivated: nothing deleted.
    former = _child("Jesse", "Verbeek", birth_date=date(2013, 2, 2), left_at=date(2025, 7, 11), gender="jongen")
    old_parent = _user("ouder.verbeek@example.nl", "Ingrid", "Verbeek", password_hash=hash_password(DEMO_PASSWORD),
                       activated_at=utcnow() - timedelta(days=900), last_login_at=utcnow() - timedelta(days=400),
                       deactivated_at=utcnow() - timedelta(days=300))
    _link(old_parent, former)

    # Beheer › Bewaartermijn: a former pupil whose retention period ends within the month
    # (her parent's account goes with her), and one the office holds back.
    today = clock.today()
    years = retention_years()
    due_soon = _child("Noa", "Terwisscha", birth_date=date(2011, 5, 5), gender="meisje",
                      left_at=add_years(today, -years) + timedelta(days=12))
    _link(_user("ouder.terwisscha@example.nl", "Sandra", "Terwisscha", password_hash=hash_password(DEMO_PASSWORD),
                activated_at=utcnow() - timedelta(days=1200)), due_soon)
    held = _child("Daan", "Wolterink", birth_date=date(2008, 9, 9), left_at=date(2021, 7, 9), gender="jongen")
    if admin is not None and db.session.get(RetentionHold, held.id) is None:
        db.session.add(RetentionHold(child_id=held.id, created_by_id=admin.id,
                                     reason="Het leerplichtdossier loopt nog bij de gemeente."))

    # A few lines in the audit log: a parent's own edit and the office's edits.
    parent = ctx.created.get("parent")
    sam = ctx.created.get("sam")
    db.session.flush()
    if admin is not None and not db.session.scalar(select(AuditEntry.id).where(AuditEntry.subject_type == "user",
                                                                               AuditEntry.subject_id == old_parent.id)):
        record_change(admin, "user", old_parent.id, "gedeactiveerd", ["deactivated_at"])
        record_change(admin, "user", invited.id, "account aangemaakt", ["login_name", "email", "first_name", "last_name"])
        record_change(admin, "child", newcomer.id, "ouder gekoppeld", ["guardianship"])
        if parent is not None:
            record_change(parent, "user", parent.id, "gewijzigd", ["phone_mobile"])
        if sam is not None and parent is not None:
            record_change(parent, "child", sam.id, "gewijzigd", ["phone"])

"""The office's services: groups, pupils, parents and staff, their links and accounts.

Plain functions; each one that changes something owns its transaction (commits, or rolls
back and raises ServiceError with a Dutch message). Every staff edit of personal data is
recorded with app.audit.record_change (field names only). Mails are enqueued after commit.
"""
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from app.audit import record_change
# new_account and mail_activation are looked up here by the CSV import (app/admin/csv_import.py).
from app.auth.services import find_user_by_login, login_name_taken, mail_activation, new_account, normalise_login
from app.auth.sessions import end_all as end_all_sessions
from app.extensions import db
from app.jobs.mail import record_account_mail, send_recorded
from app.models import AccountToken, Child, Group, Guardianship, Role, User, utcnow

PER_PAGE = 50
# An erased account keeps its row (so what the school must keep can still point to it)
# but none of its personal data: its login name becomes gewist-<id>@gewist.invalid.
ERASED_DOMAIN = "gewist.invalid"

PERSON_FIELDS = ("first_name", "last_name", "email", "phone_mobile", "phone_home",
                 "street", "house_number", "postcode", "city")
CHILD_FIELDS = ("first_name", "last_name", "birth_date", "gender", "student_number", "street",
                "house_number", "postcode", "city", "country", "phone", "email", "left_at")


class ServiceError(ValueError):
    """A change the office asked for that cannot be done; the message is Dutch."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def commit_or_fail(message, field=None):
    """Commit; a unique constraint that someone else claimed meanwhile becomes a ServiceError."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(message, field=field) from None


# --- reading -----------------------------------------------------------------------------------

def is_erased(user):
    return user.login_name.endswith("@" + ERASED_DOMAIN)


def account_state(user):
    """(key, Dutch label) of an account: gewist, gedeactiveerd, geactiveerd, nooit geactiveerd."""
    if is_erased(user):
        return "gewist", "Gewist"
    if user.deactivated_at is not None:
        return "gedeactiveerd", "Gedeactiveerd"
    if user.activated_at is not None:
        return "geactiveerd", "Geactiveerd"
    return "nooit-geactiveerd", "Nooit geactiveerd"


def _words(query):
    return [word for word in (query or "").split() if word][:5]


def _search(columns, query):
    """Every word must occur in one of the columns (case-insensitive)."""
    clauses = []
    for word in _words(query):
        clauses.append(or_(*[func.lower(column).contains(word.lower(), autoescape=True) for column in columns]))
    return clauses


def people_page(query="", role="", state="", page=1):
    """Parents and staff by name, one page of PER_PAGE."""
    stmt = select(User).options(selectinload(User.guardianships).selectinload(Guardianship.child))
    stmt = stmt.where(*_search([User.first_name, User.last_name, User.login_name, User.email], query))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(role))
    erased = User.login_name.like(f"%@{ERASED_DOMAIN}")
    if state == "gewist":
        stmt = stmt.where(erased)
    else:
        stmt = stmt.where(~erased)
        if state == "gedeactiveerd":
            stmt = stmt.where(User.deactivated_at.is_not(None))
        elif state == "geactiveerd":
            stmt = stmt.where(User.deactivated_at.is_(None), User.activated_at.is_not(None))
        elif state == "nooit-geactiveerd":
            stmt = stmt.where(User.deactivated_at.is_(None), User.activated_at.is_(None))
    stmt = stmt.order_by(User.sort_name, User.id)  # app.names.sort_key: 'van den Berg' under B
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def children_page(query="", group_id=None, status="huidig", page=1):
    stmt = select(Child).options(
        selectinload(Child.group),
        selectinload(Child.guardianships).selectinload(Guardianship.parent),
    )
    stmt = stmt.where(*_search([Child.first_name, Child.last_name, Child.student_number], query))
    # An erased pupil (the retention period passed) is no longer the school's pupil: its row
    # only anchors the consent history of photos that still exist (app/admin/retention.py).
    stmt = stmt.where(Child.erased_at.is_(None))
    if status == "oud":
        stmt = stmt.where(Child.left_at.is_not(None))
    elif status != "alle":
        stmt = stmt.where(Child.left_at.is_(None))
    if group_id:
        stmt = stmt.where(Child.group_id == group_id)
    stmt = stmt.order_by(Child.sort_name, Child.id)
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def all_groups():
    return db.session.scalars(select(Group).order_by(Group.sort_order, Group.name)).all()


def groups_overview():
    """Every group with its teachers and its number of current pupils (two queries)."""
    groups = db.session.scalars(
        select(Group).options(selectinload(Group.teachers)).order_by(Group.sort_order, Group.name)
    ).all()
    counts = dict(db.session.execute(
        select(Child.group_id, func.count()).where(Child.left_at.is_(None)).group_by(Child.group_id)
    ).all())
    return [(group, counts.get(group.id, 0)) for group in groups]


def teacher_choices():
    staff = db.session.scalars(
        select(User).where(User.role.in_([Role.TEACHER, Role.ADMIN]), User.deactivated_at.is_(None))
        .order_by(User.sort_name, User.id)
    ).all()
    return [SelectChoice(user.id, f"{user.name} ({user.login_name})") for user in staff]


def last_activation_sent(user):
    return db.session.scalar(
        select(func.max(AccountToken.created_at)).where(AccountToken.user_id == user.id, AccountToken.purpose == "activate")
    )


def parents_of(child):
    return db.session.execute(
        select(User, Guardianship.read_only)
        .join(Guardianship, Guardianship.parent_id == User.id)
        .where(Guardianship.child_id == child.id)
        .order_by(User.sort_name, User.id)
    ).all()


# --- groups -------------------------------------------------------------------------------------

def save_group(group, name, level, school_year, sort_order, teacher_ids):
    """Create (group=None) or change a group. Returns the group."""
    clash = db.session.scalar(
        select(Group.id).where(func.lower(Group.name) == name.lower(), Group.id != (group.id if group else -1))
    )
    if clash:
        raise ServiceError("Er is al een groep met deze naam.", field="name")
    teachers = db.session.scalars(
        select(User).where(User.id.in_(teacher_ids or []), User.role.in_([Role.TEACHER, Role.ADMIN]))
    ).all()
    if group is None:
        if sort_order is None:
            sort_order = (db.session.scalar(select(func.max(Group.sort_order))) or 0) + 1
        group = Group()
        db.session.add(group)
    group.name = name
    group.level = level
    group.school_year = school_year
    if sort_order is not None:
        group.sort_order = sort_order
    group.teachers = list(teachers)
    db.session.commit()
    return group


def delete_group(group):
    if db.session.scalar(select(func.count()).select_from(Child).where(Child.group_id == group.id)):
        raise ServiceError("Deze groep heeft nog leerlingen. Verplaats die eerst naar een andere groep.")
    db.session.delete(group)
    commit_or_fail("Deze groep wordt nog gebruikt (bijvoorbeeld door berichten, albums of gespreksrondes) "
                   "en kan niet worden verwijderd.")


# --- pupils -------------------------------------------------------------------------------------

def save_child(child, values, actor):
    """Create (child=None) or change a pupil; records the changed fields. Returns the child."""
    number = values.get("student_number") or None
    if number:
        clash = db.session.scalar(
            select(Child.id).where(Child.student_number == number, Child.id != (child.id if child else -1))
        )
        if clash:
            raise ServiceError("Dit leerlingnummer hoort al bij een andere leerling.", field="student_number")
    group_id = values.get("group_id") or None
    if group_id is not None and db.session.get(Group, group_id) is None:
        raise ServiceError("Kies een bestaande groep.", field="group_id")
    created = child is None
    if created:
        child = Child()
        db.session.add(child)
    changed = []
    for name in CHILD_FIELDS:
        new = values.get(name)
        if name == "student_number":
            new = number
        elif new is None and name not in ("birth_date", "left_at"):
            new = ""
        if getattr(child, name) != new:
            setattr(child, name, new)
            changed.append(name)
    if child.group_id != group_id:
        child.group_id = group_id
        changed.append("group")
    db.session.flush()
    if created:
        record_change(actor, "child", child.id, "aangemaakt",
                      [name for name in changed if name == "group" or getattr(child, name)])
    elif changed:
        record_change(actor, "child", child.id, "gewijzigd", changed)
    commit_or_fail("Dit leerlingnummer hoort al bij een andere leerling.", field="student_number")
    return child


def add_guardianship(child, parent_email, read_only, actor):
    parent = find_user_by_login(parent_email)
    if parent is None or is_erased(parent):
        raise ServiceError(
            "Er is geen account met dit e-mailadres als inlognaam. Maak eerst een account voor deze ouder aan.",
            field="parent_email",
        )
    if parent.role != Role.PARENT:
        raise ServiceError("Dit account is van een medewerker, niet van een ouder.", field="parent_email")
    if db.session.get(Guardianship, (parent.id, child.id)) is not None:
        raise ServiceError("Deze ouder is al aan deze leerling gekoppeld.", field="parent_email")
    db.session.add(Guardianship(parent=parent, child=child, read_only=bool(read_only)))
    record_change(actor, "child", child.id, "ouder gekoppeld", ["guardianship"])
    record_change(actor, "user", parent.id, "leerling gekoppeld", ["guardianship"])
    commit_or_fail("Deze ouder is al aan deze leerling gekoppeld.", field="parent_email")
    return parent


def guardianship_or_none(child_id, parent_id):
    return db.session.get(Guardianship, (parent_id, child_id))


def set_read_only(guardianship, read_only, actor):
    if guardianship.read_only != bool(read_only):
        guardianship.read_only = bool(read_only)
        record_change(actor, "user", guardianship.parent_id, "alleen lezen " + ("aan" if read_only else "uit"), ["read_only"])
        db.session.commit()


def remove_guardianship(guardianship, actor):
    parent_id, child_id = guardianship.parent_id, guardianship.child_id
    db.session.delete(guardianship)
    record_change(actor, "child", child_id, "ouder ontkoppeld", ["guardianship"])
    record_change(actor, "user", parent_id, "leerling ontkoppeld", ["guardianship"])
    db.session.commit()


# --- people and accounts ------------------------------------------------------------------------

TAKEN_MESSAGE = ("Er is al een account met dit e-mailadres. Eén e-mailadres is één account: "
                 "de andere ouder heeft een eigen e-mailadres nodig.")


def check_login_free(login_name, exclude_user_id=None, field="login_name"):
    if login_name_taken(login_name, exclude_user_id=exclude_user_id):
        raise ServiceError(TAKEN_MESSAGE, field=field)


def create_person(values, actor, child=None, read_only=False):
    """Create an account (the activation mail follows after commit), optionally linked to a pupil."""
    login_name = values["login_name"]
    check_login_free(login_name)
    role = Role(values.get("role") or Role.PARENT.value)
    if child is not None and role != Role.PARENT:
        raise ServiceError("Alleen een ouder kan aan een leerling gekoppeld worden.", field="role")
    extra = {name: values.get(name) or "" for name in PERSON_FIELDS if name not in ("first_name", "last_name", "email")}
    user, mail = new_account(login_name, values["first_name"], values["last_name"], role=role,
                            email=values.get("email") or login_name, **extra)
    record_change(actor, "user", user.id, "account aangemaakt",
                  [name for name in PERSON_FIELDS if getattr(user, name)] + ["login_name"])
    if child is not None:
        db.session.add(Guardianship(parent=user, child=child, read_only=bool(read_only)))
        record_change(actor, "child", child.id, "ouder gekoppeld", ["guardianship"])
    commit_or_fail(TAKEN_MESSAGE, field="login_name")
    mail_activation(mail)
    return user


def resend_activation(user):
    from app.auth.services import send_activation

    if user.is_activated:
        raise ServiceError("Dit account is al geactiveerd; de ouder kan inloggen of een nieuw wachtwoord aanvragen.")
    if not user.is_active or is_erased(user):
        raise ServiceError("Dit account is gedeactiveerd. Zet het eerst weer aan.")
    send_activation(user)


def change_login_name(user, new_login, also_contact, actor):
    """The office changes the login name (manual, FAQ); the owner gets a notice at the old
    and the new address (the old one, in case it was not asked for)."""
    new_login = normalise_login(new_login)
    old_login = user.login_name
    if new_login == old_login:
        raise ServiceError("Dit is al de inlognaam van dit account.", field="login_name")
    check_login_free(new_login, exclude_user_id=user.id)
    fields = ["login_name"]
    user.login_name = new_login
    if also_contact and user.email != new_login:
        user.email = new_login
        fields.append("email")
    # An open "login name follows my e-mail" link of the owner is now moot.
    db.session.execute(
        AccountToken.__table__.update()
        .where(AccountToken.user_id == user.id, AccountToken.purpose == "email", AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    record_change(actor, "user", user.id, "inlognaam gewijzigd", fields)
    mails = [record_account_mail(user.id, "login_changed_by_school", to=address)
             for address in (old_login, new_login)] if user.is_activated else []
    commit_or_fail(TAKEN_MESSAGE, field="login_name")
    send_recorded(*mails)


def deactivate(user, actor):
    """Cannot log in any more (every session ends); nothing is deleted."""
    if user.id == actor.id:
        raise ServiceError("U kunt uw eigen account niet deactiveren.")
    if user.deactivated_at is None:
        user.deactivated_at = utcnow()
        end_all_sessions(user)
        record_change(actor, "user", user.id, "gedeactiveerd", ["deactivated_at"])
        db.session.commit()


def reactivate(user, actor):
    if is_erased(user):
        raise ServiceError("Een gewist account kan niet meer worden geactiveerd.")
    if user.deactivated_at is not None:
        user.deactivated_at = None
        record_change(actor, "user", user.id, "weer actief", ["deactivated_at"])
        db.session.commit()

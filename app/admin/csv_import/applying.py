"""Step 3 of the import: carrying out a Plan in ONE transaction (with a line in the log
for every pupil and parent touched), and only after the commit the activation mails of
the new parents."""
from dataclasses import dataclass

from app.admin.csv_import.preview import _in_chunks
from app.audit import record_change
from app.extensions import db
from app.models import Child, Guardianship, Role, User

BAD_ROWS_MESSAGE = ("Het bestand heeft foutieve rijen. Pas ze aan en upload het bestand opnieuw, of kies "
                    "uitdrukkelijk om ze over te slaan. Er is niets geïmporteerd.")


@dataclass
class Result:
    created_children: int = 0
    changed_children: int = 0
    created_parents: int = 0
    filled_parents: int = 0
    new_guardianships: int = 0
    skipped_rows: int = 0


def apply_plan(plan, actor, skip_bad_rows=False):
    """Carry out the plan in one transaction; then enqueue the activation mails. Returns Result."""
    from app.admin.services import ServiceError, mail_activation

    if plan.bad_rows and not skip_bad_rows:
        raise ServiceError(BAD_ROWS_MESSAGE)
    result = Result(skipped_rows=len(plan.bad_rows))
    try:
        by_number = _create_children(plan, actor)
        _change_children(plan, actor, by_number)
        accounts, activations = _create_parents(plan, actor)
        _fill_parents(plan, actor)
        _link_parents(plan, actor, by_number, accounts)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    result.created_children = len(plan.new_children)
    result.changed_children = len(plan.changed_children)
    result.created_parents = len(plan.new_parents)
    result.filled_parents = len(plan.filled_parents)
    result.new_guardianships = len(plan.new_guardianships)
    # Only now, with everything committed, do the new parents get their mail.
    mail_activation(*activations)
    return result


def _create_children(plan, actor):
    """The new pupils; returns {student number: pupil} (the changed ones are added later)."""
    by_number = {}
    for row, values in plan.new_children:
        child = Child(student_number=row.clean["student_number"], group=values["group"],
                      **{k: v for k, v in values.items() if k != "group"})
        db.session.add(child)
        by_number[child.student_number] = child
    db.session.flush()
    for row, values in plan.new_children:
        child = by_number[row.clean["student_number"]]
        record_change(actor, "child", child.id, "aangemaakt (import)",
                      ["student_number"] + [k for k, v in values.items() if v])
    return by_number


def _change_children(plan, actor, by_number):
    for row, child, diff in plan.changed_children:
        for key, (_, new) in diff.items():
            if key == "group":
                child.group = new
            else:
                setattr(child, key, new)
        by_number[child.student_number] = child
        record_change(actor, "child", child.id, "gewijzigd (import)", list(diff))


def _create_parents(plan, actor):
    """The new parent accounts: ({login: user}, [their recorded activation mails])."""
    from app.admin.services import new_account

    accounts = {}
    activations = []
    for parent in plan.new_parents:
        user, mail = new_account(parent["email"], parent["first_name"], parent["last_name"],
                                 role=Role.PARENT, phone_mobile=parent["phone"])
        accounts[user.login_name] = user
        activations.append(mail)
        record_change(actor, "user", user.id, "account aangemaakt (import)",
                      ["login_name", "email", "first_name", "last_name"] + (["phone_mobile"] if parent["phone"] else []))
    return accounts, activations


def _fill_parents(plan, actor):
    for user, fill in plan.filled_parents:
        for key, value in fill.items():
            setattr(user, key, value)
        record_change(actor, "user", user.id, "aangevuld (import)", list(fill))


def _link_parents(plan, actor, by_number, accounts):
    """The new links (pupils and parents the plan did not touch are loaded here) and the
    changed read-only flags."""
    numbers_needed = [number for _, number, _ in plan.new_guardianships if number not in by_number]
    for child in _in_chunks(Child, Child.student_number, numbers_needed):
        by_number[child.student_number] = child
    logins_needed = [login for login, _, _ in plan.new_guardianships if login not in accounts]
    for user in _in_chunks(User, User.login_name, logins_needed):
        accounts[user.login_name] = user
    for login, number, read_only in plan.new_guardianships:
        parent, child = accounts[login], by_number[number]
        db.session.add(Guardianship(parent_id=parent.id, child_id=child.id, read_only=read_only))
        record_change(actor, "child", child.id, "ouder gekoppeld (import)", ["guardianship"])
    for link, read_only in plan.changed_guardianships:
        link.read_only = read_only
        record_change(actor, "user", link.parent_id, "alleen lezen " + ("aan" if read_only else "uit") + " (import)",
                      ["read_only"])

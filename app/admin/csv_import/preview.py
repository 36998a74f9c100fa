"""Step 2b of the import, the preview: every row checked (on its own, then across the file
and against the accounts there are), and the Plan of what importing would create, change
and leave alone. Reads only; its fingerprint lets the commit check it still is the plan
the office saw."""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from app import clock
from app.admin.csv_import.checks import _check_row
from app.admin.csv_import.columns import normalise_group_name
from app.admin.csv_import.reading import ParsedFile
from app.extensions import db
from app.models import Child, Group, Guardianship, Role, User
from app.names import display_name, sort_key


@dataclass
class Plan:
    parsed: ParsedFile
    new_children: list = field(default_factory=list)      # (row, values)
    changed_children: list = field(default_factory=list)  # (row, child, {field: (old, new)})
    unchanged_children: int = 0
    absent_children: int = 0
    new_parents: list = field(default_factory=list)       # parent dicts (first row wins)
    filled_parents: list = field(default_factory=list)    # (user, {field: new})
    existing_parents: int = 0
    new_guardianships: list = field(default_factory=list)         # (login, student_number, read_only)
    changed_guardianships: list = field(default_factory=list)     # (Guardianship, read_only)
    bad_rows: list = field(default_factory=list)
    warnings: list = field(default_factory=list)          # (row, message)

    @property
    def rows(self):
        return self.parsed.rows

    @property
    def good_rows(self):
        return [row for row in self.rows if row.ok]

    @property
    def warned_rows(self):
        return [row for row in self.rows if row.warnings]

    @property
    def has_changes(self):
        return bool(self.new_children or self.changed_children or self.new_parents or self.filled_parents
                    or self.new_guardianships or self.changed_guardianships)

    def fingerprint(self):
        """A digest of everything the import would do, to check preview and commit agree."""
        def show(value):
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, Group):
                return f"group:{value.id}"
            return value

        data = {
            "new": [[row.line, {k: show(v) for k, v in values.items() if k != "parents"}] for row, values in self.new_children],
            "changed": [[row.line, child.id, {k: [show(a), show(b)] for k, (a, b) in diff.items()}]
                        for row, child, diff in self.changed_children],
            "parents": [[p["login"], p["first_name"], p["last_name"], p["phone"]] for p in self.new_parents],
            "filled": [[user.id, fields] for user, fields in self.filled_parents],
            "links": self.new_guardianships,
            "link_changes": [[link.parent_id, link.child_id, read_only] for link, read_only in self.changed_guardianships],
            "bad": [[row.line, row.errors] for row in self.bad_rows],
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _groups_by_name():
    groups = db.session.scalars(select(Group)).all()
    lookup = {}
    for group in groups:
        lookup[normalise_group_name(group.name)] = group
    return lookup


def make_plan(parsed, today=None):
    """What importing `parsed` would do to the database now. Reads only."""
    today = today or clock.today()
    groups = _groups_by_name()
    for row in parsed.rows:
        _check_row(row, groups, today)
    _check_across_rows(parsed.rows)

    numbers = [row.clean["student_number"] for row in parsed.rows if row.clean.get("student_number")]
    logins = sorted({p["login"] for row in parsed.rows for p in row.clean.get("parents", [])})
    children = {child.student_number: child for child in _in_chunks(Child, Child.student_number, numbers)}
    users = {user.login_name: user for user in _in_chunks(User, User.login_name, logins)}
    _check_accounts(parsed.rows, users)

    plan = Plan(parsed=parsed)
    plan.bad_rows = [row for row in parsed.rows if row.errors]
    plan.warnings = [(row, message) for row in parsed.rows for message in row.warnings]
    child_ids = [child.id for child in children.values()]
    links = {(link.parent_id, link.child_id): link for link in _in_chunks(Guardianship, Guardianship.child_id, child_ids)}

    seen_logins = set()
    for row in plan.good_rows:
        child = children.get(row.clean["student_number"])
        _plan_child(plan, row, child)
        for parent in row.clean["parents"]:
            _plan_parent(plan, row, parent, child, users.get(parent["login"]), links, seen_logins)
            seen_logins.add(parent["login"])

    in_file = set(numbers)
    current = db.session.scalars(select(Child.student_number).where(Child.left_at.is_(None))).all()
    plan.absent_children = sum(1 for number in current if number not in in_file)
    _sort_for_preview(plan)
    return plan


def _check_across_rows(rows):
    """A pupil once per file; one e-mail address is one person."""
    first_number = {}
    first_parent = {}
    for row in rows:
        number = row.clean.get("student_number")
        if number:
            if number in first_number:
                row.errors.append(f"Leerlingnummer {number} staat ook in regel {first_number[number]}.")
            else:
                first_number[number] = row.line
        for parent in row.clean.get("parents", []):
            earlier = first_parent.get(parent["login"])
            if earlier is None:
                first_parent[parent["login"]] = (row.line, parent)
            elif (earlier[1]["first_name"].lower(), earlier[1]["last_name"].lower()) != \
                    (parent["first_name"].lower(), parent["last_name"].lower()):
                other = display_name(earlier[1]["first_name"], earlier[1]["last_name"])
                row.errors.append(f"Het e-mailadres {parent['email']} staat in regel {earlier[0]} bij een andere "
                                  f"ouder ({other}). Eén e-mailadres is één account: elke ouder heeft een eigen "
                                  f"e-mailadres nodig.")


def _check_accounts(rows, users):
    """A parent's address that is already a staff login, or a deactivated account."""
    for row in rows:
        for parent in row.clean.get("parents", []):
            user = users.get(parent["login"])
            if user is not None and user.role != Role.PARENT:
                row.errors.append(f"Ouder {parent['slot']}: {parent['email']} is de inlognaam van een medewerker, "
                                  f"niet van een ouder.")
            elif user is not None and user.deactivated_at is not None:
                row.warnings.append(f"Ouder {parent['slot']}: het account {parent['email']} is gedeactiveerd; de "
                                    f"koppeling wordt wel gemaakt.")


def _plan_child(plan, row, child):
    """A new pupil, or the fields the file changes of an existing one (a former pupil returns)."""
    clean = row.clean
    wanted = {key: clean[key] for key in ("first_name", "last_name", "birth_date", "gender", "street",
                                          "house_number", "postcode", "city", "country") if key in clean}
    if child is None:
        plan.new_children.append((row, dict(wanted, group=clean["group"])))
        return
    diff = {key: (getattr(child, key), value) for key, value in wanted.items() if getattr(child, key) != value}
    if child.group_id != clean["group"].id:
        diff["group"] = (child.group, clean["group"])
    if child.left_at is not None:
        diff["left_at"] = (child.left_at, None)
    if diff:
        plan.changed_children.append((row, child, diff))
    else:
        plan.unchanged_children += 1


def _plan_parent(plan, row, parent, child, user, links, seen_logins):
    """A new account, or the empty fields of an existing one filled (the first row with the
    address decides); then the link to the pupil, new or with a changed read-only flag."""
    if parent["login"] not in seen_logins:
        if user is None:
            plan.new_parents.append(parent)
        else:
            fill = {}
            for key, value in (("first_name", parent["first_name"]), ("last_name", parent["last_name"]),
                               ("phone_mobile", parent["phone"])):
                if value and not getattr(user, key):
                    fill[key] = value
            if fill:
                plan.filled_parents.append((user, fill))
            else:
                plan.existing_parents += 1
    link = links.get((user.id, child.id)) if (user is not None and child is not None) else None
    if link is None:
        plan.new_guardianships.append((parent["login"], row.clean["student_number"], bool(parent["read_only"])))
    elif parent["read_only"] is not None and link.read_only != parent["read_only"]:
        plan.changed_guardianships.append((link, parent["read_only"]))


def _sort_for_preview(plan):
    # The preview lists people as every list does: by main surname (app.names); bad rows and
    # warnings stay in file order, by line number.
    plan.new_children.sort(key=lambda item: (sort_key(item[1]["first_name"], item[1]["last_name"]), item[0].line))
    plan.changed_children.sort(key=lambda item: (sort_key(item[1].first_name, item[1].last_name), item[0].line))
    plan.new_parents.sort(key=lambda parent: (sort_key(parent["first_name"], parent["last_name"], parent["login"]),
                                              parent["login"]))


def _in_chunks(model, column, values, size=500):
    found = []
    values = list(values)
    for start in range(0, len(values), size):
        found += db.session.scalars(select(model).where(column.in_(values[start:start + size]))).all()
    return found

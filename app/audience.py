"""Choosing who an item is for (the whole school or groups) in the staff forms of
Nieuws, Agenda, Documenten, Berichten and Fotoalbums: the form field, the choices a staff
member has, saving such a form, and turning a checked choice into the item's audience.

Whether a choice is allowed is decided by app/access.check_audience; this module only
applies it, in the forms (for the Dutch message) and again in the services (so no other
caller can skip it).
"""
from sqlalchemy import select
from wtforms import BooleanField, Field
from wtforms.widgets import html_params

from app.access import check_audience, taught_group_ids
from app.extensions import db
from app.models import Group
from app.request_input import db_int


class AudienceError(ValueError):
    """A refused audience; str(error) is the Dutch message."""


class GroupChoiceField(Field):
    """Checkboxes with group ids. Unknown or foreign ids are not silently dropped: they
    reach check_audience, which refuses them with a Dutch message."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.choices = []

    def process_formdata(self, valuelist):
        ids = []
        for value in valuelist:
            try:
                ids.append(db_int(value))
            except (TypeError, ValueError):
                self.process_errors.append("Kies een groep uit de lijst.")
        self.data = sorted(set(ids))

    def process_data(self, value):
        self.data = sorted({getattr(group, "id", group) for group in (value or [])})

    def __call__(self, **kwargs):  # rendered by the audience macro; this is a fallback
        return "".join(
            f'<label><input type="checkbox" {html_params(name=self.name, value=gid, checked=gid in self.data)}> {label}</label>'
            for gid, label in self.choices
        )


class AudienceFields:
    """Mixin for a PortalForm: `school_wide` and `groups`."""

    school_wide = BooleanField("Hele school")
    groups = GroupChoiceField("Groepen")


def audience_choices(user):
    """The groups this staff member may choose: a teacher's own, every group for the office."""
    ids = taught_group_ids(user)
    groups = db.session.scalars(select(Group).where(Group.id.in_(ids)).order_by(Group.sort_order, Group.name))
    return [(group.id, group.label) for group in groups]


def prepare_audience(form, user, item=None):
    """Fill the choices; on a new form, a teacher with one group gets it preselected."""
    form.groups.choices = audience_choices(user)
    if item is None and not form.is_submitted() and not user.is_admin and len(form.groups.choices) == 1:
        form.groups.data = [form.groups.choices[0][0]]


def check_form_audience(form, user):
    """Add the Dutch audience error to the form; True when the choice is allowed."""
    problem = check_audience(user, bool(form.school_wide.data), form.groups.data or [])
    if problem:
        form.groups.errors = [*form.groups.errors, problem]
        return False
    return True


def resolve_audience(user, school_wide, group_ids):
    """The groups for a new audience, or AudienceError. School-wide items have no groups."""
    problem = check_audience(user, school_wide, group_ids)
    if problem:
        raise AudienceError(problem)
    if school_wide:
        return []
    return list(db.session.scalars(select(Group).where(Group.id.in_(group_ids)).order_by(Group.sort_order)))


def apply_audience(item, user, school_wide, group_ids):
    """Set item.school_wide and item.groups after checking them (caller commits)."""
    groups = resolve_audience(user, bool(school_wide), list(group_ids or []))
    item.school_wide = bool(school_wide)
    item.groups = groups
    return item



def save_audience_form(form, user, store, field_errors=None):
    """The save step of every staff form with an audience (Nieuws, Agenda, Documenten,
    Berichten, Fotoalbums): the item `store(school_wide=..., group_ids=...)` returns, or None
    with the problems on the form.

    The form's own checks and the audience check both run, so every problem shows at once;
    `store` (the service call) runs only when both pass. A refused audience lands on the
    groups field; `field_errors` maps another Dutch error class to its field (an upload on
    the file field). Any other exception is the caller's.
    """
    if not form.is_submitted():
        return None
    if not (form.validate() & check_form_audience(form, user)):
        return None
    handled = {AudienceError: form.groups, **(field_errors or {})}
    try:
        return store(school_wide=form.school_wide.data, group_ids=form.groups.data)
    except tuple(handled) as error:
        target = next(target for kind, target in handled.items() if isinstance(error, kind))
        target.errors = [*target.errors, str(error)]
    return None

"""Beheer › Toestemming: per group, who has consent for what this school year (pupils × the
purposes asked), as a page, a printout and a CSV; and whether this year's request went out.

What counts is app/privacy/consent.py's rule (states_for): one "nee" is "nee", and no answer
counts as "nee". A teacher sees only their own groups (app.access.taught_group_ids); the
office all of them. The queries are the same few whatever the number of pupils.
"""
from dataclasses import dataclass

from flask import abort
from sqlalchemy import select

from app import clock
from app.access import taught_group_ids
from app.consent.requests import REMINDER_AFTER, request_for
from app.extensions import db
from app.models import Child, Group, User
from app.privacy.consent import active_purposes, parent_names, states_for

# What a cell says, by the effective answer; the CSV uses the same words.
YES, NO, NONE = "ja", "nee", "geen antwoord"


def groups_for(user):
    """The groups whose overview this staff member may open, in the school's order."""
    ids = taught_group_ids(user)
    if not ids:
        return []
    return db.session.scalars(select(Group).where(Group.id.in_(ids)).order_by(Group.sort_order, Group.name)).all()


def group_for(user, groups, group_id):
    """The chosen group: one of `groups` (404 for any other id); the first when none is chosen."""
    if group_id is None:
        return groups[0] if groups else None
    group = next((group for group in groups if group.id == group_id), None)
    if group is None:
        abort(404)
    return group


@dataclass
class Cell:
    """One pupil and one purpose: the answer that counts and each parent's answer."""

    value: str  # YES, NO or NONE
    answers: list  # [(parent name, "ja"/"nee", when)]


@dataclass
class Overview:
    group: Group
    year: str
    purposes: list
    rows: list  # [(child, [Cell per purpose])]

    def summary(self):
        """Per purpose: {"ja": n, "nee": n, "geen antwoord": n}."""
        counts = [{YES: 0, NO: 0, NONE: 0} for _ in self.purposes]
        for _, cells in self.rows:
            for index, cell in enumerate(cells):
                counts[index][cell.value] += 1
        return list(zip(self.purposes, counts))


def _cell(state, names):
    if not state.answered:
        value = NONE
    else:
        value = YES if state.consent else NO
    answers = [(names.get(answer.parent_id, "Gewist account"), YES if answer.given else NO, answer.at)
               for answer in state.answers]
    return Cell(value, answers)


def overview(group, year=None):
    """The pupils of the group (current ones, by name) × the purposes asked this year."""
    year = year or clock.school_year()
    children = db.session.scalars(
        select(Child).where(Child.group_id == group.id, Child.left_at.is_(None), Child.erased_at.is_(None))
        .order_by(Child.sort_name, Child.id)
    ).all()
    purposes = [purpose for purpose in active_purposes(year) if purpose.current]
    states = states_for([child.id for child in children], year)
    names = parent_names({answer.parent_id for each in states.values() for state in each for answer in state.answers})
    rows = [(child, [_cell(state, names) for state in states[child.id]]) for child in children]
    return Overview(group, year, purposes, rows)


def csv_rows(data):
    """The CSV: leerling, groep, then per purpose ja / nee / geen antwoord."""
    header = ["Leerling", "Groep"] + [purpose.name for purpose in data.purposes]
    rows = [[child.name, data.group.name] + [cell.value for cell in cells] for child, cells in data.rows]
    return header, rows


@dataclass
class RequestStatus:
    year: str
    sent_at: object = None  # naive UTC, or None when not sent yet
    sent_by: str = ""

    @property
    def reminder_at(self):
        return self.sent_at + REMINDER_AFTER if self.sent_at else None

    @property
    def reminder_due(self):
        return self.sent_at is not None and clock.utcnow() < self.reminder_at


def request_status(year=None):
    """Whether this school year's request went out, when and by whom."""
    year = year or clock.school_year()
    request = request_for(year)
    if request is None:
        return RequestStatus(year)
    actor = db.session.get(User, request.created_by_id) if request.created_by_id else None
    return RequestStatus(year, request.created_at, actor.name if actor else "")

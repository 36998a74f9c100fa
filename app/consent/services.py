"""The parents' side of Toestemming: what the tab "Toestemming" of a child shows, and the
parent's overview of their children (the rules themselves: app/privacy/consent.py).

A tab is built in a bounded number of queries: the purposes of the year (memoised), the
latest answers of the child's current parents (one query), the writable guardians (one)
and the full history (one, with its versions and parents loaded)."""
from dataclasses import dataclass, field

from sqlalchemy import select

from app.access import children_of
from app.extensions import db
from app.models import Guardianship, User
from app.privacy.consent import active_purposes, history_of, parent_names, states_for


def answering_parents(child):
    """The guardians who may answer for this child (a writable link), in name order."""
    return db.session.scalars(
        select(User).join(Guardianship, Guardianship.parent_id == User.id)
        .where(Guardianship.child_id == child.id, Guardianship.read_only.is_(False))
        .order_by(User.sort_name, User.id)
    ).all()


@dataclass
class PurposeBlock:
    """One purpose on a child's tab: its current text, what counts, each parent's latest
    answer, and the viewer's own answer (None: not answered)."""

    state: object                                # app.privacy.consent.PurposeState
    parents: list = field(default_factory=list)  # [(User, ParentAnswer or None)]
    mine: object = None                          # the viewer's ParentAnswer, or None
    error: str | None = None
    saved: bool = False

    @property
    def purpose(self):
        return self.state.purpose

    @property
    def version(self):
        return self.state.purpose.current


def purpose_blocks(viewer, child, year=None):
    """[PurposeBlock] for every purpose asked this school year (empty before there are any)."""
    states = states_for([child.id], year)[child.id]
    parents = answering_parents(child) if states else []
    return [PurposeBlock(state=state, parents=[(parent, state.answer_of(parent.id)) for parent in parents],
                         mine=state.answer_of(viewer.id))
            for state in states]


def block_for(viewer, child, purpose_id, year=None, **extra):
    """The block of one purpose (after an answer), or None when it is not asked this year."""
    block = next((b for b in purpose_blocks(viewer, child, year) if b.purpose.id == purpose_id), None)
    if block is not None:
        for name, value in extra.items():
            setattr(block, name, value)
    return block


def find_purpose(purpose_id, year=None):
    """A purpose asked this school year, by id, or None."""
    return next((purpose for purpose in active_purposes(year) if purpose.id == purpose_id), None)


def history_rows(child):
    """Every answer ever given for this child, newest first, with who gave it."""
    answers = history_of(child.id)
    names = parent_names(answer.parent_id for answer in answers)
    return [{"answer": answer, "who": names.get(answer.parent_id, "Verwijderd account"),
             "purpose": answer.version.purpose.name, "version": answer.version} for answer in answers]


def children_overview(user, year=None):
    """The parent's current children, each with its purposes' states this school year and
    whether this parent still has something to answer (Mijn kinderen › Toestemming)."""
    rows = [(child, read_only) for child, read_only in children_of(user)
            if child.left_at is None and child.group_id is not None]
    states = states_for([child.id for child, _ in rows], year)
    return [{"child": child, "read_only": read_only, "states": states[child.id],
             "open": not read_only and any(state.answer_of(user.id) is None for state in states[child.id])}
            for child, read_only in rows]

"""Toestemming beeldmateriaal: what counts as consent, and what it hides.

The rules (AVG art. 8 and the AP's guidance for schools, see the README):

- Consent is per child, per purpose, per school year. Nothing answered means **no**.
- Each current guardian with a writable link may answer; their latest answer to the
  purpose's current text counts. **The stricter answer counts**: the child has consent
  only when at least one parent said "ja" and no parent said "nee".
- An answer to an older text of the purpose (a changed explanation) no longer counts:
  the purpose is asked again. Answers of an earlier school year do not count either.
- Answers are only added (`save_answer`), never changed or removed: the history of a
  child's answers is the proof of what was agreed, by whom and when.
- A photo in which staff marked a pupil without consent for the albums purpose is hidden
  from every parent but that pupil's own (`hidden_photo_clause`); staff see it.

Everything here is read through app.access.remembered: once per request, forgotten at
every commit, so a withdrawal hides the photos in the very next query.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, distinct, exists, func, select, true
from sqlalchemy.orm import aliased, joinedload, selectinload

from app import clock
from app.access import remembered
from app.audit import record_change
from app.extensions import db
from app.models import (
    ALBUMS_PURPOSE, AlbumPhoto, Child, ConsentAnswer, ConsentPurpose, ConsentPurposeVersion, Guardianship,
    PhotoTag, User, consent_purpose_years,
)
from app.privacy.rules import viewer_for

ANSWER_LABELS = {True: "Ja", False: "Nee", None: "Geen antwoord (telt als nee)"}


class ConsentRefused(ValueError):
    """A change the rules do not allow; the message is Dutch, for the parent."""


# --- purposes ---------------------------------------------------------------------------------

def active_purposes(year=None):
    """The purposes asked in this school year (the current one by default), in order, with
    their versions loaded."""
    year = year or clock.school_year()
    # One query (a join: a school has a handful of purposes, each with a few versions).
    return remembered(("consent-purposes", year), lambda: list(db.session.scalars(
        select(ConsentPurpose)
        .join(consent_purpose_years, consent_purpose_years.c.purpose_id == ConsentPurpose.id)
        .where(consent_purpose_years.c.school_year == year)
        .options(joinedload(ConsentPurpose.versions))
        .order_by(ConsentPurpose.position, ConsentPurpose.id)
    ).unique()))


def albums_purpose(year=None):
    """The albums purpose when it is asked this year, else None (then nobody has consent)."""
    return next((purpose for purpose in active_purposes(year) if purpose.code == ALBUMS_PURPOSE), None)


# --- answers ----------------------------------------------------------------------------------

@dataclass
class ParentAnswer:
    parent_id: int | None
    given: bool
    at: datetime


@dataclass
class PurposeState:
    """One purpose for one child this year: each parent's latest answer and what counts."""

    purpose: ConsentPurpose
    answers: list = field(default_factory=list)  # [ParentAnswer] of current guardians, latest each

    @property
    def consent(self):
        """True only with at least one "ja" and no "nee" (no answer: no consent)."""
        return bool(self.answers) and all(answer.given for answer in self.answers)

    @property
    def answered(self):
        return bool(self.answers)

    def answer_of(self, parent_id):
        return next((answer for answer in self.answers if answer.parent_id == parent_id), None)


def _latest_answers(child_ids, version_ids, year):
    """{(child_id, version_id): [ParentAnswer]}: each current writable guardian's latest answer."""
    if not child_ids or not version_ids:
        return {}
    rows = db.session.execute(
        select(ConsentAnswer.child_id, ConsentAnswer.version_id, ConsentAnswer.parent_id, ConsentAnswer.given,
               ConsentAnswer.created_at)
        .join(Guardianship, and_(Guardianship.child_id == ConsentAnswer.child_id,
                                 Guardianship.parent_id == ConsentAnswer.parent_id))
        .where(ConsentAnswer.child_id.in_(child_ids), ConsentAnswer.version_id.in_(version_ids),
               ConsentAnswer.school_year == year, Guardianship.read_only.is_(False))
        .order_by(ConsentAnswer.id)
    ).all()
    latest = {}
    for row in rows:  # in order of id: a later answer of the same parent replaces the earlier
        latest[(row.child_id, row.version_id, row.parent_id)] = ParentAnswer(row.parent_id, row.given, row.created_at)
    found = defaultdict(list)
    for (child_id, version_id, _), answer in latest.items():
        found[(child_id, version_id)].append(answer)
    return found


def states_for(child_ids, year=None):
    """{child_id: [PurposeState]} for the purposes asked this year."""
    year = year or clock.school_year()
    purposes = active_purposes(year)
    latest = _latest_answers(set(child_ids), {p.current.id for p in purposes if p.current}, year)
    return {child_id: [PurposeState(p, sorted(latest.get((child_id, p.current.id), []), key=lambda a: a.at))
                       for p in purposes if p.current]
            for child_id in child_ids}


def consenting_children(year=None):
    """The ids of the children with consent for the albums purpose this school year."""
    year = year or clock.school_year()

    def compute():
        purpose = albums_purpose(year)
        if purpose is None or purpose.current is None:
            return frozenset()
        answered = set(db.session.scalars(
            select(ConsentAnswer.child_id).distinct()
            .where(ConsentAnswer.version_id == purpose.current.id, ConsentAnswer.school_year == year)
        ))
        latest = _latest_answers(answered, {purpose.current.id}, year)
        return frozenset(child_id for (child_id, _), answers in latest.items()
                         if answers and all(answer.given for answer in answers))
    return remembered(("consenting", year), compute)


def history_of(child_id):
    """Every answer ever given for this child, newest first (purpose text, who, when)."""
    return db.session.scalars(
        select(ConsentAnswer).where(ConsentAnswer.child_id == child_id)
        .options(selectinload(ConsentAnswer.version).selectinload(ConsentPurposeVersion.purpose),
                 selectinload(ConsentAnswer.parent))
        .order_by(ConsentAnswer.id.desc())
    ).all()


def unanswered_children(user, year=None):
    """The parent's current children (writable link) with a purpose nobody answered this
    year: Home asks about them."""
    if not user.is_parent:
        return []
    year = year or clock.school_year()
    versions = [purpose.current.id for purpose in active_purposes(year) if purpose.current]
    if not versions:
        return []
    # One query (Home asks it on every render): an answer counts when its parent is a
    # current guardian with a writable link, as in _latest_answers; a child is asked about
    # while fewer of the current versions are answered than there are.
    answerer = aliased(Guardianship)
    answered = (
        select(func.count(distinct(ConsentAnswer.version_id)))
        .join(answerer, and_(answerer.child_id == ConsentAnswer.child_id,
                             answerer.parent_id == ConsentAnswer.parent_id))
        .where(ConsentAnswer.child_id == Child.id, ConsentAnswer.version_id.in_(versions),
               ConsentAnswer.school_year == year, answerer.read_only.is_(False))
        .correlate(Child).scalar_subquery()
    )
    return db.session.scalars(
        select(Child).join(Guardianship, Guardianship.child_id == Child.id)
        .where(Guardianship.parent_id == user.id, Guardianship.read_only.is_(False),
               Child.left_at.is_(None), Child.group_id.is_not(None), answered < len(versions))
        .order_by(Child.first_name)
    ).all()


def save_answer(actor, child, purpose, given, year=None):
    """Add `actor`'s answer for this child and purpose (the caller checked access to the
    child). Returns True when it changed something; raises ConsentRefused otherwise."""
    year = year or clock.school_year()
    link = db.session.get(Guardianship, (actor.id, child.id)) if actor.is_parent else None
    if link is None:
        raise ConsentRefused("Alleen de ouders van een leerling geven of weigeren toestemming.")
    if link.read_only:
        raise ConsentRefused("U kunt de toestemming bekijken, maar niet wijzigen.")
    if purpose not in active_purposes(year) or purpose.current is None:
        raise ConsentRefused("Voor dit doel wordt dit schooljaar geen toestemming gevraagd.")
    state = states_for([child.id], year)[child.id]
    mine = next(s for s in state if s.purpose.id == purpose.id).answer_of(actor.id)
    if mine is not None and mine.given == bool(given):
        return False
    db.session.add(ConsentAnswer(child_id=child.id, version_id=purpose.current.id, school_year=year,
                                 given=bool(given), parent_id=actor.id))
    record_change(actor, "child", child.id, "toestemming " + ("gegeven" if given else "geweigerd"), ["consent"])
    db.session.commit()
    return True


# --- what consent hides -----------------------------------------------------------------------

def hidden_photo_clause(user, year=None):
    """A WHERE clause on AlbumPhoto: true for the photos this user may see.

    Staff see every photo. A parent does not see a photo in which a pupil is marked who
    has no albums consent this year, unless that pupil is their own child."""
    if user.is_staff:
        return true()
    own = viewer_for(user).own_children
    blocked = exists().where(
        PhotoTag.photo_id == AlbumPhoto.id,
        PhotoTag.child_id.not_in(consenting_children(year) | own),
    )
    return ~blocked


def children_without_consent(child_ids, year=None):
    """Of these children, those without albums consent this year (for the staff's lists)."""
    consenting = consenting_children(year)
    return [child_id for child_id in child_ids if child_id not in consenting]


def parent_names(parent_ids):
    """{id: name} of the parents who answered (an erased account reads "Gewist account")."""
    ids = {parent_id for parent_id in parent_ids if parent_id is not None}
    if not ids:
        return {}
    return {user.id: user.name for user in db.session.scalars(select(User).where(User.id.in_(ids)))}

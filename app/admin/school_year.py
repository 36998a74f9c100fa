"""The new school year: every pupil one group up, in one step, after a preview.

Decisions (documented in the README):
- A pupil goes to the group of the next level (Group.level + 1). With several groups of
  that level, the one with the same letter (4a → 5a), otherwise the first in the list.
- Combined kindergarten groups (level 1, name "1/2…") hold groep 1 and groep 2 pupils.
  Their pupils who are six on 1 October of the new school year go to groep 3 (level 3);
  the others stay in their group for their second year. The preview shows this choice
  per pupil, and the office can change it there (e.g. for an "oktoberkind").
- Pupils of groep 8 (level 8) leave: left_at is set and they no longer belong to a group,
  so they become former pupils and their parents lose access to current content.
- Groups keep their teachers; every group gets the next school year ("2027-2028").
- A move is recorded in the audit log (per pupil, "nieuw schooljaar"). When the last one is
  less than RECENT_MOVE ago, this school year was already moved: the preview says when and by
  whom, and a second move needs an explicit tick (a colleague who did not know, a second tab).
"""
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock
from app.audit import record_change
from app.extensions import db
from app.models import AuditEntry, Child, Group, User, utcnow
from app.names import person_sort_key

from app.admin.services import ServiceError


MOVE_ACTIONS = ("nieuw schooljaar", "oud-leerling (nieuw schooljaar)")
# Moves happen once a year in the summer; one within ten months of the last is a second one.
RECENT_MOVE = timedelta(days=300)


def next_school_year(year):
    match = re.match(r"^(\d{4})-(\d{4})$", year or "")
    if not match:
        today = clock.today()
        start = today.year if today.month >= 8 else today.year - 1
        return f"{start}-{start + 1}"
    start = int(match.group(1)) + 1
    return f"{start}-{start + 1}"


def is_combined_kindergarten(group):
    return group.level == 1 and re.match(r"^\s*1\s*[/-]\s*2", group.name or "") is not None


@dataclass
class GroupMove:
    group: Group
    target: Group | None          # None: the pupils leave school (groep 8)
    children: list = field(default_factory=list)


@dataclass
class Kindergartner:
    child: Child
    group: Group
    to_third: bool                 # goes to groep 3 (else stays in its group)
    suggested: bool                # what the birth-date rule says
    note: str = ""


@dataclass
class YearPlan:
    from_year: str
    to_year: str
    cutoff: date
    moves: list = field(default_factory=list)           # GroupMove, for non-kindergarten groups
    kindergarten: list = field(default_factory=list)    # Kindergartner
    third_targets: dict = field(default_factory=dict)   # kindergarten group id -> level-3 group
    problems: list = field(default_factory=list)
    moved_at: object = None          # when this school year was already moved (UTC), or None
    moved_by: User | None = None

    @property
    def already_moved(self):
        return self.moved_at is not None

    @property
    def leavers(self):
        return [child for move in self.moves if move.target is None for child in move.children]

    @property
    def moving_count(self):
        return (sum(len(m.children) for m in self.moves if m.target is not None)
                + sum(1 for k in self.kindergarten if k.to_third))


def _target(group, level, groups):
    candidates = [g for g in groups if g.level == level and not (level == 1 and is_combined_kindergarten(g))]
    if not candidates:
        return None
    letter = group.name.strip()[-1:].lower()
    if letter.isalpha():
        for candidate in candidates:
            if candidate.name.strip()[-1:].lower() == letter:
                return candidate
    return candidates[0]


def _last_move(now):
    """(when, who) of the last move of the school year if it is recent, else (None, None)."""
    last = db.session.execute(
        select(AuditEntry.created_at, AuditEntry.actor_id).where(AuditEntry.action.in_(MOVE_ACTIONS))
        .order_by(AuditEntry.created_at.desc()).limit(1)
    ).first()
    if last is None or now - last.created_at >= RECENT_MOVE:
        return None, None
    return last.created_at, db.session.get(User, last.actor_id) if last.actor_id else None


def plan_school_year(promote_ids=None, now=None):
    """The plan for moving to the next school year. promote_ids: the kindergarten pupils the
    office chose for groep 3 (None: the birth-date rule decides). now: UTC, for the warning."""
    groups = db.session.scalars(
        select(Group).options(selectinload(Group.children)).order_by(Group.sort_order, Group.name)
    ).all()
    years = Counter(group.school_year for group in groups)
    from_year = years.most_common(1)[0][0] if years else ""
    to_year = next_school_year(from_year)
    start = int(to_year[:4])
    plan = YearPlan(from_year=from_year, to_year=to_year, cutoff=date(start - 6, 10, 1))
    plan.moved_at, plan.moved_by = _last_move(now or utcnow())
    for group in groups:
        children = sorted((c for c in group.children if c.left_at is None), key=person_sort_key)
        if is_combined_kindergarten(group):
            third = _target(group, 3, groups)
            plan.third_targets[group.id] = third
            for child in children:
                suggested = child.birth_date is not None and child.birth_date <= plan.cutoff
                note = "" if child.birth_date else "geboortedatum onbekend"
                chosen = suggested if promote_ids is None else child.id in promote_ids
                plan.kindergarten.append(Kindergartner(child, group, chosen, suggested, note))
            if third is None and any(k.to_third for k in plan.kindergarten if k.group is group):
                plan.problems.append(f"Er is geen groep 3 voor de leerlingen uit {group.label} die naar groep 3 gaan.")
            continue
        if group.level >= 8:
            plan.moves.append(GroupMove(group, None, children))
            continue
        target = _target(group, group.level + 1, groups)
        if target is None and children:
            plan.problems.append(f"Er is geen groep met leerjaar {group.level + 1} voor de leerlingen van "
                                 f"{group.label}. Maak die groep eerst aan.")
        plan.moves.append(GroupMove(group, target, children))
    return plan


def apply_school_year(plan, actor, from_year, again=False):
    """Carry out the plan in one transaction. from_year guards against posting the same form
    twice; again is the office's explicit choice to move a school year that was just moved."""
    if not plan.from_year:
        raise ServiceError("Er zijn nog geen groepen.")
    if from_year != plan.from_year:
        raise ServiceError(f"Het schooljaar is intussen al overgezet naar {plan.from_year}. Er is niets gewijzigd.")
    if plan.already_moved and not again:
        raise ServiceError("Dit schooljaar is al overgezet. Vink aan dat u alle leerlingen echt nóg een groep "
                           "hoger wilt zetten, of laat het zo. Er is niets gewijzigd.")
    if plan.problems:
        raise ServiceError("Los eerst de genoemde problemen op. Er is niets gewijzigd.")
    today = clock.today()
    try:
        for move in plan.moves:
            for child in move.children:
                if move.target is None:
                    child.left_at = today
                    child.group = None
                    record_change(actor, "child", child.id, "oud-leerling (nieuw schooljaar)", ["group", "left_at"])
                else:
                    child.group = move.target
                    record_change(actor, "child", child.id, "nieuw schooljaar", ["group"])
        for item in plan.kindergarten:
            if item.to_third:
                item.child.group = plan.third_targets[item.group.id]
                record_change(actor, "child", item.child.id, "nieuw schooljaar", ["group"])
        for group in db.session.scalars(select(Group)):
            group.school_year = plan.to_year
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise

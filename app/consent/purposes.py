"""The office's purposes (Beheer › Toestemming › Doelen): add, reword, order, the school years
each is asked in, and removing one nobody answered yet.

- Rewording (name or explanation) adds a `ConsentPurposeVersion`: the answers to the old text
  stop counting and the parents are asked again (app/privacy/consent.py reads only the
  current version). A save that changes nothing adds nothing.
- A purpose with answers is never deleted: the answers are the proof of what was agreed.
  It can stop being asked in a school year instead.
- The albums purpose (code ALBUMS_PURPOSE) is the one the portal enforces; its code is never
  changed here and it is never deleted.
- Only the current and the next school year can be switched on or off; earlier years are
  history.

Every change is in the audit log (subject "school", field "consent"), as the yearly request is.
"""
import re
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import clock
from app.audit import record_change
from app.extensions import db
from app.models import ALBUMS_PURPOSE, ConsentAnswer, ConsentPurpose, ConsentPurposeVersion, consent_purpose_years
from app.privacy.consent import ConsentRefused

NAME_MAX = 120
EXPLANATION_MAX = 2000

# What the office gets when it creates the albums purpose with one click.
ALBUMS_NAME = "Foto's in de besloten fotoalbums van het ouderportaal"
ALBUMS_EXPLANATION = (
    "De leerkrachten plaatsen foto's van activiteiten in de fotoalbums van het ouderportaal. "
    "Alleen ouders van de groep (of bij een schoolbreed album: van de school) kunnen ze bekijken. "
    "Zonder uw toestemming ziet alleen u de foto's waarop uw kind staat; andere ouders zien ze niet."
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def next_school_year(year):
    """ "2026-2027" → "2027-2028"."""
    start = int(year[:4]) + 1
    return f"{start}-{start + 1}"


def editable_years():
    """The school years the office can still switch a purpose on or off in: this one and the next."""
    year = clock.school_year()
    return [year, next_school_year(year)]


# --- reading -------------------------------------------------------------------------------

@dataclass
class PurposeRow:
    """A purpose as the list shows it."""

    purpose: ConsentPurpose
    years: list  # every school year it is (or was) asked in, oldest first
    answers: int  # how many answers it has, all versions and years together

    @property
    def enforced(self):
        return self.purpose.code == ALBUMS_PURPOSE

    @property
    def can_delete(self):
        return self.answers == 0 and not self.enforced


def _years_by_purpose(purpose_ids):
    years = {}
    if purpose_ids:
        for purpose_id, year in db.session.execute(
            select(consent_purpose_years.c.purpose_id, consent_purpose_years.c.school_year)
            .where(consent_purpose_years.c.purpose_id.in_(purpose_ids))
            .order_by(consent_purpose_years.c.school_year)
        ):
            years.setdefault(purpose_id, []).append(year)
    return years


def _answer_counts(purpose_ids):
    if not purpose_ids:
        return {}
    return dict(db.session.execute(
        select(ConsentPurposeVersion.purpose_id, func.count(ConsentAnswer.id))
        .join(ConsentAnswer, ConsentAnswer.version_id == ConsentPurposeVersion.id)
        .where(ConsentPurposeVersion.purpose_id.in_(purpose_ids))
        .group_by(ConsentPurposeVersion.purpose_id)
    ).all())


def purpose_rows():
    """Every purpose in order, with its years and number of answers (four queries, whatever the number)."""
    purposes = db.session.scalars(
        select(ConsentPurpose).options(selectinload(ConsentPurpose.versions))
        .order_by(ConsentPurpose.position, ConsentPurpose.id)
    ).all()
    ids = [purpose.id for purpose in purposes]
    years, counts = _years_by_purpose(ids), _answer_counts(ids)
    return [PurposeRow(purpose, years.get(purpose.id, []), counts.get(purpose.id, 0)) for purpose in purposes]


def purpose_ids():
    return list(db.session.scalars(select(ConsentPurpose.id)))


def purpose_row(purpose_id):
    """One purpose's row, or None."""
    purpose = db.session.get(ConsentPurpose, purpose_id)
    if purpose is None:
        return None
    return PurposeRow(purpose, _years_by_purpose([purpose.id]).get(purpose.id, []),
                      _answer_counts([purpose.id]).get(purpose.id, 0))


def current_answers(purpose):
    """How many answers count now for this purpose's current text (this school year): the
    ones a rewording would make stop counting."""
    if purpose.current is None:
        return 0
    return db.session.scalar(select(func.count(ConsentAnswer.id)).where(
        ConsentAnswer.version_id == purpose.current.id, ConsentAnswer.school_year == clock.school_year()))


def albums_purpose_exists():
    return db.session.scalar(select(ConsentPurpose.id).where(ConsentPurpose.code == ALBUMS_PURPOSE)) is not None


# --- changing ------------------------------------------------------------------------------

def _commit(message):
    """Commit; a unique version number or code someone claimed at the same moment (two office
    tabs) becomes the Dutch message instead of a server error."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ConsentRefused(message) from None


def _clean(name, explanation):
    """The text as stored, or ConsentRefused with the office's Dutch message. Line breaks in
    the explanation become \\n (a browser sends \\r\\n), so an unchanged save stays unchanged."""
    name = (name or "").strip()
    explanation = (explanation or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not name:
        raise ConsentRefused("Vul de naam van het doel in.")
    if _CONTROL.search(name):
        raise ConsentRefused("De naam past op één regel, zonder tabs of andere speciale tekens.")
    if len(name) > NAME_MAX:
        raise ConsentRefused(f"Gebruik voor de naam maximaal {NAME_MAX} tekens.")
    if "\x00" in explanation:
        raise ConsentRefused("De uitleg bevat een teken dat niet kan.")
    if len(explanation) > EXPLANATION_MAX:
        raise ConsentRefused(f"Gebruik voor de uitleg maximaal {EXPLANATION_MAX} tekens.")
    return name, explanation


def _set_years(purpose, years):
    """Switch the editable years to exactly `years` (earlier years are left as they are)."""
    editable = editable_years()
    wanted = {year for year in years if year in editable}
    have = set(_years_by_purpose([purpose.id]).get(purpose.id, [])) & set(editable)
    for year in wanted - have:
        db.session.execute(insert(consent_purpose_years).values(purpose_id=purpose.id, school_year=year))
    gone = have - wanted
    if gone:
        db.session.execute(delete(consent_purpose_years).where(
            consent_purpose_years.c.purpose_id == purpose.id, consent_purpose_years.c.school_year.in_(gone)))
    return bool(wanted - have or gone)


def create_purpose(actor, name, explanation, years=(), code=None):
    """A new purpose with its first version, last in the order, asked in `years`."""
    name, explanation = _clean(name, explanation)
    last = db.session.scalar(select(func.max(ConsentPurpose.position)))
    purpose = ConsentPurpose(code=code, position=0 if last is None else last + 1)
    purpose.versions.append(ConsentPurposeVersion(number=1, name=name, explanation=explanation,
                                                  created_by_id=actor.id))
    db.session.add(purpose)
    try:
        db.session.flush()
    except IntegrityError:  # the albums code, claimed at the same moment
        db.session.rollback()
        raise ConsentRefused("Dit doel is zojuist al toegevoegd. Laad de pagina opnieuw.") from None
    _set_years(purpose, years)
    record_change(actor, "school", 0, "toestemmingsdoel toegevoegd", ["consent"])
    db.session.commit()
    return purpose


def create_albums_purpose(actor):
    """The albums purpose with the portal's own text, asked this school year."""
    if albums_purpose_exists():
        raise ConsentRefused("Het doel voor de fotoalbums bestaat al.")
    return create_purpose(actor, ALBUMS_NAME, ALBUMS_EXPLANATION, [clock.school_year()], code=ALBUMS_PURPOSE)


def reword_purpose(actor, purpose, name, explanation):
    """A new version when the name or explanation changed (the parents are asked again).
    Returns whether it added one."""
    name, explanation = _clean(name, explanation)
    current = purpose.current
    if current is not None and current.name == name and current.explanation == explanation:
        return False
    number = current.number + 1 if current is not None else 1
    purpose.versions.append(ConsentPurposeVersion(number=number, name=name, explanation=explanation,
                                                  created_by_id=actor.id))
    record_change(actor, "school", 0, f"toestemmingsdoel gewijzigd (versie {number})", ["consent"])
    _commit("Iemand anders wijzigde dit doel tegelijk met u. Laad de pagina opnieuw en kijk of uw tekst nog nodig is.")
    return True


def set_asked_years(actor, asked):
    """`asked`: {purpose_id: [school years]} for every purpose; only this and next year change.
    Returns the number of purposes whose years changed."""
    changed = 0
    for purpose in db.session.scalars(select(ConsentPurpose)):
        if _set_years(purpose, asked.get(purpose.id, [])):
            changed += 1
    if changed:
        record_change(actor, "school", 0, "schooljaren toestemmingsdoelen", ["consent"])
        db.session.commit()
    return changed


def move_purpose(actor, purpose, step):
    """One place up (step -1) or down (+1); the order is renumbered 0..n-1."""
    purposes = list(db.session.scalars(select(ConsentPurpose).order_by(ConsentPurpose.position, ConsentPurpose.id)))
    index = purposes.index(purpose)
    target = index + step
    if not 0 <= target < len(purposes):
        return False
    purposes[index], purposes[target] = purposes[target], purposes[index]
    for position, each in enumerate(purposes):
        each.position = position
    record_change(actor, "school", 0, "volgorde toestemmingsdoelen", ["consent"])
    db.session.commit()
    return True


def delete_purpose(actor, purpose):
    """Only a purpose nobody answered, and never the albums purpose."""
    if purpose.code == ALBUMS_PURPOSE:
        raise ConsentRefused("Het doel voor de fotoalbums kan niet weg: het portaal gebruikt het om foto's af te "
                             "schermen. Vraag het niet meer in een schooljaar als de school geen albums gebruikt.")
    if _answer_counts([purpose.id]):
        raise ConsentRefused("Ouders hebben dit doel al beantwoord. Die antwoorden bewaren we als bewijs, dus het "
                             "doel blijft bestaan. Zet het uit voor een schooljaar als u het niet meer vraagt.")
    db.session.execute(delete(consent_purpose_years).where(consent_purpose_years.c.purpose_id == purpose.id))
    db.session.delete(purpose)
    record_change(actor, "school", 0, "toestemmingsdoel verwijderd", ["consent"])
    db.session.commit()

"""Dutch names: the one display function and the one sort key for every person.

A surname is stored whole in last_name, its particle ("voorvoegsel", "tussenvoegsel")
included: "van Dijk", "'t Hart", "van den Berg". Dutch rules, as the Basisregistratie
Personen writes them:
- after a first name the particle is lower case: "Jip van Dam", even when a file or a
  form says "Van Dam";
- when the surname stands first (no first name) the particle starts with a capital:
  "Van Dam"; "'t" and "'s" stay as they are;
- lists sort on the main surname, without the particle: "'t Hart" under H, "van den
  Berg" under B; then on the first name, then on the particle.

display_name() is what every page, mail and export shows; sort_key() is what every list
sorts on. The models keep sort_key() in a stored, indexed column (users.sort_name,
children.sort_name) so that paginated lists can sort in SQL; see app/models/people.py.
"""
import re
from functools import lru_cache

from anyascii import anyascii

# The Dutch (and German) particles of the BRP's "Tabel 36 Voorvoegsels", in lower case.
# Longest match wins: "van der" before "van". Foreign particles of that table (da, di, del,
# le, la, el, al, ben, ...) are left out on purpose: such names are usually registered and
# written whole, with their capital ("Da Silva", "El Amrani", "Le Blanc"), and sorted so.
PARTICLES = (
    "aan", "aan 't", "aan de", "aan den", "aan der", "aan het",
    "am", "am de", "auf", "auf dem", "auf den", "auf der", "auf ter", "aus", "aus 'm", "aus dem",
    "aus den", "aus der",
    "bij", "bij 't", "bij de", "bij den", "bij het", "boven d'",
    "de", "de die", "de van der", "den", "der", "des", "die",
    "het", "im", "in", "in 't", "in de", "in den", "in der", "in het",
    "of", "onder", "onder 't", "onder de", "onder den", "onder het",
    "op", "op 't", "op de", "op den", "op der", "op gen", "op het", "op ten",
    "over", "over 't", "over de", "over den", "over het",
    "'s", "'t", "te", "ten", "ter", "tho", "thoe", "thor", "to", "toe", "tot",
    "uijt", "uijt 't", "uijt de", "uijt den", "uijt te de", "uijt ten",
    "uit", "uit 't", "uit de", "uit den", "uit het", "uit te de", "uit ten", "unter",
    "van", "van 't", "van de", "van den", "van der", "van gen", "van het", "van ter", "van van de",
    "ver", "vom", "von", "von 't", "von dem", "von den", "von der",
    "voor", "voor 't", "voor de", "voor den", "voor in 't", "vor", "vor der",
    "zu", "zum", "zur",
)

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'"})


def _spellings():
    """{spelling in lower case: canonical particle}. Excel drops the apostrophe that starts
    a cell, so "'t Hart" arrives as "t Hart": "t" is read as "'t"."""
    spellings = {}
    for particle in PARTICLES:
        spellings[particle] = particle
        if "'t" in particle:
            spellings.setdefault(particle.replace("'t", "t"), particle)
    return sorted(spellings.items(), key=lambda item: len(item[0]), reverse=True)


_SPELLINGS = _spellings()


def _clean(text):
    return " ".join((text or "").translate(_APOSTROPHES).split())


def _split_part(text):
    lower = text.lower()
    for spelling, particle in _SPELLINGS:
        if not lower.startswith(spelling):
            continue
        rest = text[len(spelling):]
        if not spelling.endswith("'") and not rest.startswith(" "):
            continue  # "de" is no particle of "Dekker"
        rest = rest.strip()
        if rest:  # a surname that is only "Van" has no particle
            return particle, rest
    return "", text


def _join(particle, main):
    if not particle:
        return main
    return particle + ("" if particle.endswith("'") else " ") + main


@lru_cache(maxsize=8192)  # pure, and asked for every name on every list
def split_surname(last_name):
    """(particle, main surname): "Van den Berg" -> ("van den", "Berg"); "Bakker" -> ("", "Bakker").

    In a double surname the particle of the second part is lower case too
    ("Jansen-De Vries" -> main "Jansen-de Vries").
    """
    particle, main = _split_part(_clean(last_name))
    head, *tails = main.split("-")
    parts = [head] + [_join(*_split_part(tail)) if " " in tail else tail for tail in tails]
    return particle, "-".join(parts)


def normalise_surname(last_name):
    """The surname as stored and shown after a first name: "Van Dam" -> "van Dam", "t Hart" -> "'t Hart"."""
    return _join(*split_surname(last_name))


def _capitalise(particle):
    return particle[:1].upper() + particle[1:] if particle[:1].isalpha() else particle


@lru_cache(maxsize=8192)  # pure, and asked for every name on every list
def display_name(first_name, last_name, fallback=""):
    """The name as every page shows it: "Jip van Dam"; without a first name "Van Dam"."""
    first = _clean(first_name)
    particle, main = split_surname(last_name)
    if first:
        return f"{first} {_join(particle, main)}".strip()
    return _join(_capitalise(particle), main) or fallback


def _fold(text):
    """Lower-case ASCII letters and digits, other characters as one '-' (so the key sorts the
    same in SQLite and in PostgreSQL's "C" collation): "Öztürk" -> "ozturk", "Jansen-van Dijk"
    -> "jansen-van-dijk"; apostrophes vanish ("O'Brien" -> "obrien")."""
    text = anyascii(text).lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


SORT_KEY_LENGTH = 200


@lru_cache(maxsize=8192)  # pure, and asked for every name on every list
def sort_key(first_name, last_name, fallback=""):
    """The one key every list of people sorts on: main surname, first name, particle.

    "Jip van Dam" -> "dam jip van", "Anna 't Hart" -> "hart anna t". A space separates the
    parts and sorts before every letter and '-', so "Berg, Zoë" comes before "Bergen, Anna"
    and "Berg-Jansen". Without a name: the folded fallback (an account's login name).
    """
    particle, main = split_surname(last_name)
    parts = [_fold(main), _fold(_clean(first_name)), _fold(particle)]
    key = " ".join(parts).rstrip()
    if not key.strip():
        key = _fold(fallback or "")
    return key[:SORT_KEY_LENGTH]


def person_sort_key(person):
    """sort_key() of a User or Child (for lists sorted in Python), then its id."""
    return (sort_key(person.first_name, person.last_name, getattr(person, "login_name", "")), person.id or 0)


def sorted_by_name(items, attribute=None):
    """People (or rows holding one in `attribute`, e.g. guardianships' "child") in name order;
    the template filter `op_naam`."""
    return sorted(items, key=lambda item: person_sort_key(getattr(item, attribute) if attribute else item))

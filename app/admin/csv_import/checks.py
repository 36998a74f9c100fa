"""Step 2a of the import: each row on its own. Fills row.errors (the row cannot be
imported) and row.warnings (it can, but the office should look), and normalises the
values into row.clean: the pupil's fields, the group, and up to two parents."""
import re
from datetime import datetime

from app.admin.csv_import.columns import COLUMN_BY_KEY, GENDERS, NO, YES, normalise_group_name
from app.auth.services import normalise_login
from app.email_address import AddressError, normalise_address, row_message
from app.names import normalise_surname

# A Dutch postcode: four digits, the first not 0, and two letters other than SA, SD and SS
# (PostNL does not use those).
POSTCODE_RE = re.compile(r"^([1-9]\d{3})\s?(?!SA|SD|SS)([A-Z]{2})$", re.IGNORECASE)
FOREIGN_POSTCODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$")
COUNTRY_RE = re.compile(r"^[^\W\d_]+(?:[ .'-]+[^\W\d_]+)*\.?$")
# What the Land column may say for a Dutch address (stored as an empty country).
NETHERLANDS = {"nederland", "nl", "nld", "the netherlands", "netherlands", "holland", "koninkrijk der nederlanden"}
# The age a pupil of a primary school has: outside it the preview warns (the row still imports).
YOUNGEST_AGE, OLDEST_AGE = 3, 14


def parse_date(text):
    text = text.strip()
    for pattern in ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _check_row(row, groups, today):
    """Check one row on its own; fills row.errors and normalises row.values into row.clean."""
    v = row.values
    clean = {}
    _check_lengths(row, v)
    _check_pupil(row, v, clean)
    _check_birth_date(row, v, clean, today)
    _check_group(row, v, clean, groups)
    if "gender" in v:
        gender = GENDERS.get(v["gender"].lower())
        if gender is None:
            row.errors.append(f"Geslacht '{v['gender']}' is onbekend; gebruik M, V of X.")
        clean["gender"] = gender or ""
    for key in ("street", "house_number", "city"):
        if key in v:
            clean[key] = v[key]
    _check_address(row, v, clean)
    clean["parents"] = _check_parents(row, v)
    row.clean = clean


def _check_lengths(row, v):
    for key, value in v.items():
        column = COLUMN_BY_KEY[key]
        if len(value) > column.max_length:
            row.errors.append(f"{column.header} is te lang (maximaal {column.max_length} tekens).")


def _check_pupil(row, v, clean):
    """Leerlingnummer, roepnaam and achternaam: required."""
    if not v.get("student_number"):
        row.errors.append("Leerlingnummer ontbreekt.")
    clean["student_number"] = v.get("student_number", "")
    for key, label in (("first_name", "Roepnaam"), ("last_name", "Achternaam")):
        if not v.get(key):
            row.errors.append(f"{label} ontbreekt.")
    clean["first_name"] = v.get("first_name", "")
    clean["last_name"] = _surname(v.get("infix", ""), v.get("last_name", ""))


def _check_birth_date(row, v, clean, today):
    """Required and a real date; a date in the future or an age outside primary school warns."""
    raw_date = v.get("birth_date", "")
    birth = parse_date(raw_date) if raw_date else None
    if not raw_date:
        row.errors.append("Geboortedatum ontbreekt.")
    elif birth is None:
        row.errors.append(f"Geboortedatum '{raw_date}' is geen geldige datum. Gebruik dag-maand-jaar, "
                          f"bijvoorbeeld 17-05-2019.")
    elif birth > today:
        row.warnings.append(f"Geboortedatum {birth:%d-%m-%Y} ligt in de toekomst. Klopt de datum?")
    elif not YOUNGEST_AGE <= _age(birth, today) <= OLDEST_AGE:
        age = _age(birth, today)
        row.warnings.append(f"Geboortedatum {birth:%d-%m-%Y}: de leerling is {age} jaar, "
                            f"{'jonger dan ' + str(YOUNGEST_AGE) if age < YOUNGEST_AGE else 'ouder dan ' + str(OLDEST_AGE)}"
                            f". Klopt de datum?")
    clean["birth_date"] = birth


def _check_group(row, v, clean, groups):
    """Required, and a group the portal has ("Groep 3", "3" and "groep3" are the same)."""
    group_text = v.get("group", "")
    group = groups.get(normalise_group_name(group_text))
    if not group_text:
        row.errors.append("Groep ontbreekt.")
    elif group is None:
        known = ", ".join(g.name for g in sorted(set(groups.values()), key=lambda g: (g.sort_order, g.name)))
        row.errors.append(f"Groep '{group_text}' bestaat niet in het portaal (bestaande groepen: {known or 'geen'}).")
    clean["group"] = group


def _check_parents(row, v):
    """The row's parents with an e-mail address (at most two, each a different address)."""
    parents = [parent for parent in (_check_parent(row, v, n) for n in (1, 2)) if parent is not None]
    if len(parents) == 2 and parents[0]["login"] == parents[1]["login"]:
        row.errors.append(f"Ouder 1 en ouder 2 hebben hetzelfde e-mailadres ({parents[0]['email']}). Eén "
                          f"e-mailadres is één account: elke ouder heeft een eigen e-mailadres nodig.")
    return parents


def _check_parent(row, v, n):
    """Parent `n` of the row as a dict, or None: no e-mail address (no account) or a bad one."""
    email = v.get(f"p{n}_email", "")
    name_given = any(v.get(f"p{n}_{part}") for part in ("first_name", "last_name"))
    read_only_text = v.get(f"p{n}_read_only", "").lower()
    read_only = None
    if f"p{n}_read_only" in v:
        if read_only_text in YES:
            read_only = True
        elif read_only_text in NO:
            read_only = False
        else:
            row.errors.append(f"Ouder {n} alleen lezen '{v[f'p{n}_read_only']}' is onbekend; gebruik ja of nee.")
    if not email:
        if name_given:
            row.warnings.append(f"Ouder {n} heeft geen e-mailadres en krijgt dus geen account.")
        return None
    try:  # the one address rule (app/email_address.py): IDNA domain, SMTPUTF8 only when offered
        email = normalise_address(email)
    except AddressError as exc:
        row.errors.append(f"Ouder {n}: {row_message(email, exc)}")
        return None
    if not v.get(f"p{n}_last_name"):
        row.errors.append(f"Ouder {n}: achternaam ontbreekt.")
    return {
        "slot": n,
        "email": email,
        "login": normalise_login(email),
        "first_name": v.get(f"p{n}_first_name", ""),
        "last_name": _surname(v.get(f"p{n}_infix", ""), v.get(f"p{n}_last_name", "")),
        "phone": v.get(f"p{n}_phone", ""),
        "read_only": read_only,
    }


def _surname(infix, last_name):
    """Tussenvoegsel and achternaam as one surname, its particle lower case ("Van" + "Dam" -> "van Dam")."""
    return normalise_surname(" ".join(part for part in (infix, last_name) if part))


def _age(birth, today):
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _check_address(row, v, clean):
    """Postcode and country: a Dutch postcode is 1234 AB; another country's address names the
    country in the Land column, and its postcode is taken as written."""
    country = v.get("country", "")
    if country.lower() in NETHERLANDS:
        country = ""
    elif country and not COUNTRY_RE.match(country):
        row.errors.append(f"Land '{country}' is geen landnaam. Laat Land leeg voor een adres in Nederland.")
    if "country" in v:
        clean["country"] = country
    if "postcode" not in v:
        return
    postcode = v["postcode"]
    if not postcode:
        clean["postcode"] = ""
    elif country:
        if not FOREIGN_POSTCODE_RE.match(postcode):
            row.errors.append(f"Postcode '{postcode}' is geen geldige postcode.")
        clean["postcode"] = postcode
    else:
        match = POSTCODE_RE.match(postcode)
        if match is None:
            row.errors.append(f"Postcode '{postcode}' is geen Nederlandse postcode (zoals 3851 AA). Woont de "
                              f"leerling in het buitenland? Zet het land dan in de kolom Land.")
            clean["postcode"] = postcode
        else:
            clean["postcode"] = f"{match.group(1)} {match.group(2).upper()}"

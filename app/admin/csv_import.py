"""CSV import of pupils with their parents and groups (README: "CSV-import").

Three steps: read the file (encoding and delimiter detected; what cannot be read is
refused with a Dutch message), plan (what would be created, changed and left alone, each
bad row with its reasons), and apply the plan in ONE transaction. Re-importing the same
file plans nothing. Mails to new parents are enqueued only after the commit.

Rules (decided here, documented in the README):
- A pupil is recognised by Leerlingnummer. Pupil fields in the file are leading: a
  changed value in the file changes the pupil. Columns the file doesn't have are left alone.
- A parent is recognised by e-mail address (one e-mail address is one account). A new
  address makes a new parent account that gets an activation mail. An existing account
  is linked, and only its empty fields are filled in: parents keep their own data up to
  date in Mijn account, and an import never overwrites that.
- An import only adds and changes: pupils, parents and links missing from the file are
  left alone (the office removes those by hand).
"""
import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from app import clock
from app.audit import record_change
from app.auth.services import normalise_login
from app.email_address import AddressError, normalise_address, row_message
from app.extensions import db
from app.models import Child, Group, Guardianship, Role, User
from app.names import display_name, normalise_surname, sort_key

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
DELIMITERS = {";": "puntkomma (;)", ",": "komma (,)", "\t": "tab"}
# A Dutch postcode: four digits, the first not 0, and two letters other than SA, SD and SS
# (PostNL does not use those).
POSTCODE_RE = re.compile(r"^([1-9]\d{3})\s?(?!SA|SD|SS)([A-Z]{2})$", re.IGNORECASE)
FOREIGN_POSTCODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$")
COUNTRY_RE = re.compile(r"^[^\W\d_]+(?:[ .'-]+[^\W\d_]+)*\.?$")
# What the Land column may say for a Dutch address (stored as an empty country).
NETHERLANDS = {"nederland", "nl", "nld", "the netherlands", "netherlands", "holland", "koninkrijk der nederlanden"}
# The age a pupil of a primary school has: outside it the preview warns (the row still imports).
YOUNGEST_AGE, OLDEST_AGE = 3, 14
BAD_ROWS_MESSAGE = ("Het bestand heeft foutieve rijen. Pas ze aan en upload het bestand opnieuw, of kies "
                    "uitdrukkelijk om ze over te slaan. Er is niets geïmporteerd.")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    aliases: tuple = ()
    max_length: int = 100


def _parent_columns(n):
    return [
        Column(f"p{n}_first_name", f"Ouder {n} roepnaam", aliases=(f"ouder {n} voornaam", f"ouder{n} voornaam")),
        Column(f"p{n}_infix", f"Ouder {n} tussenvoegsel", max_length=20),
        Column(f"p{n}_last_name", f"Ouder {n} achternaam"),
        Column(f"p{n}_email", f"Ouder {n} e-mail", max_length=254,
               aliases=(f"ouder {n} e-mailadres", f"ouder {n} email")),
        Column(f"p{n}_phone", f"Ouder {n} mobiel", max_length=30,
               aliases=(f"ouder {n} telefoon", f"ouder {n} telefoon mobiel", f"ouder {n} mobiel nummer")),
        Column(f"p{n}_read_only", f"Ouder {n} alleen lezen", max_length=10),
    ]


COLUMNS = [
    Column("student_number", "Leerlingnummer", True, ("leerlingnr", "llnr"), 30),
    Column("first_name", "Roepnaam", True, ("voornaam",)),
    Column("infix", "Tussenvoegsel", False, ("tussenvoegsels", "voorvoegsel"), 20),
    Column("last_name", "Achternaam", True),
    Column("birth_date", "Geboortedatum", True, (), 20),
    Column("gender", "Geslacht", False, (), 20),
    Column("group", "Groep", True, ("groepsnaam", "klas"), 50),
    Column("street", "Straat", False, (), 120),
    Column("house_number", "Huisnummer", False, ("huisnr",), 20),
    Column("postcode", "Postcode", False, (), 10),
    Column("city", "Woonplaats", False, ("plaats",), 80),
    Column("country", "Land", False, ("woonland",), 60),
    *_parent_columns(1),
    *_parent_columns(2),
]
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}

GENDERS = {"m": "jongen", "man": "jongen", "mannelijk": "jongen", "j": "jongen", "jongen": "jongen",
           "v": "meisje", "vrouw": "meisje", "vrouwelijk": "meisje", "meisje": "meisje",
           "x": "anders", "o": "anders", "anders": "anders", "": ""}
YES = {"ja", "j", "x", "1", "waar", "yes", "y", "true"}
NO = {"nee", "n", "0", "onwaar", "no", "false", ""}

# Labels of pupil fields in the preview.
CHILD_LABELS = {"first_name": "roepnaam", "last_name": "achternaam", "birth_date": "geboortedatum",
                "gender": "geslacht", "group": "groep", "street": "straat", "house_number": "huisnummer",
                "postcode": "postcode", "city": "woonplaats", "country": "land", "left_at": "oud-leerling"}


class FileProblem(ValueError):
    """The file as a whole cannot be read; the message says why, in Dutch."""


def _normalise_header(text):
    return re.sub(r"[^a-z0-9]", "", (text or "").lower())


HEADER_LOOKUP = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        HEADER_LOOKUP[_normalise_header(_name)] = _column.key


def normalise_group_name(text):
    text = re.sub(r"^\s*groep\s*", "", (text or "").strip(), flags=re.IGNORECASE)
    return re.sub(r"\s+", "", text).lower()


# --- reading the file ------------------------------------------------------------------------

SAVE_AS = "Sla het bestand in Excel op met 'Opslaan als' → 'CSV UTF-8' en importeer dat bestand."
# A multi-byte UTF-8 character; Windows-1252 text practically never contains one.
UTF8_CHARACTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
ENCODING_LABELS = {"utf8": "UTF-8", "cp1252": "Windows-1252 (ANSI)"}
# Pictures someone may pick by mistake; Pillow recognises them by their content.
IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP", "AVIF", "ICO")


def _image_format(data):
    """The image format of the bytes ("PNG"), "" for an image too large to look at, or None."""
    from PIL import Image, UnidentifiedImageError

    Image.init()
    formats = [name for name in IMAGE_FORMATS if name in Image.OPEN]  # a Pillow without AVIF: the rest
    try:
        with Image.open(io.BytesIO(data), formats=formats) as image:
            return image.format
    except Image.DecompressionBombError:
        return ""
    except (UnidentifiedImageError, OSError, ValueError):
        pass
    if data[4:8] == b"ftyp":  # HEIC photos (iPhone) and videos: ISO media files
        return "HEIC"
    return None


def _looks_utf16(data):
    """UTF-16 without a byte order mark: every other byte of (mostly ASCII) text is NUL."""
    sample = data[:4096]
    even, odd = sample[0::2], sample[1::2]
    if len(odd) < 8:
        return False
    shares = sorted((even.count(0) / len(even), odd.count(0) / len(odd)))
    return shares[1] > 0.3 and shares[0] < 0.05


def _line_of(data, index):
    return data.count(b"\n", 0, index) + 1


def _decode_lines(data, has_bom):
    """UTF-8 or Windows-1252; refused when lines of both are mixed (text pasted together from
    two exports), which one encoding for the whole file would turn into 'NoÃ«lle'."""
    first = ("utf8", 1) if has_bom else None
    for number, line in enumerate(data.split(b"\n"), 1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            kind = "utf8"
        except UnicodeDecodeError:
            if UTF8_CHARACTER.search(line):
                raise FileProblem(f"Regel {number} van het bestand bevat zowel UTF-8- als Windows-1252-tekens "
                                  f"(ANSI): zo worden namen verminkt (bijvoorbeeld 'NoÃ«lle' in plaats van "
                                  f"'Noëlle'). {SAVE_AS}") from None
            kind = "cp1252"
        if first is None:
            first = (kind, number)
        elif kind != first[0]:
            raise FileProblem(f"Het bestand mengt twee tekensets: regel {number} is {ENCODING_LABELS[kind]} en "
                              f"regel {first[1]} is {ENCODING_LABELS[first[0]]}. Zo worden namen verminkt "
                              f"(bijvoorbeeld 'NoÃ«lle' in plaats van 'Noëlle'). {SAVE_AS}")
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise FileProblem("De tekens in dit bestand zijn niet te lezen: het is geen UTF-8 en geen "
                          "Windows-1252 (ANSI). Sla het bestand opnieuw op als 'CSV UTF-8'.") from None


def decode(data):
    """(text, encoding label): UTF-8 (with or without BOM) or Windows-1252; anything else refused."""
    if not data or not data.strip():
        raise FileProblem("Het bestand is leeg.")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("Dit is een Excel-bestand, geen CSV-bestand. Kies in Excel 'Opslaan als' → "
                          "'CSV UTF-8' of 'CSV (gescheiden door lijstscheidingsteken)' en importeer dat bestand.")
    if data.startswith(b"%PDF-"):
        raise FileProblem("Dit is een PDF-bestand, geen CSV-bestand. Exporteer de leerlingen uit de "
                          "leerlingadministratie als CSV-bestand en importeer dat bestand.")
    image = _image_format(data)
    if image is not None:
        raise FileProblem(f"Dit is een afbeelding{f' ({image})' if image else ''}, geen CSV-bestand. Kies het "
                          f"CSV-bestand met de leerlingen uit de leerlingadministratie.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(data):
        raise FileProblem("Dit bestand is opgeslagen als 'Unicode-tekst' (UTF-16) en kan niet gelezen worden. "
                          "Sla het op als 'CSV UTF-8' of 'CSV (gescheiden door lijstscheidingsteken)'.")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise FileProblem(f"Regel {_line_of(data, nul)} van het bestand bevat een NUL-teken (een "
                          f"onzichtbaar teken met code 0), dat in een CSV-bestand niet thuishoort. Het bestand is "
                          f"beschadigd of geen CSV-bestand. {SAVE_AS}")
    has_bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if has_bom else data
    try:
        text, encoding = body.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        text, encoding = _decode_lines(body, has_bom)
    control = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    if control:
        raise FileProblem(f"Regel {text.count(chr(10), 0, control.start()) + 1} van het bestand bevat tekens die in "
                          f"een CSV-bestand niet thuishoren; het is waarschijnlijk geen CSV-bestand.")
    return text, encoding


def _header_keys(cells):
    return [HEADER_LOOKUP.get(_normalise_header(cell)) for cell in cells]


# Excel writes "sep=;" as the first line of a CSV file it should open with that separator.
SEP_LINE = re.compile(r'^\ufeff?"?sep=(.)"?(.*)$', re.IGNORECASE)


def separator_line(text):
    """The separator that a "sep=;" first line names, or None when the file has no such line."""
    first_line = text.split("\n", 1)[0].rstrip("\r")
    match = SEP_LINE.match(first_line.strip())
    if match is None or match.group(2).strip(match.group(1) + " "):
        return None
    if match.group(1) not in DELIMITERS:
        raise FileProblem(f"De eerste regel van het bestand ('{first_line.strip()}') noemt een scheidingsteken dat "
                          f"niet wordt ondersteund. Gebruik een puntkomma (;), een komma (,) of een tab.")
    return match.group(1)


def detect_delimiter(text):
    """The delimiter that makes the most known column names out of the first line."""
    first_line = text.lstrip("\r\n").splitlines()[0] if text.strip() else ""
    best, best_count = None, 0
    for delimiter in DELIMITERS:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        count = sum(1 for key in _header_keys(cells) if key)
        if count > best_count:
            best, best_count = delimiter, count
    if best is None:
        raise FileProblem("De kolommen van dit bestand zijn niet te herkennen. De eerste regel moet de "
                          "kolomnamen bevatten (zoals Leerlingnummer, Roepnaam, Achternaam), gescheiden door "
                          "een puntkomma (;) of een komma (,).")
    return best


@dataclass
class Row:
    line: int
    values: dict
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    clean: dict = field(default_factory=dict)  # checked and normalised values

    @property
    def ok(self):
        return not self.errors

    @property
    def label(self):
        surname = " ".join(part for part in (self.values.get("infix"), self.values.get("last_name")) if part)
        name = display_name(self.values.get("first_name"), surname)
        number = self.values.get("student_number")
        return f"{name} ({number})" if number and name else (name or number or "")


@dataclass
class ParsedFile:
    rows: list
    encoding: str
    delimiter: str
    columns: list  # keys present in the file
    ignored_headers: list


def read_csv(data):
    """Parse the bytes into rows of values by column key; FileProblem for an unreadable file."""
    if len(data) > MAX_BYTES:
        raise FileProblem("Het bestand is groter dan 2 MB. Splits het bestand of neem contact op met de beheerder.")
    text, encoding = decode(data)
    delimiter = separator_line(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or detect_delimiter(text))
    if delimiter:
        next(reader)  # the "sep=;" line; line numbers still count it, as the office sees the file
    else:
        delimiter = reader.dialect.delimiter
    header = None
    for cells in reader:
        if any(cell.strip() for cell in cells):
            header = cells
            break
    keys = _header_keys(header or [])
    seen = {}
    for cell, key in zip(header or [], keys):
        if key in seen:
            raise FileProblem(f"De kolom '{COLUMN_BY_KEY[key].header}' staat twee keer in het bestand "
                              f"('{seen[key]}' en '{cell.strip()}').")
        if key:
            seen[key] = cell.strip()
    missing = [column.header for column in COLUMNS if column.required and column.key not in seen]
    if missing:
        what = "Deze verplichte kolom ontbreekt" if len(missing) == 1 else "Deze verplichte kolommen ontbreken"
        raise FileProblem(f"{what}: {', '.join(missing)}. Controleer de eerste regel van het bestand "
                          f"(de kolomnamen) en het scheidingsteken.")
    ignored = [cell.strip() for cell, key in zip(header, keys) if not key and cell.strip()]
    rows = []
    try:
        while True:
            start = reader.line_num + 1  # a quoted value may span lines: the row starts here
            cells = next(reader, None)
            if cells is None:
                break
            if not any(cell.strip() for cell in cells):
                continue
            row = Row(line=start, values={})
            if len(cells) < len(header):
                row.errors.append(f"Deze rij heeft {len(cells)} kolommen en de kopregel {len(header)}: er "
                                  f"ontbreekt een kolom (of het scheidingsteken klopt niet).")
            elif len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
                row.errors.append(f"Deze rij heeft {len(cells)} kolommen en de kopregel {len(header)}: staat er "
                                  f"een {DELIMITERS[delimiter]} in een waarde zonder aanhalingstekens?")
            for cell, key in zip(cells, keys):
                if key:
                    if "\n" in cell.strip() or "\r" in cell.strip():
                        row.errors.append(f"{COLUMN_BY_KEY[key].header} bevat een regelovergang (Enter) binnen "
                                          f"aanhalingstekens. Zet de waarde op één regel.")
                    row.values[key] = cell.strip()
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise FileProblem(f"Het bestand heeft meer dan {MAX_ROWS} rijen.")
    except csv.Error:
        raise FileProblem(f"Regel {reader.line_num} van het bestand is niet te lezen (een aanhalingsteken "
                          f"dat niet wordt afgesloten?).") from None
    if not rows:
        raise FileProblem("Het bestand bevat alleen een kopregel en geen leerlingen.")
    return ParsedFile(rows=rows, encoding=encoding, delimiter=delimiter, columns=list(seen), ignored_headers=ignored)


# --- checking rows ---------------------------------------------------------------------------

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
    for key, value in v.items():
        column = COLUMN_BY_KEY[key]
        if len(value) > column.max_length:
            row.errors.append(f"{column.header} is te lang (maximaal {column.max_length} tekens).")
    if not v.get("student_number"):
        row.errors.append("Leerlingnummer ontbreekt.")
    clean["student_number"] = v.get("student_number", "")
    for key, label in (("first_name", "Roepnaam"), ("last_name", "Achternaam")):
        if not v.get(key):
            row.errors.append(f"{label} ontbreekt.")
    clean["first_name"] = v.get("first_name", "")
    clean["last_name"] = _surname(v.get("infix", ""), v.get("last_name", ""))
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
    group_text = v.get("group", "")
    group = groups.get(normalise_group_name(group_text))
    if not group_text:
        row.errors.append("Groep ontbreekt.")
    elif group is None:
        known = ", ".join(g.name for g in sorted(set(groups.values()), key=lambda g: (g.sort_order, g.name)))
        row.errors.append(f"Groep '{group_text}' bestaat niet in het portaal (bestaande groepen: {known or 'geen'}).")
    clean["group"] = group
    if "gender" in v:
        gender = GENDERS.get(v["gender"].lower())
        if gender is None:
            row.errors.append(f"Geslacht '{v['gender']}' is onbekend; gebruik M, V of X.")
        clean["gender"] = gender or ""
    for key in ("street", "house_number", "city"):
        if key in v:
            clean[key] = v[key]
    _check_address(row, v, clean)
    parents = []
    for n in (1, 2):
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
            continue
        try:  # the one address rule (app/email_address.py): IDNA domain, SMTPUTF8 only when offered
            email = normalise_address(email)
        except AddressError as exc:
            row.errors.append(f"Ouder {n}: {row_message(email, exc)}")
            continue
        if not v.get(f"p{n}_last_name"):
            row.errors.append(f"Ouder {n}: achternaam ontbreekt.")
        parents.append({
            "slot": n,
            "email": email,
            "login": normalise_login(email),
            "first_name": v.get(f"p{n}_first_name", ""),
            "last_name": _surname(v.get(f"p{n}_infix", ""), v.get(f"p{n}_last_name", "")),
            "phone": v.get(f"p{n}_phone", ""),
            "read_only": read_only,
        })
    if len(parents) == 2 and parents[0]["login"] == parents[1]["login"]:
        row.errors.append(f"Ouder 1 en ouder 2 hebben hetzelfde e-mailadres ({parents[0]['email']}). Eén "
                          f"e-mailadres is één account: elke ouder heeft een eigen e-mailadres nodig.")
    clean["parents"] = parents
    row.clean = clean


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


# --- the plan ----------------------------------------------------------------------------------

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
    new_links: list = field(default_factory=list)         # (login, student_number, read_only)
    changed_links: list = field(default_factory=list)     # (Guardianship, read_only)
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
                    or self.new_links or self.changed_links)

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
            "links": self.new_links,
            "link_changes": [[link.parent_id, link.child_id, read_only] for link, read_only in self.changed_links],
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

    # Cross-row checks: a pupil once per file; one e-mail address is one person.
    first_number = {}
    first_parent = {}
    for row in parsed.rows:
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

    numbers = [row.clean["student_number"] for row in parsed.rows if row.clean.get("student_number")]
    logins = sorted({p["login"] for row in parsed.rows for p in row.clean.get("parents", [])})
    children = {child.student_number: child for child in _in_chunks(Child, Child.student_number, numbers)}
    users = {user.login_name: user for user in _in_chunks(User, User.login_name, logins)}
    for row in parsed.rows:
        for parent in row.clean.get("parents", []):
            user = users.get(parent["login"])
            if user is not None and user.role != Role.PARENT:
                row.errors.append(f"Ouder {parent['slot']}: {parent['email']} is de inlognaam van een medewerker, "
                                  f"niet van een ouder.")
            elif user is not None and user.deactivated_at is not None:
                row.warnings.append(f"Ouder {parent['slot']}: het account {parent['email']} is gedeactiveerd; de "
                                    f"koppeling wordt wel gemaakt.")

    plan = Plan(parsed=parsed)
    plan.bad_rows = [row for row in parsed.rows if row.errors]
    plan.warnings = [(row, message) for row in parsed.rows for message in row.warnings]
    child_ids = [child.id for child in children.values()]
    links = {(link.parent_id, link.child_id): link for link in _in_chunks(Guardianship, Guardianship.child_id, child_ids)}

    seen_logins = set()
    for row in plan.good_rows:
        clean = row.clean
        child = children.get(clean["student_number"])
        wanted = {key: clean[key] for key in ("first_name", "last_name", "birth_date", "gender", "street",
                                              "house_number", "postcode", "city", "country") if key in clean}
        if child is None:
            plan.new_children.append((row, dict(wanted, group=clean["group"])))
        else:
            diff = {key: (getattr(child, key), value) for key, value in wanted.items() if getattr(child, key) != value}
            if child.group_id != clean["group"].id:
                diff["group"] = (child.group, clean["group"])
            if child.left_at is not None:
                diff["left_at"] = (child.left_at, None)
            if diff:
                plan.changed_children.append((row, child, diff))
            else:
                plan.unchanged_children += 1
        for parent in clean["parents"]:
            user = users.get(parent["login"])
            if user is None:
                if parent["login"] not in seen_logins:
                    plan.new_parents.append(parent)
            elif parent["login"] not in seen_logins:
                fill = {}
                for key, value in (("first_name", parent["first_name"]), ("last_name", parent["last_name"]),
                                   ("phone_mobile", parent["phone"])):
                    if value and not getattr(user, key):
                        fill[key] = value
                if fill:
                    plan.filled_parents.append((user, fill))
                else:
                    plan.existing_parents += 1
            seen_logins.add(parent["login"])
            link = links.get((user.id, child.id)) if (user is not None and child is not None) else None
            if link is None:
                plan.new_links.append((parent["login"], clean["student_number"], bool(parent["read_only"])))
            elif parent["read_only"] is not None and link.read_only != parent["read_only"]:
                plan.changed_links.append((link, parent["read_only"]))

    in_file = set(numbers)
    current = db.session.scalars(select(Child.student_number).where(Child.left_at.is_(None))).all()
    plan.absent_children = sum(1 for number in current if number not in in_file)
    # The preview lists people as every list does: by main surname (app.names); bad rows and
    # warnings stay in file order, by line number.
    plan.new_children.sort(key=lambda item: (sort_key(item[1]["first_name"], item[1]["last_name"]), item[0].line))
    plan.changed_children.sort(key=lambda item: (sort_key(item[1].first_name, item[1].last_name), item[0].line))
    plan.new_parents.sort(key=lambda parent: (sort_key(parent["first_name"], parent["last_name"], parent["login"]),
                                              parent["login"]))
    return plan


def _in_chunks(model, column, values, size=500):
    found = []
    values = list(values)
    for start in range(0, len(values), size):
        found += db.session.scalars(select(model).where(column.in_(values[start:start + size]))).all()
    return found


# --- applying ----------------------------------------------------------------------------------

@dataclass
class Result:
    created_children: int = 0
    changed_children: int = 0
    created_parents: int = 0
    filled_parents: int = 0
    new_links: int = 0
    skipped_rows: int = 0


def apply_plan(plan, actor, skip_bad_rows=False):
    """Carry out the plan in one transaction; then enqueue the activation mails. Returns Result."""
    from app.admin.services import ServiceError, mail_activation, new_account

    if plan.bad_rows and not skip_bad_rows:
        raise ServiceError(BAD_ROWS_MESSAGE)
    result = Result(skipped_rows=len(plan.bad_rows))
    activations = []
    try:
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
        result.created_children = len(plan.new_children)

        for row, child, diff in plan.changed_children:
            for key, (_, new) in diff.items():
                if key == "group":
                    child.group = new
                else:
                    setattr(child, key, new)
            by_number[child.student_number] = child
            record_change(actor, "child", child.id, "gewijzigd (import)", list(diff))
        result.changed_children = len(plan.changed_children)

        accounts = {}
        for parent in plan.new_parents:
            user, raw = new_account(parent["email"], parent["first_name"], parent["last_name"],
                                    role=Role.PARENT, phone_mobile=parent["phone"])
            accounts[user.login_name] = user
            activations.append((user.id, raw))
            record_change(actor, "user", user.id, "account aangemaakt (import)",
                          ["login_name", "email", "first_name", "last_name"] + (["phone_mobile"] if parent["phone"] else []))
        result.created_parents = len(plan.new_parents)
        for user, fill in plan.filled_parents:
            for key, value in fill.items():
                setattr(user, key, value)
            record_change(actor, "user", user.id, "aangevuld (import)", list(fill))
        result.filled_parents = len(plan.filled_parents)

        numbers_needed = [number for _, number, _ in plan.new_links if number not in by_number]
        for child in _in_chunks(Child, Child.student_number, numbers_needed):
            by_number[child.student_number] = child
        logins_needed = [login for login, _, _ in plan.new_links if login not in accounts]
        for user in _in_chunks(User, User.login_name, logins_needed):
            accounts[user.login_name] = user
        for login, number, read_only in plan.new_links:
            parent, child = accounts[login], by_number[number]
            db.session.add(Guardianship(parent_id=parent.id, child_id=child.id, read_only=read_only))
            record_change(actor, "child", child.id, "ouder gekoppeld (import)", ["guardianship"])
        result.new_links = len(plan.new_links)
        for link, read_only in plan.changed_links:
            link.read_only = read_only
            record_change(actor, "user", link.parent_id, "alleen lezen " + ("aan" if read_only else "uit") + " (import)",
                          ["read_only"])
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    # Only now, with everything committed, do the new parents get their mail.
    for user_id, raw in activations:
        mail_activation(user_id, raw)
    return result

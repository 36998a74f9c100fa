"""The import's columns (headers, aliases, lengths), the value words it knows (geslacht,
ja/nee) and the file-level limits: what every step of app/admin/csv_import shares."""
import re
from dataclasses import dataclass

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
DELIMITERS = {";": "puntkomma (;)", ",": "komma (,)", "\t": "tab"}


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


"""Step 1b of the import: the text as rows. The delimiter (a "sep=" line, or the one that
makes the most known column names), the header (each column once, the required ones
present) and a Row per non-empty line, with the problems of its shape."""
import csv
import io
import re
from dataclasses import dataclass, field

from app.admin.csv_import.columns import (
    COLUMN_BY_KEY, COLUMNS, DELIMITERS, HEADER_LOOKUP, MAX_BYTES, MAX_ROWS, FileProblem, _normalise_header,
)
from app.admin.csv_import.decoding import decode
from app.names import display_name


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
    header, keys, seen = _read_header(reader)
    ignored = [cell.strip() for cell, key in zip(header, keys) if not key and cell.strip()]
    rows = _read_rows(reader, header, keys, delimiter)
    return ParsedFile(rows=rows, encoding=encoding, delimiter=delimiter, columns=list(seen), ignored_headers=ignored)


def _read_header(reader):
    """(header cells, column key per cell, {key: header as written}) of the first non-empty
    line; FileProblem for a column named twice or a required column missing."""
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
    return header, keys, seen


def _read_rows(reader, header, keys, delimiter):
    """The non-empty rows after the header, each with the problems of its shape."""
    rows = []
    try:
        while True:
            start = reader.line_num + 1  # a quoted value may span lines: the row starts here
            cells = next(reader, None)
            if cells is None:
                break
            if not any(cell.strip() for cell in cells):
                continue
            rows.append(_row_of(start, cells, header, keys, delimiter))
            if len(rows) > MAX_ROWS:
                raise FileProblem(f"Het bestand heeft meer dan {MAX_ROWS} rijen.")
    except csv.Error:
        raise FileProblem(f"Regel {reader.line_num} van het bestand is niet te lezen (een aanhalingsteken "
                          f"dat niet wordt afgesloten?).") from None
    if not rows:
        raise FileProblem("Het bestand bevat alleen een kopregel en geen leerlingen.")
    return rows


def _row_of(line, cells, header, keys, delimiter):
    row = Row(line=line, values={})
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
    return row

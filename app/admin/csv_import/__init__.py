"""CSV import of pupils with their parents and groups (README: "CSV-import").

Three steps: read the file (decoding.py: the encoding, and what is no CSV file at all;
reading.py: delimiter, header and rows; what cannot be read is refused with a Dutch
message), plan (checks.py: each row; preview.py: across rows and against the database,
what would be created, changed and left alone, each bad row with its reasons), and apply
the plan in ONE transaction (applying.py). Re-importing the same file plans nothing. Mails
to new parents are enqueued only after the commit. columns.py holds what they share.

Rules (decided in this package, documented in the README):
- A pupil is recognised by Leerlingnummer. Pupil fields in the file are leading: a
  changed value in the file changes the pupil. Columns the file doesn't have are left alone.
- A parent is recognised by e-mail address (one e-mail address is one account). A new
  address makes a new parent account that gets an activation mail. An existing account
  is linked, and only its empty fields are filled in: parents keep their own data up to
  date in Mijn account, and an import never overwrites that.
- An import only adds and changes: pupils, parents and links missing from the file are
  left alone (the office removes those by hand).
"""
from app.admin.csv_import.applying import BAD_ROWS_MESSAGE, Result, apply_plan
from app.admin.csv_import.checks import parse_date
from app.admin.csv_import.columns import (
    CHILD_LABELS, COLUMN_BY_KEY, COLUMNS, DELIMITERS, GENDERS, MAX_BYTES, MAX_ROWS, NO, YES, Column, FileProblem,
    normalise_group_name,
)
from app.admin.csv_import.decoding import decode
from app.admin.csv_import.preview import Plan, make_plan
from app.admin.csv_import.reading import ParsedFile, Row, detect_delimiter, read_csv, separator_line

__all__ = [
    "BAD_ROWS_MESSAGE", "CHILD_LABELS", "COLUMN_BY_KEY", "COLUMNS", "DELIMITERS", "GENDERS", "MAX_BYTES", "MAX_ROWS",
    "NO", "YES", "Column", "FileProblem", "ParsedFile", "Plan", "Result", "Row", "apply_plan", "decode",
    "detect_delimiter", "make_plan", "normalise_group_name", "parse_date", "read_csv", "separator_line",
]

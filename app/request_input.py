"""What the app accepts from a request before any view sees it, and numbers from the user.

- A NUL byte anywhere in the path, the query string, a form field (name or value), an
  uploaded file's name or a JSON body answers 400 with the Dutch page: no text a person
  types holds one, and PostgreSQL refuses it in every text column and query.
- `<int:...>` in a route accepts 0 .. MAX_ID only; a larger number is a 404 like any id
  that does not exist (PostgreSQL would raise on it, SQLite overflows beyond 2**63).
- `db_int` reads a number from a query string or form field the same way: a value outside
  that range is "not a number" (the caller's default, or the form's Dutch message).

Line breaks in single-line form fields are app/forms.py's business.
"""
from flask import render_template, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

# Every id and number column is a 32-bit INTEGER (PostgreSQL's `integer`).
MAX_ID = 2**31 - 1


def db_int(value):
    """`value` as an int in 0..MAX_ID, else ValueError. Usable as `type=` of
    request.args.get and as `coerce=` of a WTForms choice field."""
    if isinstance(value, bool):
        raise ValueError("not a number")
    number = value if isinstance(value, int) else int(str(value).strip())
    if not 0 <= number <= MAX_ID:
        raise ValueError("out of range")
    return number


class DatabaseIntegerConverter(IntegerConverter):
    """Flask's `int` converter, bounded to what an INTEGER column holds."""

    def __init__(self, map, fixed_digits=0, min=0, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class InvalidCharacter(BadRequest):
    description = "A NUL byte in the request."


def _has_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def request_has_nul():
    """Whether any part of the request a view could read holds a NUL byte."""
    if "\x00" in request.path:
        return True
    for key, value in request.args.items(multi=True):
        if "\x00" in key or "\x00" in value:
            return True
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        for key, value in request.form.items(multi=True):
            if "\x00" in key or "\x00" in value:
                return True
        for key, upload in request.files.items(multi=True):
            if "\x00" in key or "\x00" in (upload.filename or ""):
                return True
        if request.is_json and _has_nul(request.get_json(silent=True)):
            return True
    return False


def init_app(app):
    """Register the bounded int converter (before any route) and the NUL check (before any
    other before_request function, so neither the page cache nor a view sees the byte)."""
    app.url_map.converters["int"] = DatabaseIntegerConverter

    @app.before_request
    def refuse_nul_bytes():
        if request_has_nul():
            raise InvalidCharacter()

    @app.errorhandler(InvalidCharacter)
    def invalid_character(error):
        return render_template(
            "errors/error.html", status=400, title="Ongeldig teken",
            text="Wat u verstuurde bevat een teken dat niet in tekst hoort (een nul-teken). "
                 "Typ de tekst opnieuw en probeer het nog eens.",
        ), 400


def too_large_wording(max_content_length):
    """(title, text) of the 413 page. Werkzeug answers 413 both for a request over
    MAX_CONTENT_LENGTH (in practice: files) and for one text field over its form memory
    limit (a pasted text on a form without files): each gets words that fit it."""
    multipart = (request.mimetype or "") == "multipart/form-data"
    length = request.content_length or 0
    if multipart and max_content_length and length > max_content_length:
        return "Bestand te groot", "Het bestand is te groot om te uploaden. Kies een kleiner bestand en probeer het opnieuw."
    if not multipart:
        return "Tekst te lang", "De tekst is te lang om te versturen. Maak hem korter en probeer het opnieuw."
    return ("Te groot om te versturen",
            "Wat u wilt versturen is te groot: een tekst is te lang of een bestand te groot. "
            "Maak het korter of kleiner en probeer het opnieuw.")

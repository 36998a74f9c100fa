"""Dutch date and time formatting in Europe/Amsterdam (no locale needed on the machine).

The conversion from the models' naive UTC is app.clock's (to_local); AMSTERDAM is
re-exported for the modules that import it from here.
"""
from datetime import date, datetime

from app.clock import AMSTERDAM, to_local as local  # noqa: F401
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december"]
DAYS = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]


def date_nl(value, weekday=True):
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    text = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    return f"{DAYS[value.weekday()]} {text}" if weekday else text


def date_short_nl(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    return f"{value.day:02d}-{value.month:02d}-{value.year}"


def time_nl(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return f"{value.hour:02d}:{value.minute:02d}"


def datetime_nl(value):
    if value is None:
        return ""
    return f"{date_nl(value)} {time_nl(value)}"


def month_nl(value: date):
    return f"{MONTHS[value.month - 1]} {value.year}"


def month_heading_nl(value: date):
    """"September 2026": month_nl as a heading."""
    text = month_nl(value)
    return text[:1].upper() + text[1:]


def duration_nl(value):
    """A timedelta as Dutch words: "2 uur", "1 uur en 30 minuten", "45 minuten", "1 minuut";
    whole days as days: "30 dagen", "1 dag"."""
    if value.total_seconds() >= 86400 and value.total_seconds() % 86400 == 0:
        days = int(value.total_seconds() // 86400)
        return f"{days} {'dag' if days == 1 else 'dagen'}"
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} uur")
    if minutes or not hours:
        parts.append(f"{minutes} {'minuut' if minutes == 1 else 'minuten'}")
    return " en ".join(parts)


# Dutch plurals of the nouns the portal counts; a noun not listed gets "-en" (markering →
# markeringen is listed anyway, as the list doubles as what the tests check).
PLURALS = {
    "foto": "foto's", "markering": "markeringen", "leerling": "leerlingen", "account": "accounts",
    "ouder": "ouders", "bericht": "berichten", "reactie": "reacties", "document": "documenten",
    "bestand": "bestanden", "melding": "meldingen", "e-mail": "e-mails", "dag": "dagen",
    "oud-leerling": "oud-leerlingen", "ouderaccount": "ouderaccounts", "tijdslot": "tijdsloten",
    "gesprek": "gesprekken", "uitnodiging": "uitnodigingen", "kind": "kinderen", "groep": "groepen",
}


def count_nl(count, noun, plural=None):
    """"1 foto", "10 foto's", "0 foto's": the number and the noun, singular only for one —
    instead of "foto('s)". `plural` for a noun not in PLURALS."""
    many = plural or PLURALS.get(noun) or f"{noun}en"
    return f"{count} {noun if count == 1 else many}"

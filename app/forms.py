"""The base of every form in the portal: `PortalForm`.

One place instead of a rule per field:
- every message WTForms and Flask-WTF can give has portal Dutch (their own `nl` catalogue
  has "Keuzes mogen niet None zijn." and "Ongeldige float-waarde."); a field's own message
  still wins;
- a single-line field (StringField and its kinds: e-mail, tel, search, hidden) folds line
  breaks and other control characters into one space, before any other filter;
- a date field without its own format also reads 12-03-2027 (what our messages show);
- a render keyword that is None renders no attribute (WTForms would write `="None"`).

NUL bytes never reach a form (app/request_input.py refuses the request); numbers meant for
the database are read with `app.request_input.db_int`.
"""
import re

from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from wtforms import DateField, MonthField, PasswordField, StringField, TextAreaField
from wtforms.meta import DefaultMeta
from wtforms.validators import ValidationError
from wtforms.widgets.core import clean_key


# Line breaks (CR, LF, and what Python and mail clients also break on), tabs and other
# control characters. A browser never sends one from an <input>; pasted or crafted input can.
_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029"
_FOLD = re.compile(rf"\s*[{_CONTROL}][\s{_CONTROL}]*")

DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y"]  # the browser's date input sends the first

EXPIRED = "Het formulier is verlopen. Laad de pagina opnieuw en probeer het nog eens."

# English message (exactly as WTForms / Flask-WTF pass it to gettext) -> portal Dutch.
# tests/test_input.py checks that every message of the installed WTForms is here.
DUTCH = {
    # validators
    "Invalid field name '%s'.": "Onbekend veld '%s'.",
    "Field must be equal to %(other_name)s.": "Vul hier hetzelfde in als bij ‘%(other_label)s’.",
    "Field must be at least %(min)d character long.": "Gebruik minstens %(min)d teken.",
    "Field must be at least %(min)d characters long.": "Gebruik minstens %(min)d tekens.",
    "Field cannot be longer than %(max)d character.": "Gebruik maximaal %(max)d teken.",
    "Field cannot be longer than %(max)d characters.": "Gebruik maximaal %(max)d tekens.",
    "Field must be exactly %(max)d character long.": "Gebruik precies %(max)d teken.",
    "Field must be exactly %(max)d characters long.": "Gebruik precies %(max)d tekens.",
    "Field must be between %(min)d and %(max)d characters long.": "Gebruik %(min)d tot en met %(max)d tekens.",
    "Number must be at least %(min)s.": "Vul een getal in van minstens %(min)s.",
    "Number must be at most %(max)s.": "Vul een getal in van hoogstens %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Vul een getal in van %(min)s tot en met %(max)s.",
    "Date must be at least %(min)s.": "Kies een datum op of na %(min).10s.",
    "Date must be at most %(max)s.": "Kies een datum op of voor %(max).10s.",
    "Date must be between %(min)s and %(max)s.": "Kies een datum van %(min).10s tot en met %(max).10s.",
    "This field is required.": "Vul dit veld in.",
    "Invalid input.": "Wat hier staat is niet geldig. Controleer het en probeer het opnieuw.",
    "Invalid email address.": "Vul een geldig e-mailadres in, bijvoorbeeld naam@voorbeeld.nl.",
    "Invalid IP address.": "Vul een geldig IP-adres in.",
    "Invalid Mac address.": "Vul een geldig MAC-adres in.",
    "Invalid URL.": "Vul een geldig webadres in, beginnend met https://.",
    "Invalid UUID.": "Vul een geldige code in.",
    "Invalid value, must be one of: %(values)s.": "Kies een van deze mogelijkheden: %(values)s.",
    "Invalid value, can't be any of: %(values)s.": "Dit mag niet een van deze zijn: %(values)s.",
    "This field cannot be edited.": "Dit veld kunt u niet wijzigen.",
    "This field is disabled and cannot have a value.": "Dit veld staat uit en kan geen waarde hebben.",
    # CSRF (CSRFProtect refuses a bad token before a form sees it; this is the fallback)
    "Invalid CSRF Token.": EXPIRED,
    "CSRF token missing.": EXPIRED,
    "CSRF failed.": EXPIRED,
    "CSRF token expired.": EXPIRED,
    # choice fields
    "Invalid Choice: could not coerce.": "Kies een van de mogelijkheden uit de lijst.",
    "Choices cannot be None.": "Er is nog niets om uit te kiezen.",
    "Not a valid choice.": "Kies een van de mogelijkheden uit de lijst.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Kies alleen uit de mogelijkheden in de lijst.",
    "'%(value)s' is not a valid choice for this field.": "‘%(value)s’ is geen van de mogelijkheden.",
    "'%(value)s' are not valid choices for this field.": "‘%(value)s’ zijn geen van de mogelijkheden.",
    # dates, times and numbers
    "Not a valid datetime value.": "Vul een geldige datum en tijd in, bijvoorbeeld 12-03-2027 08:30.",
    "Not a valid date value.": "Vul een geldige datum in, bijvoorbeeld 12-03-2027.",
    "Not a valid time value.": "Vul een geldige tijd in, bijvoorbeeld 08:30.",
    "Not a valid week value.": "Vul een geldige week in, bijvoorbeeld 2027-W11.",
    "Not a valid integer value.": "Vul een heel getal in, bijvoorbeeld 12.",
    "Not a valid decimal value.": "Vul een geldig getal in, bijvoorbeeld 12.5.",
    "Not a valid float value.": "Vul een geldig getal in, bijvoorbeeld 12.5.",
    # Flask-WTF's file validators
    "File does not have an approved extension: {extensions}":
        "Dit soort bestand kan niet; kies een bestand van het type {extensions}.",
    "File does not have an approved extension.": "Dit soort bestand kan niet.",
}
# Flask-WTF's own CSRF check raises these without gettext.
FLASK_WTF_CSRF = (
    "The CSRF token is missing.",
    "The CSRF session token is missing.",
    "The CSRF token has expired.",
    "The CSRF token is invalid.",
    "The CSRF tokens do not match.",
)


class DutchTranslations:
    """What WTForms asks a form's translations for (gettext/ngettext), answered in Dutch."""

    def gettext(self, string):
        return DUTCH.get(string, string)

    def ngettext(self, singular, plural, n):
        return self.gettext(singular if n == 1 else plural)


TRANSLATIONS = DutchTranslations()


def fold_line_breaks(value):
    """A single-line value: every run of line breaks / control characters becomes one space
    (none at the ends)."""
    if not isinstance(value, str) or not _FOLD.search(value):
        return value
    return _FOLD.sub(" ", value).strip()


def is_single_line(field):
    # Passwords are left as typed: never stored or shown, and folding would change a secret.
    return isinstance(field, StringField) and not isinstance(field, (TextAreaField, PasswordField))


class DutchCSRF(_FlaskFormCSRF):
    def validate_csrf_token(self, form, field):
        try:
            super().validate_csrf_token(form, field)
        except ValidationError:
            raise ValidationError(EXPIRED) from None


class PortalForm(FlaskForm):
    """Every form of the portal derives from this (tests/test_input.py checks it)."""

    class Meta(DefaultMeta):
        csrf_class = DutchCSRF

        def get_translations(self, form):
            return TRANSLATIONS

        def bind_field(self, form, unbound_field, options):
            field_type = unbound_field.field_class
            if (issubclass(field_type, DateField) and not issubclass(field_type, MonthField)
                    and "format" not in unbound_field.kwargs and len(unbound_field.args) < 3):
                options = dict(options, format=DATE_FORMATS)
            field = super().bind_field(form, unbound_field, options)
            if is_single_line(field):
                field.filters = (fold_line_breaks, *field.filters)
            return field

        def render_field(self, field, render_kw):
            # As DefaultMeta.render_field, but a keyword set to None means "no attribute".
            own = {clean_key(k): v for k, v in (getattr(field, "render_kw", None) or {}).items()}
            given = {clean_key(k): v for k, v in render_kw.items()}
            return field.widget(field, **{k: v for k, v in {**own, **given}.items() if v is not None})


class ConfirmForm(PortalForm):
    """A form with only the CSRF token: confirm buttons, remove buttons, one-button actions."""

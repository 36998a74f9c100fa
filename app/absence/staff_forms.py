"""Forms of Beheer › Afwezigheid: the leave decision, the export, the settings (the staff
report form is the reports module's). Every message is Dutch; the services check again."""
from datetime import date, timedelta

from wtforms import BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectChoice, SelectField, StringField
from wtforms import TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from app import clock
from app.absence.decisions import REASON_MAX
from app.absence.export import WHAT
from app.absence.setup import HOLIDAY_NAME_MAX, REASON_NAME_MAX
from app.admin.forms import strip
from app.forms import PortalForm

# The dates a form accepts: 0001-01-01 or 99999 get a Dutch message, never a 500.
FIRST_DATE = date(2000, 1, 1)


def _last_date():
    return clock.today() + timedelta(days=2 * 366)


def _in_range(field):
    if field.data is not None and not FIRST_DATE <= field.data <= _last_date():
        raise ValidationError(f"Kies een datum vanaf 1 januari {FIRST_DATE.year} en hoogstens twee jaar vooruit.")


def date_field(label, what):
    return DateField(label, validators=[InputRequired(f"Vul {what} in.")],
                     invalid_value_message="Vul een geldige datum in, bijvoorbeeld 02-12-2026.")


class DecisionForm(PortalForm):
    """The office's decision on a leave request (choices: decisions.actions_for)."""

    action = RadioField("Besluit", choices=[], validators=[InputRequired("Kies een besluit.")],
                        validate_choice=True)
    reason = TextAreaField("Reden van het besluit", filters=[strip], validators=[
        DataRequired("Schrijf de reden van het besluit op: de ouders krijgen die te lezen."),
        Length(max=REASON_MAX, message=f"De reden mag maximaal {REASON_MAX} tekens zijn.")])
    # The status the page showed: a decision on a request that changed meanwhile is refused.
    seen_status = HiddenField()


class ExportForm(PortalForm):
    """A GET form (a download): no CSRF token, the query string is its data."""

    class Meta:
        csrf = False

    groep = SelectField("Groep", choices=[], default="", validate_choice=True)
    van = date_field("Van", "de eerste dag van de periode")
    tot = date_field("Tot en met", "de laatste dag van de periode")
    soort = RadioField("Wat", choices=[SelectChoice(value, label) for value, label in WHAT.items()], default="beide", validate_choice=True,
                       validators=[InputRequired("Kies wat u wilt downloaden.")])

    def validate_van(self, field):
        _in_range(field)

    def validate_tot(self, field):
        _in_range(field)
        if self.van.data and field.data and field.data < self.van.data:
            raise ValidationError("De laatste dag ligt vóór de eerste dag.")


class TimesForm(PortalForm):
    cutoff = TimeField("Begin van de schooldag", validators=[InputRequired("Vul een tijd in, bijvoorbeeld 08:15.")],
                       invalid_value_message="Vul een geldige tijd in, bijvoorbeeld 08:15.")
    afternoon = TimeField("Begin van de middag", validators=[InputRequired("Vul een tijd in, bijvoorbeeld 13:00.")],
                          invalid_value_message="Vul een geldige tijd in, bijvoorbeeld 13:00.")
    minutes_morning = IntegerField("Minuten les in een ochtend", validators=[
        InputRequired("Vul het aantal minuten in."), NumberRange(30, 480, "Kies een getal van 30 tot en met 480.")])
    minutes_afternoon = IntegerField("Minuten les in een middag", validators=[
        InputRequired("Vul het aantal minuten in."), NumberRange(0, 480, "Kies een getal van 0 tot en met 480.")])

    def validate_afternoon(self, field):
        if self.cutoff.data and field.data and field.data <= self.cutoff.data:
            raise ValidationError("De middag begint na het begin van de schooldag.")


def _reason_name():
    return StringField("Naam", filters=[strip], validators=[
        DataRequired("Vul de naam van de reden in."),
        Length(max=REASON_NAME_MAX, message=f"De naam mag maximaal {REASON_NAME_MAX} tekens zijn.")])


class NewReasonForm(PortalForm):
    name = _reason_name()
    excused = BooleanField("Geoorloofd (telt niet mee voor de DUO-teller)", default=True)
    needs_note = BooleanField("Toelichting verplicht")
    staff_only = BooleanField("Alleen de school kiest deze reden (ouders zien haar niet)")


class ReasonForm(NewReasonForm):
    active = BooleanField("Aan (te kiezen bij een nieuwe melding)")


class HolidayForm(PortalForm):
    name = StringField("Naam van de vakantie", filters=[strip], validators=[
        DataRequired("Vul de naam van de vakantie in."),
        Length(max=HOLIDAY_NAME_MAX, message=f"De naam mag maximaal {HOLIDAY_NAME_MAX} tekens zijn.")])
    first_day = date_field("Eerste dag", "de eerste dag")
    last_day = date_field("Laatste dag", "de laatste dag")

    def validate_last_day(self, field):
        if self.first_day.data and field.data and field.data < self.first_day.data:
            raise ValidationError("De laatste dag ligt vóór de eerste dag.")


def choices(pairs):
    """[(value, label)] as WTForms 3.3 wants choices."""
    return [SelectChoice(value, label) for value, label in pairs]

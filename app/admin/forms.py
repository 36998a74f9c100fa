"""Forms of the office's pages. Every message is Dutch; the services re-check what matters."""
import re

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    SelectChoice,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.email_address import EmailAddress
from app.forms import PortalForm
from app.models import Role
from app.request_input import db_int

GENDERS = [SelectChoice("", "Onbekend"), SelectChoice("jongen", "Jongen"), SelectChoice("meisje", "Meisje"),
           SelectChoice("anders", "Anders")]
ROLES = [SelectChoice(Role.PARENT.value, Role.PARENT.label), SelectChoice(Role.TEACHER.value, Role.TEACHER.label),
         SelectChoice(Role.ADMIN.value, f"{Role.ADMIN.label} (schooladministratie)")]
POSTCODE_RE = re.compile(r"^\s*(\d{4})\s*([A-Za-z]{2})\s*$")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def normalise_postcode(value):
    """'1234ab' -> '1234 AB'; anything else (a foreign postcode) stays as typed."""
    match = POSTCODE_RE.match(value or "")
    return f"{match.group(1)} {match.group(2).upper()}" if match else (value or "").strip()


class CheckboxList(SelectMultipleField):
    """Several choices as a list of checkboxes (keyboard- and screen-reader friendly)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        valid = {SelectChoice.from_input(choice).value for choice in self.choices}
        for value in self.data or []:
            if value not in valid:
                raise ValidationError("Kies alleen uit de getoonde mogelijkheden.")


def length(maximum, what):
    return Length(max=maximum, message=f"{what} mag maximaal {maximum} tekens zijn.")


def email_field(label, required=True):
    validators = [DataRequired("Vul een e-mailadres in.")] if required else [Optional()]
    # The one address rule (app/email_address.py); it also stores the normalised form.
    validators += [length(254, "Het e-mailadres"), EmailAddress("Vul een geldig e-mailadres in.")]
    return EmailField(label, validators=validators, filters=[strip], render_kw={"autocomplete": "off"})


class AddressFields:
    street = StringField("Straat", validators=[length(120, "De straat")], filters=[strip])
    house_number = StringField("Huisnummer", validators=[length(20, "Het huisnummer")], filters=[strip])
    postcode = StringField("Postcode", validators=[length(10, "De postcode")], filters=[normalise_postcode])
    city = StringField("Woonplaats", validators=[length(80, "De woonplaats")], filters=[strip])


# --- groups ----------------------------------------------------------------------------------

class GroupForm(PortalForm):
    name = StringField("Naam van de groep", validators=[DataRequired("Vul de naam van de groep in."), length(50, "De naam")],
                       filters=[strip])
    level = IntegerField(
        "Leerjaar (1 tot en met 8)",
        validators=[InputRequired("Vul het leerjaar in (1 tot en met 8)."),
                    NumberRange(1, 8, "Het leerjaar is een getal van 1 tot en met 8.")],
    )
    school_year = StringField(
        "Schooljaar",
        validators=[DataRequired("Vul het schooljaar in, bijvoorbeeld 2026-2027."),
                    Regexp(r"^\d{4}-\d{4}$", message="Schrijf het schooljaar als 2026-2027.")],
        filters=[strip],
    )
    sort_order = IntegerField("Volgorde in lijsten", validators=[Optional(), NumberRange(0, 999, "Kies een getal van 0 tot 999.")])
    teachers = CheckboxList("Leerkrachten", coerce=db_int, choices=[])

    def validate_school_year(self, field):
        if field.data and re.match(r"^\d{4}-\d{4}$", field.data):
            start, end = (int(part) for part in field.data.split("-"))
            if end != start + 1:
                raise ValidationError("Een schooljaar loopt over twee opeenvolgende jaren, bijvoorbeeld 2026-2027.")


# --- pupils ----------------------------------------------------------------------------------

class ChildForm(AddressFields, PortalForm):
    first_name = StringField("Roepnaam", validators=[DataRequired("Vul de roepnaam in."), length(100, "De roepnaam")],
                             filters=[strip])
    last_name = StringField("Achternaam", validators=[DataRequired("Vul de achternaam in."), length(100, "De achternaam")],
                            filters=[strip])
    birth_date = DateField("Geboortedatum", validators=[Optional()],
                           invalid_value_message="Vul een geldige datum in.")
    gender = SelectField("Geslacht", choices=GENDERS, validate_choice=True)
    student_number = StringField(
        "Leerlingnummer",
        validators=[length(30, "Het leerlingnummer")],
        filters=[strip],
        description="Het nummer uit de leerlingadministratie; een import herkent de leerling hieraan.",
    )
    group_id = SelectField("Groep", coerce=db_int, choices=[], validate_choice=True)
    country = StringField("Land", validators=[length(60, "Het land")], filters=[strip],
                          description="Leeg laten voor een adres in Nederland.")
    phone = TelField("Telefoonnummer van de leerling", validators=[length(30, "Het telefoonnummer")], filters=[strip])
    email = email_field("E-mailadres van de leerling", required=False)
    left_at = DateField("Uitgeschreven op (oud-leerling)", validators=[Optional()],
                        invalid_value_message="Vul een geldige datum in.")


class GuardianshipForm(PortalForm):
    parent_email = email_field("E-mailadres (inlognaam) van de ouder")
    read_only = BooleanField("Alleen lezen (ziet de gegevens, kan niets wijzigen)")


# --- people and accounts ---------------------------------------------------------------------

class PersonForm(AddressFields, PortalForm):
    first_name = StringField("Voornaam", validators=[DataRequired("Vul de voornaam in."), length(100, "De voornaam")],
                             filters=[strip])
    last_name = StringField("Achternaam", validators=[DataRequired("Vul de achternaam in."), length(100, "De achternaam")],
                            filters=[strip])
    email = email_field("Contact-e-mailadres")
    phone_mobile = TelField("Mobiel nummer", validators=[length(30, "Het nummer")], filters=[strip])
    phone_home = TelField("Telefoonnummer thuis", validators=[length(30, "Het nummer")], filters=[strip])


class NewAccountForm(PersonForm):
    login_name = email_field("E-mailadres (wordt de inlognaam)")
    email = email_field("Ander contact-e-mailadres (optioneel)", required=False)
    role = SelectField("Rol", choices=ROLES, validate_choice=True, default="ouder")
    child_id = HiddenField()
    read_only = BooleanField("Alleen lezen voor deze leerling")


class LoginNameForm(PortalForm):
    login_name = email_field("Nieuwe inlognaam (e-mailadres)")
    also_contact = BooleanField("Ook als contact-e-mailadres gebruiken", default=True)


class EraseForm(PortalForm):
    confirm = BooleanField(
        "Ik begrijp dat de persoonsgegevens van dit account definitief worden gewist.",
        validators=[DataRequired("Vink aan dat u dit account definitief wilt wissen.")],
    )


# --- import, school year, settings ---------------------------------------------------------

class ImportUploadForm(PortalForm):
    file = FileField("CSV-bestand uit de leerlingadministratie",
                     validators=[FileRequired("Kies een CSV-bestand om te importeren.")])


class ImportCommitForm(PortalForm):
    upload = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])
    fingerprint = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])
    skip_bad_rows = BooleanField("Importeer zonder de foutieve rijen (die worden overgeslagen)")


class SchoolYearForm(PortalForm):
    from_year = HiddenField(validators=[DataRequired()])
    again = BooleanField("Ja, zet alle leerlingen nóg een groep hoger (het schooljaar is al overgezet)")


class SettingsForm(PortalForm):
    name = StringField("Naam van de school", validators=[DataRequired("Vul de naam van de school in."),
                                                         length(120, "De naam")], filters=[strip])
    address = StringField("Adres (straat en huisnummer)", validators=[length(120, "Het adres")], filters=[strip])
    postcode_city = StringField("Postcode en plaats", validators=[length(120, "Postcode en plaats")], filters=[strip])
    phone = TelField("Telefoonnummer", validators=[length(30, "Het telefoonnummer")], filters=[strip])
    email = email_field("E-mailadres", required=False)
    website = StringField("Website", validators=[length(200, "De website"),
                                                 Optional(),
                                                 Regexp(r"^https?://\S+$", message="Begin de website met https://")],
                          filters=[strip])
    modules = CheckboxList("Modules die aan staan", choices=[])


# --- retention period (Beheer › Bewaartermijn) -----------------------------------------------

class RetentionYearsForm(PortalForm):
    years = IntegerField(
        "Bewaartermijn oud-leerlingen (jaren)",
        validators=[InputRequired("Vul de bewaartermijn in: een getal van 1 tot en met 20 jaar."),
                    NumberRange(1, 20, "Kies een bewaartermijn van 1 tot en met 20 jaar.")],
    )


class RetentionHoldForm(PortalForm):
    """One per listed pupil (with a prefix per pupil, so the fields' ids stay unique)."""

    reason = StringField("Reden om te bewaren",
                         validators=[DataRequired("Vul een reden in waarom de school de gegevens bewaart."),
                                     length(300, "De reden")], filters=[strip])

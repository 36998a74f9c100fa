"""Forms and validators shared by Mijn account, Mijn kinderen and Beheer. Dutch messages."""
import re

from flask_wtf.file import FileField
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.forms import PortalForm
from app.privacy import LEVELS, WIDTH

PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-]+$")
POSTCODE = re.compile(r"^(\d{4})\s?([A-Za-z]{2})$")
HOUSE_NUMBER = re.compile(r"^\d{1,5}(\s?[A-Za-z0-9\-/ ]{0,10})$")


def strip(value):
    return value.strip() if isinstance(value, str) else value


class PhoneNumber:
    """A phone number: digits, spaces, dashes and brackets, an optional leading +."""

    message = "Vul een geldig telefoonnummer in, bijvoorbeeld 06-12345678 of +31 6 12345678."

    def __call__(self, form, field):
        value = field.data or ""
        if not value:
            return
        digits = re.sub(r"\D", "", value)
        if not PHONE_CHARS.match(value) or not 6 <= len(digits) <= 15:
            raise ValidationError(self.message)


class Postcode:
    """A Dutch postcode, stored as "1234 AB"."""

    def __call__(self, form, field):
        if not field.data:
            return
        match = POSTCODE.match(field.data)
        if not match:
            raise ValidationError("Vul een geldige postcode in, bijvoorbeeld 7461 AB.")
        field.data = f"{match.group(1)} {match.group(2).upper()}"


class HouseNumber:
    def __call__(self, form, field):
        if field.data and not HOUSE_NUMBER.match(field.data):
            raise ValidationError("Vul een huisnummer in, bijvoorbeeld 12 of 12a.")


class AddressFields:
    """The four address fields, shared by a parent's and a child's form (a mixin)."""

    street = StringField("Straat", filters=[strip],
                         validators=[Optional(), Length(max=120, message="Maximaal 120 tekens.")],
                         render_kw={"autocomplete": "address-line1"})
    house_number = StringField("Huisnummer", filters=[strip],
                               validators=[Optional(), Length(max=20, message="Maximaal 20 tekens."),
                                           HouseNumber()])
    postcode = StringField("Postcode", filters=[strip], validators=[Optional(), Postcode()],
                           render_kw={"autocomplete": "postal-code"})
    city = StringField("Woonplaats", filters=[strip],
                       validators=[Optional(), Length(max=80, message="Maximaal 80 tekens.")],
                       render_kw={"autocomplete": "address-level2"})


class NumberForm(PortalForm):
    """An extra phone number with a label (a parent's "werk", a child's emergency number)."""

    label = StringField("Omschrijving", filters=[strip], validators=[
        DataRequired("Vul een omschrijving in, bijvoorbeeld werk of oma."),
        Length(max=60, message="Maximaal 60 tekens.")])
    number = StringField("Telefoonnummer", filters=[strip], validators=[
        DataRequired("Vul een telefoonnummer in."), Length(max=30, message="Maximaal 30 tekens."),
        PhoneNumber()], render_kw={"inputmode": "tel"})


class PhotoForm(PortalForm):
    # The content is checked by app/images.save_image, not by name or Content-Type.
    photo = FileField("Foto kiezen", render_kw={"accept": "image/jpeg,image/png,image/webp"})


class ChoiceRadioField(RadioField):
    """A RadioField whose "not a valid choice" message is Dutch."""

    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError("Kies wie dit mag zien.")


def privacy_form(fields, levels, stricter_only=False):
    """A form with one radio group per privacy field, prefilled with `levels`.

    stricter_only (the office): the levels wider than the stored one are shown disabled;
    app/privacy refuses them anyway, whatever is posted."""
    class PrivacyForm(PortalForm):
        pass

    for name, label in fields.items():
        current = levels.get(name, "staff")
        choices = [SelectChoice(value, text,
                                render_kw={"disabled": True} if stricter_only and WIDTH[value] > WIDTH[current] else {})
                   for value, text in LEVELS.items()]
        setattr(PrivacyForm, name, ChoiceRadioField(label, choices=choices, default=current))
    return PrivacyForm

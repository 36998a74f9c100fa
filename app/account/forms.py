"""Forms of Mijn account. Dutch messages. The shared validators and the number, photo and
privacy forms are in app/people/forms.py."""
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.email_address import EmailAddress
from app.forms import PortalForm
from app.people.forms import AddressFields, PhoneNumber, strip


class ProfileForm(AddressFields, PortalForm):
    first_name = StringField("Voornaam", filters=[strip], validators=[
        DataRequired("Vul uw voornaam in."), Length(max=100, message="Maximaal 100 tekens.")],
        render_kw={"autocomplete": "given-name"})
    last_name = StringField("Achternaam", filters=[strip], validators=[
        DataRequired("Vul uw achternaam in."), Length(max=100, message="Maximaal 100 tekens.")],
        render_kw={"autocomplete": "family-name"})

    FIELDS = ("first_name", "last_name", "street", "house_number", "postcode", "city")


class ContactForm(PortalForm):
    phone_mobile = StringField("Mobiel nummer", filters=[strip], validators=[
        Optional(), Length(max=30, message="Maximaal 30 tekens."), PhoneNumber()],
        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    phone_home = StringField("Telefoonnummer thuis", filters=[strip], validators=[
        Optional(), Length(max=30, message="Maximaal 30 tekens."), PhoneNumber()],
        render_kw={"inputmode": "tel"})
    email = EmailField("E-mailadres (voor contact)", filters=[strip], validators=[
        DataRequired("Vul uw e-mailadres in."),
        Length(max=254, message="Maximaal 254 tekens."),
        EmailAddress("Vul een geldig e-mailadres in.")],
        render_kw={"autocomplete": "email"})

    FIELDS = ("phone_mobile", "phone_home", "email")

"""Forms of Mijn kinderen and of Beheer > Notities. Dutch messages."""
from wtforms import EmailField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.forms import PortalForm
from app.people.forms import AddressFields, PhoneNumber, strip

GENDERS = [("", "Niet opgegeven"), ("jongen", "Jongen"), ("meisje", "Meisje"), ("anders", "Anders")]


class ChildForm(AddressFields, PortalForm):
    gender = SelectField("Geslacht", choices=[SelectChoice(value, label) for value, label in GENDERS],
                         validate_choice=False)

    FIELDS = ("gender", "street", "house_number", "postcode", "city")

    def validate_gender(self, field):
        if field.data not in {value for value, _ in GENDERS}:
            raise ValidationError("Kies een van de mogelijkheden.")


class ChildContactForm(PortalForm):
    """"Primaire gegevens": the child's own phone and e-mail (usually empty)."""

    phone = StringField("Telefoonnummer", filters=[strip], validators=[
        Optional(), Length(max=30, message="Maximaal 30 tekens."), PhoneNumber()],
        render_kw={"inputmode": "tel"})
    email = EmailField("E-mailadres", filters=[strip], validators=[
        Optional(), Email("Vul een geldig e-mailadres in.", check_deliverability=False),
        Length(max=254, message="Maximaal 254 tekens.")])

    FIELDS = ("phone", "email")


class NoteForm(PortalForm):
    child_id = SelectField("Leerling", coerce=lambda value: int(value) if str(value).isdigit() else 0,
                           validate_choice=False)
    body = TextAreaField("Notitie", filters=[strip], validators=[
        DataRequired("Schrijf een notitie."), Length(max=5000, message="Maximaal 5000 tekens.")])

    def __init__(self, *args, pupils=(), **kwargs):
        """pupils: [(group label, [(child id, name), ...]), ...] the writer may choose from."""
        super().__init__(*args, **kwargs)
        # The template renders the options with their groups; choices are for completeness.
        self.child_id.choices = [SelectChoice(0, "Kies een leerling")] + [
            SelectChoice(child_id, name, optgroup=label) for label, children in pupils for child_id, name in children
        ]
        self.child_groups = pupils
        self._allowed = {child_id for _, children in pupils for child_id, _ in children}

    def validate_child_id(self, field):
        if field.data not in self._allowed:
            raise ValidationError("Kies een leerling uit uw groep(en).")


class NoteEditForm(PortalForm):
    body = TextAreaField("Notitie", filters=[strip], validators=[
        DataRequired("Schrijf een notitie."), Length(max=5000, message="Maximaal 5000 tekens.")])

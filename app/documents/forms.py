"""The Beheer form for a document. Every message is Dutch."""
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.audience import AudienceFields
from app.forms import PortalForm


def _folder_id(value):
    """A folder id from the form; anything unreadable counts as "no folder"."""
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return -1


class DocumentForm(AudienceFields, PortalForm):
    title = StringField(
        "Titel",
        validators=[DataRequired("Vul een titel in."), Length(max=200, message="De titel mag maximaal 200 tekens zijn.")],
    )
    description = TextAreaField(
        "Omschrijving (optioneel)",
        validators=[Length(max=500, message="De omschrijving mag maximaal 500 tekens zijn.")],
    )
    folder = SelectField("Map (optioneel)", coerce=_folder_id, validate_choice=False)
    new_folder = StringField(
        "Of een nieuwe map",
        validators=[Length(max=100, message="De naam van de map mag maximaal 100 tekens zijn.")],
    )
    file = FileField("Bestand")

    def validate_folder(self, field):
        from wtforms.validators import ValidationError

        if field.data and field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Kies een map uit de lijst.")

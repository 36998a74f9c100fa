"""Fotoalbums forms. Every message is Dutch; photos are checked by app/storage.py and the
audience by app/audience.py."""
from wtforms import DateField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.audience import AudienceFields
from app.forms import PortalForm


class DutchDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Vul een geldige datum in (dag-maand-jaar).") from None


class AlbumForm(AudienceFields, PortalForm):
    title = StringField(
        "Titel",
        validators=[DataRequired("Vul een titel in."), Length(max=200, message="De titel is te lang (maximaal 200 tekens).")],
    )
    description = TextAreaField(
        "Beschrijving (niet verplicht)",
        validators=[Optional(), Length(max=2000, message="De beschrijving is te lang (maximaal 2.000 tekens).")],
    )
    event_date = DutchDateField("Datum van de activiteit (niet verplicht)", validators=[Optional()])
    photos = MultipleFileField("Foto's")


class AlbumDetailsForm(AlbumForm):
    """Changing an album's details (photos are added with PhotosForm)."""

    photos = None


class PhotosForm(PortalForm):
    photos = MultipleFileField("Foto's toevoegen")

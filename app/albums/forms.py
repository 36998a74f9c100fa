"""Fotoalbums forms. Every message is Dutch; photos are checked by app/images.py and the
audience by app/audience.py."""
from wtforms import DateField, Field, MultipleFileField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from app.audience import AudienceFields
from app.forms import PortalForm
from app.request_input import db_int


class IdListField(Field):
    """Checkboxes with ids (photos, pupils). Ids that are not numbers get the field's Dutch
    message; numbers the user may not choose reach the service, which refuses them."""

    def __init__(self, label=None, validators=None, message="Kies uit de lijst.", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        ids = set()
        for value in valuelist:
            try:
                ids.add(db_int(value))
            except (TypeError, ValueError):
                self.process_errors.append(self.message)
        self.data = sorted(ids)

    def process_data(self, value):
        self.data = sorted(value or [])


def pupils_field(label="Leerlingen op deze foto's (niet verplicht)"):
    return IdListField(label, message="Kies leerlingen uit de lijst.")


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
    children = pupils_field()


class AlbumDetailsForm(AlbumForm):
    """Changing an album's details (photos are added with PhotosForm)."""

    photos = None
    children = None


class PhotosForm(PortalForm):
    photos = MultipleFileField("Foto's toevoegen")
    children = pupils_field()


class TagBatchForm(PortalForm):
    """Beheer › Fotoalbums › Leerlingen markeren: pupils on (or off) the selected photos."""

    photos = IdListField("Foto's", message="Kies foto's uit dit album.")
    children = IdListField("Leerlingen", message="Kies leerlingen uit de lijst.")
    action = StringField("Actie", validators=[AnyOf(["markeren", "weghalen"],
                                                    message="Kies: markeren of markering weghalen.")])


class PhotoTagsForm(PortalForm):
    """The marked pupils of one photo."""

    children = IdListField("Leerlingen op deze foto", message="Kies leerlingen uit de lijst.")

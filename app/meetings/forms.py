"""Oudergesprekken forms (Beheer, and the small booking forms of parents). Dutch messages."""
from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields import Field
from wtforms.widgets import HiddenInput
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.forms import PortalForm
from app.meetings.rules import MAX_ROOM_LENGTH, SLOT_MINUTES_CHOICES
from app.request_input import db_int


class _HiddenNumber(Field):
    """A hidden number the page wrote itself: `data` an int in 0..MAX_ID (db_int), or None
    when the field was empty, missing or not such a number (then `errors` holds a Dutch
    message)."""

    widget = HiddenInput()

    def __init__(self, label=None, validators=None, message="", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0] != "":
            try:
                self.data = db_int(valuelist[0])
            except ValueError:
                raise ValueError(self.message) from None

    def _value(self):
        return "" if self.data is None else str(self.data)


class BookForm(PortalForm):
    """A parent's "Reserveren mogelijk" / "Annuleren": the slot (an id, else None: the route
    answers 404 as for a slot of another round) and the reservation version the page
    showed (None: no booking yet; not a number: 400)."""

    slot = _HiddenNumber(message="Dit tijdslot bestaat niet.")
    versie = _HiddenNumber(message="De pagina is verouderd. Laad de pagina opnieuw en probeer het nog eens.")


class RoundDetailsForm(PortalForm):
    title = StringField(
        "Titel",
        validators=[DataRequired("Vul een titel in."),
                    Length(max=150, message="De titel is te lang (maximaal 150 tekens).")],
    )
    info = TextAreaField(
        "Informatie voor de ouders",
        validators=[Optional(), Length(max=5000, message="De informatie is te lang (maximaal 5.000 tekens).")],
    )


class RoundForm(RoundDetailsForm):
    group = SelectField("Groep", coerce=db_int, validate_choice=False)

    def validate_group(self, field):
        if field.data not in {choice.value for choice in self.group.choices}:
            raise ValidationError("Kies een van uw groepen.")


class DayForm(PortalForm):
    date = DateField("Datum", validators=[InputRequired("Vul een geldige datum in.")])
    starts_at = TimeField("Begintijd", validators=[InputRequired("Vul een begintijd in, bijvoorbeeld 08:30.")])
    ends_at = TimeField("Eindtijd", validators=[InputRequired("Vul een eindtijd in, bijvoorbeeld 12:00.")])
    slot_minutes = SelectField(
        "Lengte van een tijdslot",
        coerce=db_int,
        choices=[SelectChoice(m, f"{m} minuten") for m in SLOT_MINUTES_CHOICES],
        default=10,
        validate_choice=False,
    )
    breaks = StringField(
        "Pauzes (optioneel)",
        validators=[Optional(), Length(max=200, message="Te lang (maximaal 200 tekens).")],
    )
    room = StringField(
        "Lokaal (optioneel)",
        validators=[Optional(), Length(max=MAX_ROOM_LENGTH,
                                       message=f"Te lang (maximaal {MAX_ROOM_LENGTH} tekens).")],
    )
    # Shown only after the service refused a day in the past (services.NeedsConfirmation).
    confirm_past = BooleanField("Toch toevoegen: deze dag ligt in het verleden")

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError("De eindtijd moet na de begintijd liggen.")

    def validate_slot_minutes(self, field):
        if field.data not in SLOT_MINUTES_CHOICES:
            raise ValidationError("Kies een lengte uit de lijst.")


class RoomForm(PortalForm):
    """Beheer: the room of one day."""

    room = StringField(
        "Lokaal",
        validators=[Optional(), Length(max=MAX_ROOM_LENGTH,
                                       message=f"Te lang (maximaal {MAX_ROOM_LENGTH} tekens).")],
    )


class StaffBookForm(PortalForm):
    """Beheer: book or move a pupil to a slot."""

    child = SelectField("Leerling", coerce=db_int, validate_choice=False,
                        validators=[InputRequired("Kies een leerling.")])
    slot = SelectField("Tijdslot", coerce=db_int, validate_choice=False,
                       validators=[InputRequired("Kies een tijdslot.")])
    # Shown only after the service warned of a brother's or sister's meeting at that time.
    confirm_overlap = BooleanField("Toch inplannen, ook al overlapt de tijd")


def invitation_fields(request_form, pupils):
    """Parse the invitation table: {child_id: (invited, slots_needed, message)}.

    The table has, per pupil, `uitnodigen-<id>`, `tijdsloten-<id>` (1/2) and
    `bericht-<id>`; unknown ids are ignored by the service.
    """
    entries = {}
    for child, _invitation in pupils:
        key = child.id
        raw_slots = request_form.get(f"tijdsloten-{key}", "1")
        try:
            slots = int(raw_slots)
        except ValueError:
            slots = 0  # refused by the service with a Dutch message
        entries[key] = (
            bool(request_form.get(f"uitnodigen-{key}")),
            slots,
            request_form.get(f"bericht-{key}", ""),
        )
    return entries


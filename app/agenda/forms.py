"""The Beheer form for an agenda item. Every message is Dutch."""
from wtforms import DateField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.audience import AudienceFields
from app.forms import PortalForm


class AgendaForm(AudienceFields, PortalForm):
    title = StringField(
        "Titel",
        validators=[DataRequired("Vul een titel in."), Length(max=200, message="De titel mag maximaal 200 tekens zijn.")],
    )
    date = DateField(
        "Datum",
        validators=[InputRequired("Vul een datum in.")],
        invalid_value_message="Vul een geldige datum in.",
    )
    start_time = TimeField("Begintijd (optioneel)", validators=[Optional()],
                           invalid_value_message="Vul een geldige tijd in, bijvoorbeeld 08:30.")
    end_time = TimeField("Eindtijd (optioneel)", validators=[Optional()],
                         invalid_value_message="Vul een geldige tijd in, bijvoorbeeld 12:00.")
    location = StringField("Locatie (optioneel)",
                           validators=[Length(max=200, message="De locatie mag maximaal 200 tekens zijn.")])
    description = TextAreaField("Omschrijving (optioneel)",
                                validators=[Length(max=5000, message="De omschrijving mag maximaal 5.000 tekens zijn.")])

    def validate_end_time(self, field):
        from wtforms.validators import ValidationError

        if field.data is None:
            return
        if self.start_time.data is None:
            raise ValidationError("Vul ook een begintijd in, of laat de eindtijd leeg.")
        if field.data <= self.start_time.data:
            raise ValidationError("De eindtijd moet na de begintijd liggen.")

"""The parent's answer for one purpose: "ja" or "nee" (Dutch messages, PortalForm)."""
from wtforms import HiddenField, RadioField, SelectChoice
from wtforms.validators import InputRequired, ValidationError

from app.forms import PortalForm
from app.request_input import db_int

ANSWERS = {"ja": True, "nee": False}
UNKNOWN_PURPOSE = "Dit doel is niet (meer) bekend. Laad de pagina opnieuw en probeer het nog eens."


class ConsentAnswerForm(PortalForm):
    purpose = HiddenField(validators=[InputRequired(UNKNOWN_PURPOSE)])
    answer = RadioField("Uw antwoord", choices=[SelectChoice("ja", "Ja"), SelectChoice("nee", "Nee")],
                        validators=[InputRequired("Kies ja of nee.")])

    def validate_purpose(self, field):
        try:
            db_int(field.data)
        except (TypeError, ValueError):
            raise ValidationError(UNKNOWN_PURPOSE) from None

    @property
    def purpose_id(self):
        try:
            return db_int(self.purpose.data)
        except (TypeError, ValueError):
            return None

    @property
    def given(self):
        return ANSWERS[self.answer.data]

    def first_error(self):
        for errors in self.errors.values():
            if errors:
                return errors[0]
        return None

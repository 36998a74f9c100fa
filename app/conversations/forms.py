"""Gesprekken forms: every message Dutch, every limit checked on the server."""
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from app.conversations.services import MAX_SUBJECT, MAX_TEXT
from app.forms import PortalForm
from app.models import CONVERSATION_WITH
from app.request_input import db_int

TEXT_TOO_LONG = f"Uw bericht is te lang (maximaal {MAX_TEXT:,} tekens).".replace(",", ".")


def child_choices(children):
    return [SelectChoice(child.id, child.name) for child in children]


def _text_field(label):
    return TextAreaField(label, validators=[DataRequired("Schrijf eerst uw bericht."),
                                            Length(max=MAX_TEXT, message=TEXT_TOO_LONG)])


class StartForm(PortalForm):
    child_id = SelectField("Over welk kind?", coerce=db_int,
                           validators=[InputRequired("Kies het kind waarover u schrijft.")],
                           validate_choice=True)
    with_whom = RadioField("Aan wie?", choices=[SelectChoice(key, label) for key, label in CONVERSATION_WITH.items()],
                           default="leerkracht",
                           validators=[InputRequired("Kies aan wie u schrijft.")])
    subject = StringField("Onderwerp", validators=[
        DataRequired("Vul een onderwerp in."),
        Length(max=MAX_SUBJECT, message=f"Het onderwerp is te lang (maximaal {MAX_SUBJECT} tekens).")])
    text = _text_field("Uw bericht")
    private = BooleanField("Alleen voor mij (de andere ouder van dit kind ziet dit gesprek niet)")
    attachment = FileField("Bijlage (niet verplicht: PDF, Word, Excel of een foto)")

    def set_children(self, children):
        self.child_id.choices = child_choices(children)
        if len(children) == 1 and self.child_id.data is None:
            self.child_id.data = children[0].id


class WriteForm(PortalForm):
    text = _text_field("Uw bericht")
    attachment = FileField("Bijlage (niet verplicht)")


class FromReplyForm(PortalForm):
    child_id = SelectField("Over welk kind?", coerce=db_int,
                           validators=[InputRequired("Kies het kind waarover het gesprek gaat.")])
    subject = StringField("Onderwerp", validators=[
        DataRequired("Vul een onderwerp in."),
        Length(max=MAX_SUBJECT, message=f"Het onderwerp is te lang (maximaal {MAX_SUBJECT} tekens).")])
    text = _text_field("Uw antwoord")

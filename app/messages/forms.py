"""Berichten forms. Every message is Dutch; the audience is checked by app/audience.py."""
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.audience import AudienceFields
from app.forms import PortalForm
from app.messages.services import MAX_REPLY_LENGTH


class MessageForm(AudienceFields, PortalForm):
    title = StringField(
        "Titel",
        validators=[DataRequired("Vul een titel in."), Length(max=200, message="De titel is te lang (maximaal 200 tekens).")],
    )
    text = TextAreaField(
        "Tekst",
        validators=[DataRequired("Schrijf de tekst van het bericht."),
                    Length(max=20000, message="De tekst is te lang (maximaal 20.000 tekens).")],
    )
    urgent = BooleanField("Spoedbericht (bovenaan Home, dezelfde avond per e-mail)")
    replies_allowed = BooleanField("Ouders kunnen reageren")


class ReplyForm(PortalForm):
    text = TextAreaField(
        "Uw reactie",
        validators=[DataRequired("Schrijf eerst uw reactie."),
                    Length(max=MAX_REPLY_LENGTH, message=f"Uw reactie is te lang (maximaal {MAX_REPLY_LENGTH} tekens).")],
    )

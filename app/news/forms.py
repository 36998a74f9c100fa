"""The Beheer form for a news item. Every message is Dutch."""
from flask_wtf.file import FileField
from wtforms import BooleanField, DateTimeLocalField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from app.audience import AudienceFields
from app.forms import PortalForm


class NewsForm(AudienceFields, PortalForm):
    title = StringField(
        "Titel",
        validators=[DataRequired("Vul een titel in."), Length(max=200, message="De titel mag maximaal 200 tekens zijn.")],
    )
    body = TextAreaField(
        "Tekst",
        validators=[DataRequired("Vul de tekst van het nieuwsbericht in."),
                    Length(max=50_000, message="De tekst is te lang (maximaal 50.000 tekens).")],
    )
    published_at = DateTimeLocalField(
        "Publicatiedatum",
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired("Vul een publicatiedatum in.")],
        invalid_value_message="Vul een geldige datum en tijd in.",
    )
    image = FileField("Afbeelding (optioneel)")
    remove_image = BooleanField("Afbeelding verwijderen")

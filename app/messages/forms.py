"""Berichten forms. Every message is Dutch; the audience is checked by app/access.py."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from app.messages.services import MAX_REPLY_LENGTH


class CheckboxListField(SelectMultipleField):
    """Checkboxes instead of a multi-select (easier on a phone and with a keyboard)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        # Which groups a user may choose is decided by access.check_audience (Dutch
        # message), not by WTForms' English "Not a valid choice".
        pass


def audience_fields(form, user, groups):
    """Fill the group choices of an audience form for this staff member."""
    form.groups.choices = [(group.id, group.label) for group in groups]
    # Only the office posts for the whole school; teachers aren't offered the option (and a
    # posted school_wide from a teacher is refused by check_audience with a Dutch message).
    form.offer_school_wide = user.is_admin


class AudienceMixin:
    school_wide = BooleanField("Hele school")
    groups = CheckboxListField("Groepen", coerce=int, default=[])

    def audience(self):
        """(school_wide, [group ids]) as chosen."""
        school_wide = bool(self.school_wide.data)
        return school_wide, list(self.groups.data or [])


class MessageForm(AudienceMixin, FlaskForm):
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


class ReplyForm(FlaskForm):
    text = TextAreaField(
        "Uw reactie",
        validators=[DataRequired("Schrijf eerst uw reactie."),
                    Length(max=MAX_REPLY_LENGTH, message=f"Uw reactie is te lang (maximaal {MAX_REPLY_LENGTH} tekens).")],
    )

"""Login, activation and password forms. Every message is Dutch."""
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from app.email_address import EmailAddress

from app.forms import PortalForm
from app.passwords import MAX_LENGTH, password_problems


class LoginForm(PortalForm):
    username = StringField(
        "Gebruikersnaam (uw e-mailadres)",
        validators=[DataRequired("Vul uw gebruikersnaam in."), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Wachtwoord",
        validators=[DataRequired("Vul uw wachtwoord in.")],
        render_kw={"autocomplete": "current-password"},
    )
    # "Ingelogd blijven": honoured for parents only (app/auth/sessions.py).
    keep = BooleanField("Ingelogd blijven")
    next = HiddenField()


class ResetRequestForm(PortalForm):
    username = EmailField(
        "Gebruikersnaam (uw e-mailadres)",
        validators=[
            DataRequired("Vul uw gebruikersnaam in."),
            EmailAddress("Vul een geldig e-mailadres in.", for_lookup=True),
            Length(max=254),
        ],
        render_kw={"autocomplete": "username"},
    )


class StrongPassword:
    """The password rule of app/passwords.py as a WTForms validator."""

    def __call__(self, form, field):
        login_name = getattr(form, "login_name_for_check", None)
        problems = password_problems(field.data or "", login_name=login_name)
        if problems:
            raise ValidationError(" ".join(problems))


class NewPasswordForm(PortalForm):
    password = PasswordField(
        "Nieuw wachtwoord",
        validators=[DataRequired("Kies een wachtwoord."), StrongPassword()],
        render_kw={"autocomplete": "new-password", "maxlength": MAX_LENGTH},
    )
    confirm = PasswordField(
        "Herhaal het nieuwe wachtwoord",
        validators=[
            DataRequired("Herhaal het nieuwe wachtwoord."),
            EqualTo("password", "De twee wachtwoorden zijn niet gelijk."),
        ],
        render_kw={"autocomplete": "new-password", "maxlength": MAX_LENGTH},
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        "Huidig wachtwoord",
        validators=[DataRequired("Vul uw huidige wachtwoord in.")],
        render_kw={"autocomplete": "current-password"},
    )

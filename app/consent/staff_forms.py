"""Forms of Beheer › Toestemming (the office's purposes). The service (app/consent/purposes.py)
checks the text again, so the CLI and the demo data follow the same rules."""
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.admin.forms import CheckboxList, length, strip
from app.consent.purposes import EXPLANATION_MAX, NAME_MAX
from app.forms import PortalForm


class PurposeForm(PortalForm):
    name = StringField("Naam van het doel", filters=[strip],
                       validators=[DataRequired("Vul de naam van het doel in."), length(NAME_MAX, "De naam")])
    explanation = TextAreaField("Uitleg voor ouders", filters=[strip],
                                validators=[Length(max=EXPLANATION_MAX,
                                                   message=f"De uitleg mag maximaal {EXPLANATION_MAX} tekens zijn.")])


class NewPurposeForm(PurposeForm):
    years = CheckboxList("Vragen in schooljaar")


class AskedYearsForm(PortalForm):
    """The checkboxes of the purposes list: one value "<purpose id>:<school year>" each."""

    asked = CheckboxList("Gevraagd in")


def year_choices(years):
    return [(year, f"Schooljaar {year}") for year in years]


def asked_choices(purpose_ids, years):
    return [(f"{purpose_id}:{year}", year) for purpose_id in purpose_ids for year in years]


def asked_by_purpose(values):
    """["3:2026-2027", ...] (already checked against the choices) → {3: ["2026-2027"], ...}."""
    asked = {}
    for value in values or []:
        purpose_id, year = value.split(":", 1)
        asked.setdefault(int(purpose_id), []).append(year)
    return asked

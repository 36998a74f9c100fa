"""The forms of Afwezigheid: a parent's report (one or more children), its change, the
staff's report form, and a parent's leave request. Every message is Dutch (PortalForm).

The forms read what was typed (dates, ids, the choice of reason); the rules (which
children, which reasons, which dates, one open report per child) are the services'
(app/absence/reports.py, leave.py), so no other caller can skip them.
"""
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Optional, ValidationError

from app.absence.reasons import reasons
from app.albums.forms import IdListField
from app.forms import PortalForm
from app.models import LEAVE_KINDS
from app.request_input import db_int

DATE_INVALID = "Vul een geldige datum in, bijvoorbeeld 12-03-2027."
PARTS = (("dag", "Hele dag"), ("ochtend", "Alleen de ochtend"), ("middag", "Vanaf de middag"))
LEAVE_EXPLANATIONS = {
    "vakantie": "Alleen als u door uw werk in geen enkele schoolvakantie op vakantie kunt: één keer per schooljaar, "
                "ten hoogste 10 schooldagen, met een verklaring van de werkgever.",
    "gewichtig": "Voor bijzondere gebeurtenissen, zoals een huwelijk, een verhuizing, ernstige ziekte of overlijden "
                 "in de familie.",
}


def _reason_id(value):
    """A reason id; anything else is "not in the list" (RadioField's Dutch message)."""
    return db_int(value)


class ReportFields(PortalForm):
    """What a report says (parents' change form; the base of the others)."""

    reason = RadioField("Reden", coerce=_reason_id, validators=[InputRequired("Kies een reden.")])
    note = TextAreaField("Toelichting", render_kw={"maxlength": 500, "rows": 3})
    start_date = DateField("Vanaf", validators=[InputRequired("Vul de eerste dag in.")],
                           invalid_value_message=DATE_INVALID)
    part = RadioField("Dagdeel van de eerste dag", choices=[SelectChoice(value, label) for value, label in PARTS],
                      default="dag", validators=[InputRequired("Kies hele dag, alleen de ochtend of vanaf de middag.")])
    end_date = DateField("Tot en met", validators=[Optional()], invalid_value_message=DATE_INVALID)
    open_ended = BooleanField("Tot nader bericht")

    def offer_reasons(self, for_staff=False, keep=None):
        """The reasons to choose from, in the office's order (keep: a report's own reason,
        also when it was switched off since)."""
        offered = reasons(for_staff=for_staff)
        if keep is not None and keep.id not in {reason.id for reason in offered}:
            offered.append(keep)
        self.reason_objects = {reason.id: reason for reason in offered}
        self.reason.choices = [SelectChoice(reason.id, reason.name) for reason in offered]
        return offered

    def validate_end_date(self, field):
        if field.data is not None and self.open_ended.data:
            raise ValidationError("Kies een laatste dag of ‘Tot nader bericht’, niet allebei.")

    @property
    def chosen_reason(self):
        return getattr(self, "reason_objects", {}).get(self.reason.data)

    @property
    def end(self):
        """The last day: None for "tot nader bericht"; an empty "Tot en met" is the first day."""
        if self.open_ended.data:
            return None
        return self.end_date.data or self.start_date.data

    def fill_from(self, report):
        """A GET of a change form: the report's values."""
        self.reason.data = report.reason_id
        self.note.data = report.note
        self.start_date.data = report.start_date
        self.part.data = report.part
        self.end_date.data = report.end_date
        self.open_ended.data = report.end_date is None


class ReportForm(ReportFields):
    """A parent's report for one or more children."""

    children = IdListField("Voor wie", message="Kies kinderen uit de lijst.")


class StaffReportEditForm(ReportFields):
    """Staff change a report: every field, geoorloofd too."""

    excused = BooleanField("Geoorloofd (telt niet mee voor het verzuim bij DUO)")

    def fill_from(self, report):
        super().fill_from(report)
        self.excused.data = report.excused


class LeaveForm(PortalForm):
    kind = RadioField("Soort verlof", choices=[SelectChoice(key, label) for key, label in LEAVE_KINDS.items()],
                      validators=[InputRequired("Kies vakantieverlof of verlof voor gewichtige omstandigheden.")])
    children = IdListField("Voor wie", message="Kies kinderen uit de lijst.")
    first_day = DateField("Eerste dag", validators=[InputRequired("Vul de eerste dag in.")],
                          invalid_value_message=DATE_INVALID)
    last_day = DateField("Laatste dag", validators=[InputRequired("Vul de laatste dag in.")],
                         invalid_value_message=DATE_INVALID)
    reason = TextAreaField("Reden van de aanvraag", render_kw={"maxlength": 2000, "rows": 4})
    statement = FileField("Verklaring (PDF, Word of een foto)")
    statement_token = HiddenField()
    checks_seen = HiddenField()  # the fingerprint of the explanations shown (app/absence/leave.py)
    confirm = BooleanField("Ik wil de aanvraag toch indienen")

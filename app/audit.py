"""Recording changes to personal data for the office's audit log (issue: Beheer), and the
field names as the log shows them."""
from app.extensions import db
from app.models import AuditEntry

# Field names in the audit log, as the office reads them.
FIELD_LABELS = {
    "first_name": "voornaam", "last_name": "achternaam", "email": "e-mailadres",
    "login_name": "inlognaam", "phone_mobile": "mobiel nummer", "phone_home": "telefoon thuis",
    "street": "straat", "house_number": "huisnummer", "postcode": "postcode", "city": "woonplaats", "country": "land",
    "photo": "foto", "birth_date": "geboortedatum", "gender": "geslacht", "group": "groep",
    "student_number": "leerlingnummer", "phone": "telefoonnummer", "left_at": "uitgeschreven op",
    "role": "rol", "read_only": "alleen lezen", "guardianship": "koppeling ouder–leerling",
    "deactivated_at": "gedeactiveerd", "account": "account", "extra_numbers": "extra nummers",
    "emergency_numbers": "noodnummers", "privacy": "privacy",
    "consent": "toestemming beeldmateriaal", "photo_tags": "markeringen op foto's", "retention": "bewaartermijn",
    "inzage": "inzage (download van eigen gegevens)",
    # Afwezigheid (subject "child": the pupil the report or request is about)
    "absence": "afwezigheid", "reason": "reden", "note": "toelichting", "start_date": "eerste dag",
    "end_date": "laatste dag", "part": "dagdeel", "excused": "geoorloofd", "leave": "verlof",
    "decision": "besluit", "statement": "verklaring",
    # Gesprekken (subject "child": the pupil the conversation is about)
    "conversation": "gesprek", "attachment": "bijlage",
}


def record_change(actor, subject_type, subject_id, action, fields=()):
    """Add an audit entry to the caller's transaction (the caller commits).

    `fields` are field *names* only, never values.
    """
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        fields=sorted(fields),
    )
    db.session.add(entry)
    return entry

"""Recording changes to personal data for the office's audit log (issue: Beheer)."""
from app.extensions import db
from app.models import AuditEntry


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

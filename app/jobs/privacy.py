"""The mail a parent gets when the school office made one of their privacy choices
stricter (app/privacy.py). Run by the worker (or inline without Redis).

A small job of its own beside app/jobs/mail.py (which renders and delivers every mail):
it renders one message and hands it to `deliver`, so it fails, retries and is logged the
way every account mail is. Like the account mails it cannot be switched off: it is about
the parent's own data, not school news.
"""
from app.extensions import db
from app.jobs import job_app_context
from app.jobs.delivery import build_message, deliver


def send_privacy_stricter(recipient_id, owner_type, owner_id, fields):
    """`fields`: [[field, old level, new level], ...] of the user (owner_type "user") or child."""
    from app.models import Child, User
    from app.privacy import CHILD_FIELDS, LEVELS, PARENT_FIELDS

    with job_app_context():
        recipient = db.session.get(User, recipient_id)
        # Never to a closed account, nor to one whose address the parent never confirmed.
        if recipient is None or not recipient.is_active or not recipient.is_activated or not recipient.email \
                or recipient.login_name.endswith("@gewist.invalid"):
            return
        child = db.session.get(Child, owner_id) if owner_type == "child" else None
        if owner_type == "child" and child is None:
            return
        labels = CHILD_FIELDS if child is not None else PARENT_FIELDS
        changes = [(labels[name], LEVELS[old], LEVELS[new]) for name, old, new in fields
                   if name in labels and old in LEVELS and new in LEVELS]
        if not changes:
            return
        name = " ".join(child.first_name.split()) if child is not None else ""  # one line in a header
        subject = (f"Privacy-instelling van {name} strenger gemaakt door de school" if child is not None
                   else "Uw privacy-instelling is strenger gemaakt door de school")
        deliver(build_message(recipient.email, subject, "privacy_stricter", user=recipient, child=child,
                              changes=changes))

"""Rendering and delivering e-mail. Runs in the worker (or inline without Redis)."""
import base64
import logging
import re
from datetime import datetime
from pathlib import Path

from flask import current_app, render_template
from flask_mail import Message

from app.extensions import db, mail
from app.jobs import job_app_context

log = logging.getLogger(__name__)


def encoded_header(text):
    """A header value as RFC 2047 encoded words (UTF-8, base64), built directly.

    The email package's own encoder tries many splits of a long non-ASCII subject and
    costs milliseconds per mail (the en dash in "… – school" is enough); a digest for
    thousands of parents notices that. It may also fold a long subject inside a word,
    which a strict mail client shows as "16: 30". Decoders ignore the space between two
    encoded words, so splitting anywhere on a character boundary is fine. Every mail's
    subject goes through here."""
    try:
        text.encode("ascii")
        return text
    except UnicodeEncodeError:
        pass
    words, current = [], ""
    for char in text:
        if len((current + char).encode()) > 45:  # 60 base64 characters: a word stays <= 75
            words.append(current)
            current = char
        else:
            current += char
    words.append(current)
    return " ".join(f"=?utf-8?b?{base64.b64encode(word.encode()).decode()}?=" for word in words)


def build_message(to, subject, template, **context):
    """A Dutch mail in plain text and HTML from email/<template>.txt and .html."""
    from app.settings import school_details

    app = current_app
    school = school_details()  # name and contact details as the office set them
    context.setdefault("school_name", school["name"])
    context.setdefault("school_contact", school)
    context.setdefault("portal_url", app.config["PORTAL_URL"])
    # Links in mails must be absolute; jobs run outside any request.
    with app.test_request_context("/", base_url=app.config["PORTAL_URL"]):
        body = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", **context)
    return Message(
        # Encoded by us, not folded by the email package (which may fold inside a word).
        subject=encoded_header(f"{subject} – {context['school_name']}"),
        recipients=[to],
        body=body,
        html=html,
        sender=app.config["MAIL_DEFAULT_SENDER"],
    )


def deliver(message, connection=None):
    """Send over SMTP, or write an .eml to the outbox when no MAIL_SERVER is set."""
    app = current_app
    if app.config.get("MAIL_SERVER"):
        if connection is not None:
            connection.send(message)
        else:
            mail.send(message)
        return
    outbox = Path(app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    slug = re.sub(r"[^a-z0-9]+", "-", message.recipients[0].lower()).strip("-")[:60]
    path = outbox / f"{stamp}-{slug}.eml"
    path.write_bytes(message.as_bytes())
    log.info("Mail to %s written to %s", message.recipients[0], path)


def send_account_mail(user_id, kind, raw_token, to=None):
    """Activation, password reset and e-mail change mails, and the security notices (a
    changed or reset password, a changed login name): sent at once, never switched off."""
    from app.models import User

    subjects = {
        "activate": "Activeer uw account voor het ouderportaal",
        "reset": "Nieuw wachtwoord kiezen",
        "email": "Bevestig uw nieuwe inlognaam",
        "password_changed": "Uw wachtwoord is gewijzigd",
        "password_reset_done": "Uw wachtwoord is opnieuw ingesteld",
        "login_changed": "Uw inlognaam is gewijzigd",
        "login_changed_by_school": "Uw inlognaam is gewijzigd",
    }
    with job_app_context():
        user = db.session.get(User, user_id)
        if user is None:
            return
        message = build_message(
            to or user.email,
            subjects[kind],
            f"account_{kind}",
            user=user,
            token=raw_token,
        )
        deliver(message)

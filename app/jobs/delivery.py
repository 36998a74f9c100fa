"""Building a mail from its templates and delivering it: over SMTP (one connection with a
timeout), or as an .eml in the outbox when no MAIL_SERVER is set. Runs in the worker (or
inline without Redis); the headers are PortalMessage's (app/jobs/message.py)."""
import logging
import re
import smtplib
import time
from datetime import datetime
from pathlib import Path

from flask import current_app, render_template
from flask_mail import Connection, email_dispatched

from app.jobs.message import PortalMessage

log = logging.getLogger(__name__)


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
    return PortalMessage(
        subject=f"{subject} – {context['school_name']}",
        recipients=[to],
        body=body,
        html=html,
        sender=app.config["MAIL_DEFAULT_SENDER"],
    )


class PortalConnection(Connection):
    """Flask-Mail's connection with a timeout (MAIL_TIMEOUT seconds): a mail server that
    accepts the connection and then says nothing must not hold a worker (or, without
    Redis, a web request) for ever."""

    def configure_host(self):
        timeout = current_app.config.get("MAIL_TIMEOUT") or 30
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, timeout=timeout)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


    def send(self, message, envelope_from=None):
        """Send one PortalMessage: its bytes are made first (a mail that cannot be written
        raises MailNotWritable before the server hears of it), the envelope is the checked
        bare addresses, and a mail with a non-ASCII local part asks for SMTPUTF8 (smtplib
        refuses with SMTPNotSupportedError when the server's EHLO does not offer it)."""
        if message.date is None:
            message.date = time.time()
        data = message.as_bytes()
        if self.host is not None:
            self.host.sendmail(message.sender, list(message.recipients), data,
                               message.mail_options, message.rcpt_options)
        email_dispatched.send(current_app._get_current_object(), message=message)


def connect():
    """An SMTP connection (use as a context manager, or call __enter__ once)."""
    return PortalConnection(current_app.extensions["mail"])


def deliver(message, connection=None):
    """Send over SMTP, or write an .eml to the outbox when no MAIL_SERVER is set.

    The bytes are made before anything is sent, so a mail that cannot be written raises
    MailNotWritable and nothing leaves."""
    app = current_app
    if app.config.get("MAIL_SERVER"):
        if connection is not None:
            connection.send(message)
        else:
            with connect() as fresh:
                fresh.send(message)
        return
    data = message.as_bytes()
    outbox = Path(app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    slug = re.sub(r"[^a-z0-9]+", "-", message.recipients[0].lower()).strip("-")[:60]
    path = outbox / f"{stamp}-{slug}.eml"
    path.write_bytes(data)
    log.info("Mail to %s written to %s", message.recipients[0], path)

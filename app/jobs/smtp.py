"""One SMTP connection for a whole send run, and what a failure from it means.

`classify` says whether a failure is permanent (a 5xx refusal, a mail that cannot be
written: the row is "failed") or temporary (4xx, a dropped or refused connection: retried
with backoff), and whether the connection can still be used; `error_text` is what staff
read under Beheer > E-mail.
"""
import smtplib

from flask import current_app

from app.jobs.delivery import connect, deliver
from app.jobs.message import MailNotWritable


class SmtpSession:
    """One SMTP connection for the whole run (re-opened once if the server drops it)."""

    def __init__(self):
        self.connection = None

    def send(self, message):
        if not current_app.config.get("MAIL_SERVER"):
            deliver(message)  # development: .eml files in the outbox
            return
        if self.connection is None:
            connection = connect()
            connection.__enter__()
            self.connection = connection
        deliver(message, connection=self.connection)

    def drop(self):
        if self.connection is not None and self.connection.host is not None:
            try:
                self.connection.host.close()
            except Exception:  # noqa: BLE001
                pass
        self.connection = None

    def close(self):
        if self.connection is not None:
            try:
                self.connection.__exit__(None, None, None)
            except Exception:  # noqa: BLE001
                self.drop()
        self.connection = None


def classify(exc):
    """(permanent, connection still usable) for an exception from sending."""
    if isinstance(exc, (MailNotWritable, UnicodeError)):
        return True, True  # nothing was sent; the same mail cannot be written later either
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return True, True  # e.g. SMTPUTF8 asked for and not offered: refused before MAIL FROM
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes), True
    if isinstance(exc, (smtplib.SMTPConnectError, smtplib.SMTPHeloError, smtplib.SMTPAuthenticationError)):
        return False, False
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600, exc.smtp_code != 421
    return False, False  # disconnected, refused connection, timeouts: try again later


def error_text(exc):
    if isinstance(exc, MailNotWritable):
        return str(exc)[:500]
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return ("De mailserver biedt geen SMTPUTF8: een e-mailadres met letters als é of ü vóór de @ "
                f"kan zij niet afleveren ({exc}).")[:500]
    if isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.smtp_code} {message}"[:500]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
                         for code, msg in exc.recipients.values())[:500]
    return f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__

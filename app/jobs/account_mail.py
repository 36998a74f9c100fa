"""Account mails (activation, password reset, e-mail change and the security notices):
sent at once, never switched off, every one recorded in the delivery ledger.

Two steps, so that no mail depends on its enqueue (app/jobs/__init__.py):

1. `record_account_mail`, in the service's own transaction (before its commit): the
   mail's ledger row, "pending", due only after MAIL_JOB_GRACE seconds. Committed with
   the account change it is about, or not at all.
2. `send_recorded`, after the commit: one job per mail (`send_account_mail`) carrying the
   raw token of the link (only its hash is stored). The job claims its row (pending ->
   sending, one UPDATE: only one sender can win it) and sends it with that link.

When Redis does not answer, `send_recorded` makes the rows due at once; the worker's
minute tick (the send run, app/jobs/notifications) then sends them as soon as it runs
again, through `build_account`, with a fresh link (the first one's raw token is gone).
The grace keeps the tick from taking a row whose job is merely waiting in the queue; if it
takes one anyway (a busy worker), the job finds the row claimed and sends nothing, and a
job whose link was closed meanwhile issues a fresh one: exactly one mail, with a working
link, either way.
"""
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.jobs import enqueue, job_app_context
from app.jobs import ledger
from app.jobs.delivery import build_message, deliver
from app.jobs.smtp import classify, error_text
from app.models import NotificationDelivery, User, utcnow

log = logging.getLogger(__name__)

# The ledger kind of an account mail is "account:<kind>" (NotificationDelivery.kind).
ACCOUNT_PREFIX = "account:"


@dataclass(frozen=True)
class AccountMail:
    """A mail about the account itself: sent at once, cannot be switched off."""

    subject: str
    template: str          # email/<template>.txt and .html
    label: str             # what Beheer > E-mail calls it
    token: str | None = None  # the AccountToken purpose of its link; a retry issues a fresh one


ACCOUNT_MAILS = {
    "activate": AccountMail("Activeer uw account voor het ouderportaal", "account_activate", "Activatiemail",
                            token="activate"),
    "reset": AccountMail("Nieuw wachtwoord kiezen", "account_reset", "Nieuw wachtwoord kiezen", token="reset"),
    "email": AccountMail("Bevestig uw nieuwe inlognaam", "account_email", "Bevestiging nieuwe inlognaam",
                         token="email"),
    # Security notices: what to do if it was not them. A changed login name is told to the
    # old and the new address (the caller records one mail per address).
    "password_changed": AccountMail("Uw wachtwoord is gewijzigd", "account_password_changed",
                                    "Wachtwoord gewijzigd"),
    "password_reset_done": AccountMail("Uw wachtwoord is opnieuw ingesteld", "account_password_reset_done",
                                       "Wachtwoord opnieuw ingesteld"),
    "login_changed": AccountMail("Uw inlognaam is gewijzigd", "account_login_changed", "Inlognaam gewijzigd"),
    "login_changed_by_school": AccountMail("Uw inlognaam is gewijzigd", "account_login_changed_by_school",
                                           "Inlognaam gewijzigd door de school"),
}


def account_message(user, kind, raw_token, to=None):
    """The Message of an account mail (to `to`, or the account's contact address)."""
    spec = ACCOUNT_MAILS[kind]
    address = to or user.email
    return build_message(address, spec.subject, spec.template, user=user, token=raw_token)


def account_kind(kind):
    """The ledger kind of an account mail ("account:activate")."""
    return ACCOUNT_PREFIX + kind


# --- 1. the record, in the caller's transaction -------------------------------------------------

@dataclass(frozen=True)
class RecordedMail:
    """A recorded account mail waiting for its job: its ledger row's (kind, key) and the
    link's raw token (None for a notice without a link), only in memory and in the job's
    arguments."""

    kind: str
    key: str
    raw_token: str | None = None


def record_account_mail(user_id, kind, raw_token=None, to=None):
    """Add the ledger row of one account mail to the caller's transaction; hand the result
    to `send_recorded` after the commit.

    Older unsent rows it replaces are skipped: of a mail with a link, every older one of
    the same kind (its link no longer works once this one is issued); of a notice, the
    older one to the same address. `to`: the address when it is not the account's own.

    Nothing is flushed here: a unique constraint of the caller's own change (a login name
    taken meanwhile) still fails at the caller's commit, where it is handled."""
    spec = ACCOUNT_MAILS.get(kind)
    if spec is None:
        raise ValueError(f"unknown account mail: {kind}")
    now = utcnow()
    older = [NotificationDelivery.recipient_id == user_id, NotificationDelivery.kind == account_kind(kind),
             NotificationDelivery.state.in_(("pending", "failed"))]
    if not spec.token:
        older.append(NotificationDelivery.address.is_(None) if to is None else NotificationDelivery.address == to)
    with db.session.no_autoflush:
        db.session.execute(
            update(NotificationDelivery).where(*older)
            .values(state="skipped", last_error="Vervangen door een nieuwere e-mail.", next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )
    key = f"mail:{uuid.uuid4().hex}"
    db.session.add(NotificationDelivery(
        recipient_id=user_id, kind=account_kind(kind), key=key, address=to, state="pending", attempts=0,
        created_at=now, next_attempt_at=now + timedelta(seconds=int(current_app.config["MAIL_JOB_GRACE"])),
    ))
    return RecordedMail(account_kind(kind), key, raw_token)


# --- 2. the job, after the commit ----------------------------------------------------------------

def send_recorded(*mails):
    """After the commit: a job per recorded mail. Those that could not be queued are made
    due at once, for the minute tick (the module docstring)."""
    missed = [mail for mail in mails
              if mail is not None and not enqueue(send_account_mail, mail.kind, mail.key, mail.raw_token)]
    if not missed:
        return
    try:
        db.session.execute(
            update(NotificationDelivery)
            .where(NotificationDelivery.kind.in_({mail.kind for mail in missed}),
                   NotificationDelivery.key.in_([mail.key for mail in missed]),
                   NotificationDelivery.state == "pending")
            .values(next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except Exception:  # noqa: BLE001  (then they are due when the grace is over)
        log.exception("account mail: could not make %s mail(s) due for the minute tick", len(missed))
        db.session.rollback()


def send_account_mail(kind, key, raw_token=None):
    """The job: send one recorded account mail, if nobody else has (see the module
    docstring). Never raises: a failure is recorded in the ledger, retried with backoff and
    shown under Beheer > E-mail, and never fails the request (inline, without Redis) or
    stops the other mails of the same action (an import). Returns the row's state (None:
    nothing to do)."""
    with job_app_context():
        try:
            return _send_row(kind, key, raw_token)
        except Exception:  # noqa: BLE001  (recorded where possible; never the caller's failure)
            log.exception("account mail %s (%s) failed", kind, key)
            db.session.rollback()
            return None


def _claim(kind, key, token):
    """pending -> sending under our token: the row's id for the one sender that wins it."""
    row_id = db.session.scalar(select(NotificationDelivery.id).where(
        NotificationDelivery.kind == kind, NotificationDelivery.key == key, NotificationDelivery.state == "pending"))
    if row_id is None:
        return None
    won = db.session.execute(
        update(NotificationDelivery)
        .where(NotificationDelivery.id == row_id, NotificationDelivery.state == "pending")
        .values(state="sending", claim_token=token, claimed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    return row_id if won else None


def _message(row, user, raw_token):
    """(Message, None), or (None, why not): with the recorded link while it still works,
    else as a retry would, with a fresh one (`build_account`)."""
    kind = row.kind[len(ACCOUNT_PREFIX):]
    spec = ACCOUNT_MAILS.get(kind)
    if spec is not None and spec.token:
        from app.auth.tokens import check_token

        if raw_token is None or check_token(raw_token, spec.token)[1] != "ok":
            return build_account(row, user)
    if spec is None:
        return None, "Onbekende soort accountmail."
    return account_message(user, kind, raw_token, row.address), None


def _send_row(kind, key, raw_token):
    token = ledger.new_token()
    ledger.active_tokens.add(token)
    try:
        delivery_id = ledger.transaction(_claim, kind, key, token)
        if delivery_id is None:
            return None  # sent, being sent, or replaced: by the tick or an earlier run of this job
        row = db.session.get(NotificationDelivery, delivery_id)
        user = db.session.get(User, row.recipient_id)
        try:
            message, reason = (None, "Account gedeactiveerd of verwijderd.") if user.deactivated_at is not None \
                else _message(row, user, raw_token)
            if message is None:
                ledger.finish(delivery_id, token, state="skipped", last_error=reason)
                return "skipped"
            deliver(message)
        except Exception as exc:  # noqa: BLE001  (every failure is recorded, none is raised)
            log.warning("account mail (delivery %s) not sent: %s", delivery_id, error_text(exc))
            db.session.rollback()
            permanent, _ = classify(exc)
            state = ledger.finish_failure(delivery_id, token, 1, error_text(exc), permanent, ledger.retry_delays())
            if state == "pending":
                try:
                    ledger.schedule_retry()
                except Exception:  # noqa: BLE001  (the minute tick picks it up anyway)
                    log.exception("account mail: could not schedule the retry")
            return state
        ledger.finish_sent(delivery_id, token, attempts=1)
        return "sent"
    finally:
        ledger.active_tokens.discard(token)


# --- a retry: the same mail with a fresh link -------------------------------------------------

TOKEN_HOURS = {"activate": "ACTIVATION_TOKEN_HOURS", "reset": "RESET_TOKEN_HOURS", "email": "EMAIL_CHANGE_TOKEN_HOURS"}


def _reissue(user, purpose, address):
    """A fresh link for a retried account mail: (raw token, None) or (None, why not).

    The first mail's raw token was never stored (only its hash is), so a retry cannot send
    it again; the open links of that purpose are closed and a new one is issued, as
    "opnieuw versturen" does for an activation."""
    from app.auth import tokens as auth

    if purpose == "activate" and user.is_activated:
        return None, "Het account is inmiddels geactiveerd."
    if purpose == "reset" and not user.is_activated:
        return None, "Het account is nog niet geactiveerd."
    if purpose == "email":
        if not address:
            return None, "Geen nieuw e-mailadres bekend."
        if auth.normalise_login(address) == user.login_name:
            return None, "De inlognaam is al gewijzigd."
        if auth.login_name_taken(address, exclude_user_id=user.id):
            return None, "Dit e-mailadres is inmiddels de inlognaam van een ander account."
    auth._expire_open_tokens(user, purpose)
    raw = auth.issue_token(user, purpose, current_app.config[TOKEN_HOURS[purpose]],
                           new_email=address if purpose == "email" else None)
    db.session.commit()
    return raw, None


def build_account(row, user):
    """The Message of a ledger row of an account mail, or (None, why not)."""
    kind = row.kind[len(ACCOUNT_PREFIX):]
    spec = ACCOUNT_MAILS.get(kind)
    if spec is None:
        return None, "Onbekende soort accountmail."
    raw = None
    if spec.token:
        raw, reason = _reissue(user, spec.token, row.address)
        if raw is None:
            return None, reason
    return account_message(user, kind, raw, row.address), None

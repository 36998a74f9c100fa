"""Account mails (activation, password reset, e-mail change and the security notices):
sent at once, never switched off, every one recorded in the delivery ledger.

`send_account_mail` is the job the services enqueue after their commit; `send_direct`
opens the mail's ledger row and sends it; a mail that could not go is retried by the
send run (app/jobs/notifications) through `build_account`, with a fresh link.
"""
import logging
import uuid
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.jobs import job_app_context
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
    # old and the new address (the caller enqueues one mail per address).
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


def send_account_mail(user_id, kind, raw_token, to=None):
    """Activation, password reset and e-mail change mails (and the other ACCOUNT_MAILS):
    sent at once, never switched off.

    Enqueued after the commit (`enqueue(send_account_mail, user.id, kind, raw, to=...)`).
    Every mail gets a row in the delivery ledger, so one that cannot be written or sent is
    recorded, retried with backoff and shown under Beheer > E-mail; this function never
    raises, so a failing mail never fails the request (inline, without Redis) or stops the
    other mails of the same action (an import). The raw token is only in this call (and in
    RQ's job while it waits); a retry issues a fresh link (`build_account`)."""
    with job_app_context():
        try:
            return send_direct(user_id, kind, raw_token, to)
        except Exception:  # noqa: BLE001  (recorded where possible; never the caller's failure)
            log.exception("account mail %s for user %s failed", kind, user_id)
            db.session.rollback()
            return None


def _open_direct_row(user_id, kind, address, token):
    """A ledger row for one account mail, claimed by us ("sending"); None when this job
    already has one (RQ ran it again after a worker died: the ledger sends that row, not
    us). Older unsent rows of the same kind for the same account are superseded: the new
    mail carries the link that works."""
    from rq import get_current_job

    job = get_current_job()
    key = f"job:{job.id}" if job is not None else f"mail:{uuid.uuid4().hex}"
    now = utcnow()
    inserted = db.session.execute(
        ledger.insert(NotificationDelivery)
        .values(recipient_id=user_id, kind=account_kind(kind), key=key, address=address, state="sending",
                attempts=0, claim_token=token, claimed_at=now, created_at=now)
        .on_conflict_do_nothing(index_elements=["recipient_id", "kind", "key"])
        .execution_options(preserve_rowcount=True)
    ).rowcount
    if not inserted:
        return None
    row_id = db.session.scalar(select(NotificationDelivery.id).where(
        NotificationDelivery.recipient_id == user_id, NotificationDelivery.kind == account_kind(kind),
        NotificationDelivery.key == key))
    db.session.execute(
        update(NotificationDelivery)
        .where(NotificationDelivery.recipient_id == user_id, NotificationDelivery.kind == account_kind(kind),
               NotificationDelivery.state.in_(("pending", "failed")), NotificationDelivery.id != row_id)
        .values(state="skipped", last_error="Vervangen door een nieuwere e-mail.", next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    return row_id


def send_direct(user_id, kind, raw_token, to=None):
    """Send one account mail now, recording it in the ledger: sent; or, when it cannot be
    written or sent, failed (permanent: a refused address, a mail that cannot be written)
    or pending with backoff (the server is away), for the send run to retry with a fresh
    link. Returns the row's state (None: nothing to do)."""
    if kind not in ACCOUNT_MAILS:
        raise ValueError(f"unknown account mail: {kind}")
    user = db.session.get(User, user_id)
    if user is None:
        return None
    token = ledger.new_token()
    ledger.active_tokens.add(token)
    try:
        row_id = ledger.transaction(_open_direct_row, user.id, kind, to, token)
        if row_id is None:
            return None
        try:
            deliver(account_message(user, kind, raw_token, to))
        except Exception as exc:  # noqa: BLE001  (every failure is recorded, none is raised)
            log.warning("account mail %s (delivery %s) not sent: %s", kind, row_id, error_text(exc))
            db.session.rollback()
            permanent, _ = classify(exc)
            state = ledger.finish_failure(row_id, token, 1, error_text(exc), permanent, ledger.retry_delays())
            if state == "pending":
                try:
                    ledger.schedule_retry()
                except Exception:  # noqa: BLE001  (the minute tick picks it up anyway)
                    log.exception("account mail: could not schedule the retry")
            return state
        ledger.finish_sent(row_id, token, attempts=1)
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

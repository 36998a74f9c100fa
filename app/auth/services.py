"""Account logic: logging in, link tokens, activation, reset and password change.

Each function owns its transaction. A mail is recorded in that transaction (its ledger
row, app/jobs/account_mail.py) and its job enqueued after the commit.
"""
from flask import current_app
from sqlalchemy import select

from app.auth import sessions
from app.auth.tokens import (  # noqa: F401  (the account functions' names, as before)
    TOKEN_MESSAGES, _consume, _expire_open_tokens, check_token, issue_token, login_name_taken, normalise_login,
)
from app.extensions import db
from app.jobs import enqueue, job_app_context
from app.jobs.mail import record_account_mail, send_recorded
from app.models import Role, User, utcnow
from app.passwords import check_password, dummy_hash, hash_password


def find_user_by_login(login_name):
    return db.session.scalar(select(User).where(User.login_name == normalise_login(login_name)))


def authenticate(login_name, password):
    """The user for these credentials, or None. Same cost whether or not the name exists."""
    user = find_user_by_login(login_name)
    if user is None or not user.password_hash:
        check_password(password, dummy_hash(current_app.config["BCRYPT_ROUNDS"]))
        return None
    if not check_password(password, user.password_hash):
        return None
    if not user.is_active or not user.is_activated:
        return None
    return user


# --- accounts ----------------------------------------------------------------------------

def new_account(login_name, first_name, last_name, role=Role.PARENT, email=None, send_activation=True, **fields):
    """A new account without a password, in the caller's transaction: the one way an account
    is made (Beheer's form one at a time, the CSV import many in one transaction).

    `fields` are further User columns (phone, address). With send_activation an activation
    token is issued and its mail recorded; returns (user, RecordedMail or None). After the
    commit the caller calls mail_activation(mail): its owner chooses a password through it.
    """
    user = User(
        login_name=normalise_login(login_name),
        email=(email or login_name).strip(),
        first_name=first_name,
        last_name=last_name,
        role=role,
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    if not send_activation:
        return user, None
    raw = issue_token(user, "activate", current_app.config["ACTIVATION_TOKEN_HOURS"])
    return user, record_account_mail(user.id, "activate", raw)


def mail_activation(*mails):
    """After commit: the recorded activation mails go out through the queue (never inside a
    request), or with the minute tick when the queue does not answer."""
    send_recorded(*mails)


def send_activation(user):
    """(Re)send the activation mail; earlier links stop working."""
    _expire_open_tokens(user, "activate")
    raw = issue_token(user, "activate", current_app.config["ACTIVATION_TOKEN_HOURS"])
    mail = record_account_mail(user.id, "activate", raw)
    db.session.commit()
    mail_activation(mail)


def set_password(user, password, keep_session=None):
    """Store a new password; every session but `keep_session` (a login session id) and
    every open reset link end. In the caller's transaction."""
    user.password_hash = hash_password(password)
    sessions.end_all(user, keep=keep_session)
    _expire_open_tokens(user, "reset")


def activate(token, password):
    """Use an activation token: (user, status). status as in check_token, or 'activated'."""
    if token.user.is_activated:
        return token.user, "activated"
    if not _consume(token):
        return token.user, "used"
    user = token.user
    set_password(user, password)
    user.activated_at = utcnow()
    db.session.commit()
    return user, "ok"


def request_password_reset(login_name):
    """The request's part of "Wachtwoord vergeten": one job with the name as typed, and
    nothing else — no lookup, no write — so the answer is the same work, and takes the same
    time, whether or not the account exists (no account enumeration, also not by timing).
    Without REDIS_URL (make run) the job runs inline and that no longer holds.

    When Redis does not answer, the job's first half runs here instead (the lookup, the
    link, its ledger row; no SMTP): the mail then goes with the minute tick. Only during
    such an outage is the answer's time a few queries longer for an existing account."""
    login_name = normalise_login(login_name)[:254]
    if not enqueue(send_password_reset, login_name):
        send_password_reset(login_name)


def send_password_reset(login_name):
    """The job: a reset link when the account exists and may log in; otherwise nothing."""
    with job_app_context():
        user = find_user_by_login(login_name)
        if user is None or not user.is_active or not user.is_activated:
            return
        _expire_open_tokens(user, "reset")
        raw = issue_token(user, "reset", current_app.config["RESET_TOKEN_HOURS"])
        mail = record_account_mail(user.id, "reset", raw)
        db.session.commit()
        send_recorded(mail)


def reset_password(token, password):
    """Use a reset link: the new password, every session ends, and a notice by mail."""
    if not _consume(token):
        return None
    user = token.user
    set_password(user, password)
    mail = record_account_mail(user.id, "password_reset_done")
    db.session.commit()
    send_recorded(mail)
    return user


def change_password(user, current, new, keep_session=None):
    """True when the current password was right and the new one is stored; the other
    sessions end (this one, `keep_session`, stays) and a notice goes by mail."""
    if not check_password(current, user.password_hash):
        return False
    set_password(user, new, keep_session=keep_session)
    mail = record_account_mail(user.id, "password_changed")
    db.session.commit()
    send_recorded(mail)
    return True

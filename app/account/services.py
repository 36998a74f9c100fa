"""Mijn account: a user's notification choices and moving the login name to a new address.
Each function owns its transaction and records changes of personal data in the audit log
(field names only). Personal data, photo and extra numbers: app/people/services.py."""
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import record_change
from app.auth import tokens
from app.extensions import db
from app.jobs.mail import record_account_mail, send_recorded
from app.models import AccountToken, utcnow
from app.notifications.services import preferences_for, set_preference


# --- notifications ------------------------------------------------------------------------

def save_notifications(user, enabled_kinds):
    """Switch every notification type on or off: on when in `enabled_kinds`."""
    current = preferences_for(user)
    for kind, was_on in current.items():
        if (kind in enabled_kinds) != was_on:
            set_preference(user, kind, kind in enabled_kinds)
    db.session.commit()
    return preferences_for(user)


# --- moving the login name to the contact address ------------------------------------------

LOGIN_NAME_UNAVAILABLE = ("Dit e-mailadres kan niet als inlognaam worden gebruikt. "
                          "Neem contact op met de school als u denkt dat dit niet klopt.")


def pending_login_change(user):
    """The open (unused, unexpired) request to move the login name, if any."""
    return db.session.scalar(
        select(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == "email",
               AccountToken.used_at.is_(None), AccountToken.expires_at > utcnow())
        .order_by(AccountToken.id.desc())
    )


def request_login_change(user):
    """Send a confirmation link to the contact address; returns a Dutch error or None."""
    from app.email_address import AddressError, normalise_address

    try:  # an address stored before the address rule (app/email_address.py) may not be mailable
        new_login = tokens.normalise_login(normalise_address(user.email))
    except AddressError as exc:
        return exc.message
    if new_login == user.login_name:
        return "Uw inlognaam is al gelijk aan uw e-mailadres."
    if tokens.login_name_taken(new_login, exclude_user_id=user.id):
        return LOGIN_NAME_UNAVAILABLE
    tokens._expire_open_tokens(user, "email")
    raw = tokens.issue_token(user, "email", current_app.config["EMAIL_CHANGE_TOKEN_HOURS"],
                                    new_email=new_login)
    mail = record_account_mail(user.id, "email", raw, to=new_login)
    db.session.commit()
    send_recorded(mail)
    return None


def confirm_login_change(token):
    """Use a confirmation token: returns (user, error). The login name moves on success."""
    user = token.user
    new_login = tokens.normalise_login(token.new_email)
    old_login = user.login_name
    if tokens.login_name_taken(new_login, exclude_user_id=user.id):
        return user, LOGIN_NAME_UNAVAILABLE
    if not tokens._consume(token):
        return user, "Deze link is al gebruikt."
    user.login_name = new_login
    record_change(user, "user", user.id, "inlognaam", ["login_name"])
    # A notice at both addresses: the old one too, in case this was not the owner.
    mails = [record_account_mail(user.id, "login_changed", to=address) for address in (old_login, new_login)]
    try:
        db.session.commit()
    except IntegrityError:  # taken at the same moment by someone else: the database decides
        db.session.rollback()
        return user, LOGIN_NAME_UNAVAILABLE
    send_recorded(*mails)
    return user, None

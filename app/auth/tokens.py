"""Login names and single-use link tokens (activation, password reset, e-mail change).

Below the account services and the account mails alike: a retried account mail issues a
fresh link here, while the account services enqueue those mails.
"""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import AccountToken, User, utcnow


def normalise_login(value):
    """A login name as stored and looked up: trimmed, lower case, the domain as IDNA A-label
    (app/email_address.py), so either form of an international domain finds the account."""
    from app.email_address import login_key

    return login_key(value)



def login_name_taken(login_name, exclude_user_id=None):
    query = select(func.count()).select_from(User).where(User.login_name == normalise_login(login_name))
    if exclude_user_id:
        query = query.where(User.id != exclude_user_id)
    return db.session.scalar(query) > 0


# --- tokens --------------------------------------------------------------------------

def _digest(raw):
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(user, purpose, hours, new_email=None):
    """Create a single-use link token; returns the raw value for the mail (not stored)."""
    raw = secrets.token_urlsafe(32)
    db.session.add(AccountToken(
        user=user,
        purpose=purpose,
        token_hash=_digest(raw),
        new_email=new_email,
        expires_at=utcnow() + timedelta(hours=hours),
    ))
    return raw


# What a link page says for each status of check_token but "ok".
TOKEN_MESSAGES = {
    "invalid": "Deze link is ongeldig. Controleer of u de volledige link uit de e-mail heeft gebruikt.",
    "expired": "Deze link is verlopen. Vraag een nieuwe link aan of neem contact op met de school.",
    "used": "Deze link is al gebruikt. Vraag zo nodig een nieuwe link aan.",
}


def check_token(raw, purpose):
    """(token, status): status is ok, used, expired or invalid (unknown or altered)."""
    if not raw or len(raw) > 200:
        return None, "invalid"
    token = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == _digest(raw), AccountToken.purpose == purpose)
    )
    if token is None:
        return None, "invalid"
    if token.used_at is not None:
        return token, "used"
    if token.expires_at < utcnow():
        return token, "expired"
    return token, "ok"


def _consume(token):
    """Mark used in one UPDATE guarded on used_at, so two clicks cannot both use it."""
    result = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    return result.rowcount == 1


def _expire_open_tokens(user, purpose):
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )

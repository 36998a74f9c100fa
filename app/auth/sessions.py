"""Login sessions: one server-side record per login, so one can end without the others.

The browser's (signed, not encrypted) session cookie holds `<user id>:<secret>` as
Flask-Login's id; the `login_sessions` table keeps only the secret's SHA-256, with a short
device label ("Chrome op Windows"), when it started and when it was last seen. A request
is logged in only while its record exists, it has not been idle for SESSION_IDLE_MINUTES
and it is younger than SESSION_MAX_HOURS (activity does not extend that). So:

- logging out deletes this session's record: a copy of the cookie stops working too;
- Mijn account › Apparaten lists the records and ends one, or all;
- a password change ends the others, a reset, a deactivation and erasure (CASCADE) all.

"Last seen" is bookkeeping, not content: it is written at most every few minutes per
session (not on every request), in its own short transaction outside the ORM session, so
the request's own transaction stays a read (app/extensions.py ends it with a COMMIT that
keeps the connection's prepared statements).

"Ingelogd blijven" is a flag on the same record (`kept`, parents only): such a session
lives SESSION_KEEP_DAYS from the login (activity does not extend it either), with no idle
limit, and only its cookie is permanent (it outlives closing the browser). Everything that
ends sessions ends kept ones alike: logging out, the list, "Uitloggen op alle apparaten",
a password change or reset, a deactivation. Staff are never kept: they reach many
families' data, often from a shared school computer, and a school day fits in one login.
"""
import hashlib
import logging
import re
import secrets
from datetime import timedelta

from flask import current_app, g, request, session
from flask_login import login_user, logout_user
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.attributes import set_committed_value

from app import clock
from app.extensions import db
from app.models import LoginSession, User

log = logging.getLogger(__name__)

# Why a session ended by itself: the login page says it, and so does the message of an
# inline (htmx) action that came too late (app/auth/expired.py).
ENDED_REASONS = {
    "idle": "U bent automatisch uitgelogd omdat u een tijd niets in het portaal heeft gedaan.",
    "max": "U bent voor uw veiligheid automatisch uitgelogd, omdat u al lang was ingelogd.",
    "kept": "U bent automatisch uitgelogd: de tijd dat u ingelogd bleef, is voorbij.",
}
ENDED_MESSAGES = {reason: f"{text} Log opnieuw in." for reason, text in ENDED_REASONS.items()}


def now():
    """Now as naive UTC (as stored), from the portal's one clock (app/clock.py)."""
    return clock.utcnow()


def _digest(secret):
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def idle_limit():
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def max_lifetime():
    return timedelta(hours=current_app.config["SESSION_MAX_HOURS"])


def keep_lifetime():
    return timedelta(days=current_app.config["SESSION_KEEP_DAYS"])


def may_keep(user):
    """Only parents may stay logged in (see the module's docstring)."""
    return user.is_parent


def seen_every():
    """How stale "last seen" may get: 5 minutes, or less for a short idle limit. So the idle
    limit is kept to within this much (plus the page cache's minute)."""
    return min(timedelta(minutes=5), idle_limit() / 4)


def ended_reason(record, at=None):
    """None while the session lives; "idle", "max" or "kept" once it has ended by itself."""
    at = at or now()
    if record.kept:
        return "kept" if at >= record.created_at + keep_lifetime() else None
    if at >= record.created_at + max_lifetime():
        return "max"
    if at >= record.last_seen_at + idle_limit():
        return "idle"
    return None


def ends_at(record):
    """The moment this session ends if nothing more happens (naive UTC)."""
    if record.kept:
        return record.created_at + keep_lifetime()
    return min(record.created_at + max_lifetime(), record.last_seen_at + idle_limit())


def _ended_clause(at):
    ordinary = or_(LoginSession.created_at <= at - max_lifetime(), LoginSession.last_seen_at <= at - idle_limit())
    return or_(and_(LoginSession.kept.is_(False), ordinary),
               and_(LoginSession.kept.is_(True), LoginSession.created_at <= at - keep_lifetime()))


# --- starting and loading ------------------------------------------------------------------

def start(user, keep=False):
    """Log `user` in on this browser: a fresh cookie (no fixation) and a new record; the
    user's own sessions that ended by themselves are cleared away. `keep`: "Ingelogd
    blijven", honoured for a parent only (the record says whether it was). Commits."""
    at = now()
    user_id = user.id
    kept = bool(keep) and may_keep(user)
    secret = secrets.token_urlsafe(32)
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user_id, _ended_clause(at)))
    record = LoginSession(user_id=user_id, token_hash=_digest(secret),
                          device=device_label(request.headers.get("User-Agent", "")),
                          created_at=at, last_seen_at=at, kept=kept)
    db.session.add(record)
    user.last_login_at = at
    db.session.commit()
    session.clear()
    # Kept: a cookie with an expiry (PERMANENT_SESSION_LIFETIME), else one that ends with
    # the browser. The record decides either way.
    session.permanent = kept
    user.login_session_cookie = f"{user_id}:{secret}"
    login_user(user)
    g.login_session = record
    return record


def _cookie_parts(cookie_id):
    user_pk, _, secret = (cookie_id or "").partition(":")
    if not user_pk.isdigit() or not secret or len(secret) > 100:
        return None, None
    return int(user_pk), secret


def load(cookie_id):
    """Flask-Login's user loader: the user of a living session, or None."""
    user_pk, secret = _cookie_parts(cookie_id)
    if user_pk is None:
        return None
    row = db.session.execute(
        select(User, LoginSession).join(LoginSession, LoginSession.user_id == User.id)
        .where(User.id == user_pk, LoginSession.token_hash == _digest(secret))
    ).first()
    if row is None:  # logged out (here or elsewhere), ended from the list, or made up
        _forget_cookie()
        return None
    user, record = row
    if not user.is_active:
        return None
    at = now()
    reason = ended_reason(record, at)
    if reason:
        g.login_session_ended = reason
        _bookkeeping(delete(LoginSession).where(LoginSession.id == record.id))
        _forget_cookie()
        return None
    if at - record.last_seen_at >= seen_every() and _bookkeeping(
            update(LoginSession).where(LoginSession.id == record.id).values(last_seen_at=at)):
        set_committed_value(record, "last_seen_at", at)
    user.login_session_cookie = cookie_id
    g.login_session = record
    return user


def _forget_cookie():
    for key in ("_user_id", "_fresh", "_id"):
        session.pop(key, None)


def _bookkeeping(statement):
    """Run one small write in its own transaction, outside the request's ORM session (whose
    transaction stays a read)."""
    if db.session.info.get("uncommitted_write"):
        # This request already wrote and has not committed; on SQLite that transaction holds
        # the write lock, and a second connection would wait for it. Next request, then.
        return False
    try:
        with db.engine.begin() as connection:
            connection.execute(statement)
    except SQLAlchemyError as exc:
        log.warning("login sessions: bookkeeping write failed (%s)", exc.__class__.__name__)
        return False
    return True


def current():
    """This request's login session record, or None."""
    return g.get("login_session")


# --- ending --------------------------------------------------------------------------------

def end_current():
    """Log out here: this session's record goes (a copied cookie stops working). Commits."""
    _, secret = _cookie_parts(session.get("_user_id"))
    if secret:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(secret)))
        db.session.commit()
    logout_user()
    session.clear()


def end_one(user, session_id):
    """End one of the user's own sessions; False when it is not theirs (or gone). Commits."""
    result = db.session.execute(
        delete(LoginSession).where(LoginSession.id == session_id, LoginSession.user_id == user.id))
    db.session.commit()
    return result.rowcount == 1


def end_all(user, keep=None):
    """End every session of the user (but `keep`, a record id) in the caller's transaction."""
    statement = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep is not None:
        statement = statement.where(LoginSession.id != keep)
    db.session.execute(statement)


def end_everywhere(user):
    """"Uitloggen op alle apparaten": every session of the user ends, this one too. Commits."""
    end_all(user)
    db.session.commit()
    logout_user()
    session.clear()


def active_for(user):
    """The user's living sessions, the most recently seen first."""
    at = now()
    return db.session.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id, ~_ended_clause(at))
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    ).all()


def clean():
    """Delete every record of a session that ended by itself; returns how many. (Ended by
    logging out or from the list: deleted at once. A user's own are also cleared at login.)"""
    result = db.session.execute(delete(LoginSession).where(_ended_clause(now())))
    db.session.commit()
    return result.rowcount


# --- the device label ------------------------------------------------------------------------

# Order matters: Edge, Opera and Samsung Internet also say "Chrome", Chrome also says "Safari".
_BROWSERS = [
    (r"Edg(e|A|iOS)?/", "Edge"), (r"OPR/|Opera", "Opera"), (r"SamsungBrowser/", "Samsung Internet"),
    (r"Firefox/|FxiOS/", "Firefox"), (r"CriOS/|Chrome/|Chromium/", "Chrome"), (r"Safari/", "Safari"),
]
_SYSTEMS = [
    (r"iPhone|iPod", "iPhone"), (r"iPad", "iPad"), (r"Android", "Android"), (r"Windows", "Windows"),
    (r"CrOS", "ChromeOS"), (r"Macintosh|Mac OS X", "Mac"), (r"Linux|X11", "Linux"),
]


def device_label(user_agent):
    """A short Dutch label for a User-Agent: "Chrome op Windows", "Safari op iPhone"."""
    user_agent = (user_agent or "")[:500]
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, user_agent)), None)
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, user_agent)), None)
    if browser and system:
        return f"{browser} op {system}"
    if browser or system:
        return f"{browser} (onbekend systeem)" if browser else f"Browser op {system}"
    return "Onbekende browser"

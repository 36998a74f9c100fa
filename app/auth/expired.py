"""What an inline (htmx) action gets when it comes too late: the session has ended, or the
page's CSRF token is stale. A short Dutch message with a way on (log in again, or reload),
shown where the action was (app/htmx.py problem(), static/js/portal.js). The login link
returns to the page the action was on, not to the action's (POST-only) address."""
from flask import g, url_for
from flask_login import current_user

from app.auth import sessions
from app.htmx import problem, source_page

NOT_LOGGED_IN = ("U bent niet meer ingelogd, bijvoorbeeld omdat u in een ander tabblad of op een ander "
                 "apparaat bent uitgelogd.")
LOG_IN_AGAIN = "Log opnieuw in; daarna komt u terug op deze pagina."
STALE_PAGE = ("Deze pagina is verlopen, bijvoorbeeld omdat u in een ander tabblad opnieuw heeft ingelogd. "
              "Laad de pagina opnieuw en probeer het nog eens.")


def session_answer():
    """401 for an htmx request without a living session: why, and "Opnieuw inloggen"."""
    reason = sessions.ENDED_REASONS.get(g.get("login_session_ended"), NOT_LOGGED_IN)
    return problem("session", 401, f"{reason} {LOG_IN_AGAIN}",
                   link=url_for("auth.login", next=source_page()), link_label="Opnieuw inloggen")


def csrf_answer():
    """A CSRF failure of an htmx request. Logged out (the cookie lost its token with its
    session): the same as an ended session. Still logged in (a new login in another tab
    gave the session a new token): 400, reload the page."""
    if not current_user.is_authenticated:
        return session_answer()
    return problem("csrf", 400, STALE_PAGE, link=source_page(), link_label="Pagina opnieuw laden")

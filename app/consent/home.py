"""Home: the prompt to answer (order 5, right after the spoedberichten at 0).

A parent with current children (writable link) for which nobody answered a purpose of this
school year sees which children, with a link to each child's tab. "Later" (a POST, also
without JS) hides it for the rest of this login session: a flag in the session, tied to
the login session's record so it cannot outlive it. Once every purpose has an answer the
prompt is gone (Home is rendered afresh on every visit)."""
from flask import has_request_context, session

from app.auth.sessions import current as current_login_session
from app.home.panels import Panel
from app.privacy.consent import unanswered_children

LATER_KEY = "consent_later"


def later_marker():
    """What "Later" stores: this login session's record (a new login asks again)."""
    record = current_login_session()
    return record.id if record is not None else True


def skipped():
    return has_request_context() and session.get(LATER_KEY) == later_marker()


def home_panels(user):
    if not user.is_parent or skipped():
        return []
    children = unanswered_children(user)
    if not children:
        return []
    return [Panel(order=5, template="consent/_home_panel.html", context={"children": children})]

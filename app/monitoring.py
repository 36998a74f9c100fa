"""Error reports to Sentry, only when SENTRY_DSN is set, with personal data scrubbed.

The web process (Flask integration) and the worker (RQ integration: a job that raises)
report unhandled errors; traces are not sent. What leaves the process, whatever a
future integration adds: no cookies, no Authorization or CSRF headers, no query strings,
no request bodies, no local variables of stack frames, no IP address or user details
(send_default_pii=False), and no e-mail address anywhere in the event (every string of it,
breadcrumbs included, is searched and an address replaced by "[e-mailadres]"). The
request id (app/logs.py) is added as a tag, so a report and the log lines of its request
can be found together.
"""
import re

from app.logs import current_request_id

EMAIL = re.compile(r"[^\s@<>\"'(),;:\[\]]+@[^\s@<>\"'(),;:\[\]]+\.[^\s@<>\"'(),;:\[\]]+")
COOKIE_VALUE = re.compile(r"\b(session|remember_token)=[^;\s]+")
SECRET_HEADERS = {"cookie", "set-cookie", "authorization", "proxy-authorization", "x-csrftoken", "x-csrf-token"}


def scrub_text(text):
    return COOKIE_VALUE.sub(r"\1=[weggelaten]", EMAIL.sub("[e-mailadres]", text))


def _scrub(value):
    """Every string in a nested event, scrubbed (dict keys too: a header named after no one)."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {(_scrub(key) if isinstance(key, str) else key): _scrub(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(item) for item in value]
    return value


def _scrub_request(request):
    for key in ("cookies", "data", "query_string", "env"):
        request.pop(key, None)
    if isinstance(request.get("url"), str):
        request["url"] = request["url"].split("?", 1)[0]
    headers = request.get("headers")
    if isinstance(headers, dict):
        request["headers"] = {name: value for name, value in headers.items() if name.lower() not in SECRET_HEADERS}
    elif isinstance(headers, list):
        request["headers"] = [pair for pair in headers if str(pair[0]).lower() not in SECRET_HEADERS]


def scrub_event(event, hint=None):
    """Sentry's before_send: the event without personal data (see the module docstring)."""
    request = event.get("request")
    if isinstance(request, dict):
        _scrub_request(request)
    event.pop("user", None)
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return _scrub(event)


def scrub_breadcrumb(crumb, hint=None):
    return _scrub(crumb)


def init_app(app):
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.rq import RqIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=app.config.get("SENTRY_ENVIRONMENT") or app.config["ENV_NAME"],
        integrations=[FlaskIntegration(transaction_style="url"), RqIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        traces_sample_rate=None,
    )

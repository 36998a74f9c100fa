"""Logs a hosting engineer can use: one line per request, a request id through to the
jobs it enqueues, JSON on stderr.

Every record goes to stderr through the logging module (the platform collects stderr),
formatted by LOG_FORMAT: "json" (the default outside development and test: one JSON
object per line) or "text" (readable on a laptop). Each request logs one line, logger
"ouderportaal.request":

    {"time": ..., "level": "INFO", "logger": "ouderportaal.request", "message": "request",
     "request_id": "3f2c...", "method": "GET", "path": "/kinderen/<int:child_id>",
     "status": 200, "duration_ms": 12.3, "user_id": 42}

`path` is the route's template (url_rule), never the URL as asked: no query strings, no
ids of other people's things, no tokens of a link; `user_id` is the database id of the
logged-in account, never a name or an address. Nothing of the request's body is logged.

The request id is the incoming X-Request-ID when it is a sane short token (a proxy's or
the load balancer's, so their logs and ours join up), otherwise a fresh one; it is sent
back in the X-Request-ID header, put on every log line written during the request, and
given to each job the request enqueues (app/jobs enqueue: RQ job meta), whose worker line
carries it too (worker.py).
"""
import contextvars
import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import g, request

request_id_var = contextvars.ContextVar("ouderportaal_request_id", default=None)
# Letters, digits and ._- only, 8 to 64 of them: nothing that could forge a log line.
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

request_log = logging.getLogger("ouderportaal.request")
job_log = logging.getLogger("ouderportaal.job")


def current_request_id():
    return request_id_var.get()


def incoming_request_id(value):
    """The caller's id when it is a sane token, else a new one."""
    value = (value or "").strip()
    return value if _SANE_ID.fullmatch(value) else uuid.uuid4().hex


# --- formatting ------------------------------------------------------------------------------

class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, the record's
    `fields` (extra={"fields": {...}}), and a traceback when there is one."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record):
        head, newline, traceback = super().format(record).partition("\n")
        parts = [head] + [f"{key}={value}" for key, value in (getattr(record, "fields", None) or {}).items()]
        request_id = request_id_var.get()
        if request_id:
            parts.append(f"[{request_id}]")
        return " ".join(parts) + newline + traceback


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the moment of writing (so a test can capture it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def log_format(config):
    chosen = (config.get("LOG_FORMAT") or "").strip().lower()
    if chosen in ("json", "text"):
        return chosen
    return "text" if config.get("ENV_NAME") in ("development", "test") else "json"


def configure_logging(config):
    """The root logger writes INFO and up to stderr in the chosen format (once per process;
    a second app only changes the format)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, StderrHandler)), None)
    if handler is None:
        handler = StderrHandler()
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if log_format(config) == "json" else TextFormatter())
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)


# --- the request line --------------------------------------------------------------------------

def _user_id():
    """The logged-in account's id, if the request loaded one; never a query of its own
    (the database may be the reason this request failed)."""
    user = g.get("_login_user")
    if user is None:
        return None
    from sqlalchemy import inspect

    # The identity of the loaded row, never an attribute: after a rollback the object is
    # expired and reading `is_authenticated` would load it again (a query, on a database
    # that may be gone). The anonymous user is no mapped object: no id.
    try:
        identity = inspect(user).identity
    except Exception:  # noqa: BLE001
        return None
    return identity[0] if identity else None


def _start():
    if "request_id" not in g:
        g.request_id = incoming_request_id(request.headers.get("X-Request-ID"))
        g.request_started = time.perf_counter()
        g.request_id_token = request_id_var.set(g.request_id)


def _finish(response):
    _start()  # a request stopped before the hooks ran still gets its id and line
    response.headers["X-Request-ID"] = g.request_id
    request_log.info("request", extra={"fields": {
        "method": request.method,
        "path": request.url_rule.rule if request.url_rule is not None else None,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
        "user_id": _user_id(),
    }})
    return response


def _reset(exc=None):
    token = g.pop("request_id_token", None)
    if token is not None:
        try:
            request_id_var.reset(token)
        except ValueError:  # set in another context (a test's own): let it go
            request_id_var.set(None)


def init_app(app):
    """The request id first of all hooks, the request line last (after every other
    after_request hook, so it logs the status that is sent)."""
    configure_logging(app.config)
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)
    app.teardown_request(_reset)


# --- the worker's line per job -----------------------------------------------------------------

def log_job(job, queue_name, run):
    """Run `run()` (the worker performing `job`) with the job's request id in the log
    context, and log one line: job name, queue, outcome, duration. Never the arguments
    (they may hold a link's token)."""
    token = request_id_var.set((job.meta or {}).get("request_id"))
    started = time.perf_counter()
    ok = False
    try:
        ok = bool(run())
        return ok
    finally:
        job_log.info("job", extra={"fields": {
            "job": job.func_name, "queue": queue_name, "job_id": job.id,
            "outcome": "ok" if ok else "failed",
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        }})
        request_id_var.reset(token)

"""Background work: services enqueue, the worker runs.

With REDIS_URL set, jobs go onto an RQ queue and `worker.py` runs them; without it they
run inline, in the web process, so a newcomer needs nothing but Python.

A job is a function, or its dotted path ("app.jobs.notifications.dispatch_now"): a
service whose module the job's module imports (the meetings services and the dispatcher,
through the meeting mail kinds) enqueues by path, so the two never import each other.

When Redis does not answer (REDIS_URL set, nothing there) `enqueue` returns False and
runs nothing. There is deliberately no inline fallback any more: run inline, a mail job
would hold the request on SMTP (up to MAIL_TIMEOUT per mail, for every account of an
import), and a job that ran here while its twin still sat in a Redis that merely answered
slowly would send twice. Nothing is lost instead, because no mail depends on its enqueue:

- every mail has a durable record committed with the request before anything is
  enqueued: a NotificationEvent (notices, the privacy mail) or a pending row of the
  delivery ledger (the account mails, app/jobs/account_mail.py);
- the job is only the fast path. The worker's minute tick (app/jobs/schedules.py) plans
  due events and sends every due ledger row, so a record whose job never reached Redis
  goes out once the worker runs again; the ledger's claims make it exactly once whoever
  gets there first, the job or the tick;
- work that is not mail says so when it cannot be queued (`QueueUnavailable`, a Dutch
  "probeer het later opnieuw", e.g. the inzage export) and leaves nothing half-done.

After one failure the queue is left alone for QUEUE_DOWN_SECONDS (per process), so a
request that would enqueue hundreds of jobs (a CSV import) waits for one timeout, not one
per job. The web process talks to Redis with short timeouts (`redis_connection`).

Each job carries the request id of the request that enqueued it (RQ job meta
"request_id", app/logs.py); the worker logs it around the job (worker.py).
"""
import importlib
import logging
import time
from contextlib import contextmanager

from flask import current_app, has_app_context

log = logging.getLogger(__name__)

# The one app the worker process created at start (RQ's advice: not one per job).
_worker_app = None
# monotonic() until which this process does not try Redis again after a failure.
_down_until = 0.0
QUEUE_DOWN_SECONDS = 5.0
# Seconds the web process waits for Redis (connect, and each command).
REDIS_TIMEOUT = 2.0


class QueueUnavailable(Exception):
    """Work that cannot wait for the minute tick could not be queued: the caller undoes
    what it began and tells the user."""

    message = ("Dit kan op dit moment niet worden gestart: een onderdeel van het portaal is even niet "
               "bereikbaar. Probeer het over een paar minuten opnieuw.")


def set_worker_app(app):
    global _worker_app
    _worker_app = app


@contextmanager
def job_app_context():
    """The app context a job runs in: the caller's (inline, the CLI, a test) or the one app
    worker.py created at start. A job never builds an app of its own."""
    if has_app_context():
        yield current_app._get_current_object()
        return
    if _worker_app is None:
        raise RuntimeError("No app for this job: run jobs with worker.py, or inside an app context.")
    with _worker_app.app_context():
        yield _worker_app


def redis_connection(app=None):
    """The app's Redis client, with short timeouts: a Redis that is down costs a request
    REDIS_TIMEOUT seconds at most, not a hang. (RQ's worker raises the read timeout of its
    own connection to outlast its blocking dequeue.)"""
    app = app or current_app
    conn = app.extensions.get("portal_redis")
    if conn is None and app.config.get("REDIS_URL"):
        from redis import Redis

        conn = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=REDIS_TIMEOUT,
                              socket_timeout=REDIS_TIMEOUT)
        app.extensions["portal_redis"] = conn
    return conn


def get_queue(name="mail", app=None):
    from rq import Queue

    return Queue(name, connection=redis_connection(app))


def resolve(func):
    """The function of a job given as a function or as its dotted path."""
    if not isinstance(func, str):
        return func
    module, _, name = func.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _name(func):
    if isinstance(func, str):
        return func
    return f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', func)}".lstrip(".")


def _run_inline(func, args, kwargs):
    """Run a job here and now, as the worker would: its failure is the job's, never the
    caller's. The caller has committed (jobs are enqueued after the commit), so a mail that
    cannot be written or sent never turns the response into a 500 or stops the caller's
    next mail; mail jobs record their own failures in the delivery ledger."""
    from app.extensions import db

    try:
        return resolve(func)(*args, **kwargs)
    except Exception:  # noqa: BLE001
        log.exception("job %s failed", _name(func))
        db.session.rollback()
        return None


def queue_resting():
    """True while this process leaves Redis alone after a failure (see the docstring)."""
    return time.monotonic() < _down_until


def enqueue(func, *args, queue="mail", retry=True, **kwargs):
    """Run `func` (a function or its dotted path) in the background, or inline without
    Redis. Call after commit. RQ takes a dotted path as it is; inline it is imported here.

    Never raises. True: queued (or run inline, without REDIS_URL). False: Redis did not
    answer and nothing ran; the caller's durable record waits for the minute tick, or the
    caller refuses with QueueUnavailable (see the module docstring)."""
    global _down_until
    if not current_app.config.get("REDIS_URL"):
        _run_inline(func, args, kwargs)
        return True
    if queue_resting():
        log.warning("queue unavailable: %s not queued (the minute tick takes over)", _name(func))
        return False
    from redis.exceptions import RedisError
    from rq import Retry

    from app.logs import current_request_id

    # The description is what RQ logs for the job: its name, never its arguments (a link's
    # token, a typed login name).
    options = {"meta": {"request_id": current_request_id()}, "description": _name(func)}
    if retry:
        # A failing mail server means retries with backoff, nothing lost.
        options["retry"] = Retry(max=6, interval=[10, 30, 120, 600, 1800, 3600])
    try:
        get_queue(queue).enqueue(func, args=args, kwargs=kwargs, **options)
        return True
    except (RedisError, OSError) as exc:
        _down_until = time.monotonic() + QUEUE_DOWN_SECONDS
        log.warning("queue unavailable (%s): %s not queued (the minute tick takes over)",
                    exc.__class__.__name__, _name(func))
        return False


def reset_queue_state():
    """Forget an earlier failure (tests, after restarting Redis)."""
    global _down_until
    _down_until = 0.0

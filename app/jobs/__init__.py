"""Background work: services enqueue, the worker runs.

With REDIS_URL set, jobs go onto an RQ queue and `worker.py` runs them; without it they
run inline, in the web process, so a newcomer needs nothing but Python.

A job is a function, or its dotted path ("app.jobs.notifications.dispatch_now"): a
service whose module the job's module imports (the meetings services and the dispatcher,
through the meeting mail kinds) enqueues by path, so the two never import each other.
"""
import importlib
import logging
from contextlib import contextmanager

from flask import current_app, has_app_context

log = logging.getLogger(__name__)

# The one app the worker process created at start (RQ's advice: not one per job).
_worker_app = None


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
    app = app or current_app
    conn = app.extensions.get("portal_redis")
    if conn is None and app.config.get("REDIS_URL"):
        from redis import Redis

        conn = Redis.from_url(app.config["REDIS_URL"])
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
    return func if isinstance(func, str) else getattr(func, "__qualname__", func)


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


def enqueue(func, *args, queue="mail", retry=True, **kwargs):
    """Run `func` (a function or its dotted path) in the background, or inline without
    Redis. Call after commit. RQ takes a dotted path as it is; inline it is imported here.

    Never raises: without Redis the job runs inline (above); when Redis does not answer,
    the job runs inline too rather than being lost (mail jobs are short, and what they
    cannot send waits in the delivery ledger)."""
    if not current_app.config.get("REDIS_URL"):
        return _run_inline(func, args, kwargs)
    from redis.exceptions import RedisError
    from rq import Retry

    options = {}
    if retry:
        # A failing mail server means retries with backoff, nothing lost.
        options["retry"] = Retry(max=6, interval=[10, 30, 120, 600, 1800, 3600])
    try:
        return get_queue(queue).enqueue(func, args=args, kwargs=kwargs, **options)
    except (RedisError, OSError):
        log.exception("queue unavailable: running %s here", _name(func))
        return _run_inline(func, args, kwargs)

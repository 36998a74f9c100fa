"""Background work: services enqueue, the worker runs.

With REDIS_URL set, jobs go onto an RQ queue and `worker.py` runs them; without it they
run inline, in the web process, so a newcomer needs nothing but Python.
"""
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
    """The app context a job runs in: the caller's (inline) or the worker's app."""
    if has_app_context():
        yield current_app._get_current_object()
        return
    if _worker_app is None:  # a job process that was started without worker.py
        from app import create_app

        set_worker_app(create_app())
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


def _run_inline(func, args, kwargs):
    """Run a job here and now, as the worker would: its failure is the job's, never the
    caller's. The caller has committed (jobs are enqueued after the commit), so a mail that
    cannot be written or sent never turns the response into a 500 or stops the caller's
    next mail; mail jobs record their own failures in the delivery ledger."""
    from app.extensions import db

    try:
        return func(*args, **kwargs)
    except Exception:  # noqa: BLE001
        log.exception("job %s failed", getattr(func, "__qualname__", func))
        db.session.rollback()
        return None


def enqueue(func, *args, queue="mail", retry=True, **kwargs):
    """Run `func` in the background (or inline without Redis). Call after commit.

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
        log.exception("queue unavailable: running %s here", getattr(func, "__qualname__", func))
        return _run_inline(func, args, kwargs)

"""Background work: services enqueue, the worker runs.

With REDIS_URL set, jobs go onto an RQ queue and `worker.py` runs them; without it they
run inline, in the web process, so a newcomer needs nothing but Python.
"""
from contextlib import contextmanager

from flask import current_app, has_app_context

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


def enqueue(func, *args, queue="mail", retry=True, **kwargs):
    """Run `func` in the background (or inline without Redis). Call after commit."""
    if not current_app.config.get("REDIS_URL"):
        return func(*args, **kwargs)
    from rq import Retry

    options = {}
    if retry:
        # A failing mail server means retries with backoff, nothing lost.
        options["retry"] = Retry(max=6, interval=[10, 30, 120, 600, 1800, 3600])
    return get_queue(queue).enqueue(func, args=args, kwargs=kwargs, **options)

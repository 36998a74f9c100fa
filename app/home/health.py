"""/healthz: what a load balancer and a hosting engineer ask a web process.

Checks, each a bounded question (one query or one Redis round trip):

- database: SELECT 1. Down: status "fout" and 503, the one check that takes this web
  process out of rotation (it cannot serve a page).
- redis (with REDIS_URL): PING. Reported only: pages keep working without it (no page
  cache, rate limits in memory, mails wait in the delivery ledger for the worker).
- worker (with REDIS_URL): `worker_heartbeat_age`, seconds since the newest heartbeat of
  an RQ worker (Worker.all: one key per worker, a handful); "te oud" past
  HEALTH_WORKER_MAX_AGE, "geen" when no worker is registered. Reported only: restarting
  a web process does not revive a worker; alert on it instead.
- mail: `oldest_unsent_mail_age`, seconds since the oldest ledger row that is pending
  and due was recorded (one MIN over the (state, next_attempt_at) index); "te oud" past
  HEALTH_MAIL_MAX_AGE. A row waiting for a retry later is not due and not counted.
  Reported only: mail that does not go is a worker, SMTP or Redis matter.

status: "ok" when every check is ok, "fout" when the database is down, else
"waarschuwing" (still 200).
"""
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import func, or_, select, text

from app.extensions import db
from app.models import NotificationDelivery, utcnow


def _error(exc):
    return f"fout: {exc.__class__.__name__}"


def _database(checks):
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
        return True
    except Exception as exc:  # report, don't raise: this is the health page
        db.session.rollback()
        checks["database"] = _error(exc)
        return False


def _oldest_unsent_mail_age():
    now = utcnow()
    oldest = db.session.scalar(
        select(func.min(NotificationDelivery.created_at))
        .where(NotificationDelivery.state == "pending",
               or_(NotificationDelivery.next_attempt_at.is_(None), NotificationDelivery.next_attempt_at <= now))
    )
    db.session.commit()
    return None if oldest is None else max(0, int((now - oldest).total_seconds()))


def _worker_heartbeat_age(connection):
    from rq import Worker

    beats = [worker.last_heartbeat for worker in Worker.all(connection=connection) if worker.last_heartbeat]
    if not beats:
        return None
    newest = max(beat if beat.tzinfo else beat.replace(tzinfo=timezone.utc) for beat in beats)
    return max(0, int((datetime.now(timezone.utc) - newest).total_seconds()))


def _redis_and_worker(checks, report):
    from app.jobs import redis_connection

    try:
        connection = redis_connection()
        connection.ping()
        checks["redis"] = "ok"
        age = _worker_heartbeat_age(connection)
    except Exception as exc:  # noqa: BLE001
        checks["redis"] = checks["worker"] = _error(exc)
        report["worker_heartbeat_age"] = None
        return
    report["worker_heartbeat_age"] = age
    limit = current_app.config["HEALTH_WORKER_MAX_AGE"]
    checks["worker"] = "geen" if age is None else "ok" if age <= limit else "te oud"


def health():
    """(report, HTTP status) of this web process."""
    checks, report = {}, {}
    database_up = _database(checks)
    if database_up:
        try:
            age = _oldest_unsent_mail_age()
            limit = current_app.config["HEALTH_MAIL_MAX_AGE"]
            checks["mail"] = "ok" if age is None or age <= limit else "te oud"
        except Exception as exc:  # noqa: BLE001
            db.session.rollback()
            age, checks["mail"] = None, _error(exc)
        report["oldest_unsent_mail_age"] = age
    if current_app.config.get("REDIS_URL"):
        _redis_and_worker(checks, report)
    status = "fout" if not database_up else "ok" if all(v == "ok" for v in checks.values()) else "waarschuwing"
    return {"status": status, "checks": checks, **report}, 200 if database_up else 503

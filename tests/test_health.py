"""/healthz (app/home/health.py): the database decides 200 or 503; Redis, the worker's
heartbeat and the oldest unsent mail are reported with their ages, "te oud" past the
thresholds of the settings, and never take the web process out of rotation."""
import time
from datetime import timedelta

from app.extensions import db
from app.models import NotificationDelivery, utcnow
from tests.factories import ParentFactory
from tests.fixtures.services import free_port


def add_row(recipient, state, created_ago, next_attempt_in=None, key="x"):
    now = utcnow()
    db.session.add(NotificationDelivery(
        recipient_id=recipient.id, kind="account:password_changed", key=key, state=state, attempts=0,
        created_at=now - timedelta(seconds=created_ago),
        next_attempt_at=None if next_attempt_in is None else now + timedelta(seconds=next_attempt_in)))
    db.session.commit()


def test_all_well_without_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "mail": "ok"}, "oldest_unsent_mail_age": None}


def test_the_oldest_due_unsent_mail_is_reported_and_too_old_past_the_threshold(app, client):
    parent = ParentFactory()
    add_row(parent, "sent", created_ago=90_000, key="a")                           # sent: not unsent
    add_row(parent, "pending", created_ago=50_000, next_attempt_in=600, key="b")   # a retry later: not due
    add_row(parent, "pending", created_ago=120, key="c")
    report = client.get("/healthz").json
    assert 120 <= report["oldest_unsent_mail_age"] < 130 and report["checks"]["mail"] == "ok"

    add_row(parent, "pending", created_ago=7200, next_attempt_in=-60, key="d")     # due since a minute
    response = client.get("/healthz")
    assert response.status_code == 200  # reported, the web process stays in rotation
    assert response.json["status"] == "waarschuwing" and response.json["checks"]["mail"] == "te oud"
    assert 7200 <= response.json["oldest_unsent_mail_age"] < 7210
    app.config["HEALTH_MAIL_MAX_AGE"] = 8000
    assert client.get("/healthz").json["checks"]["mail"] == "ok"


def test_redis_and_the_workers_heartbeat(app, client, pipeline):
    report = client.get("/healthz").json
    assert report["checks"]["redis"] == "ok"
    assert report["checks"]["worker"] == "geen" and report["worker_heartbeat_age"] is None
    assert report["status"] == "waarschuwing"

    pipeline.start()  # the real worker, as the Procfile starts it
    try:
        deadline = time.monotonic() + 30
        while client.get("/healthz").json["checks"]["worker"] != "ok" and time.monotonic() < deadline:
            time.sleep(0.2)
        report = client.get("/healthz").json
        assert report["checks"]["worker"] == "ok" and 0 <= report["worker_heartbeat_age"] <= 120
        assert report["status"] == "ok"
        app.config["HEALTH_WORKER_MAX_AGE"] = -1  # any heartbeat is now too old
        assert client.get("/healthz").json["checks"]["worker"] == "te oud"
    finally:
        pipeline.stop()


def test_redis_down_is_reported_but_the_answer_stays_200(app, client):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["status"] == "waarschuwing"
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["redis"].startswith("fout") and response.json["checks"]["worker"].startswith("fout")

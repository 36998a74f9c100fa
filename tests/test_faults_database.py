"""PostgreSQL restarted, or away for a while, under a running app: a request the
database cannot answer gets the friendly Dutch 503 page (no stack trace, nothing of the
error), and the next requests succeed on fresh connections without restarting the app
(pool_pre_ping, config.py).

Our own PostgreSQL cluster on a free port (tests/fixtures/pg_cluster.py), restarted and
stopped by the test; the machine's PostgreSQL is never touched. PostgreSQL only by nature
(marker postgres_only: it runs in the PostgreSQL run of scripts/run-tests.sh).
"""
import pytest

from app import create_app
from app.extensions import db
from config import TestConfig, database_url
from tests.fixtures.app_db import IsolatedClient
from tests.fixtures.pg_cluster import pg_cluster  # noqa: F401  (the fixture)
from tests.fixtures.users import Auth

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def portal(pg_cluster, tmp_path):  # noqa: F811
    """An app of its own on the cluster, as a web process runs it."""
    url = database_url(pg_cluster.create_database("portal"))
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, DATABASE_CONNECT_TIMEOUT=2,
                     MAIL_OUTBOX_DIR=str(tmp_path / "outbox"), UPLOAD_DIR=str(tmp_path / "uploads"))
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
        from tests.factories import ParentFactory, family

        child, (parent,) = family()
        login_name = parent.login_name
        db.session.remove()  # the test's own session holds no connection the restart cuts
        yield app, login_name
        db.session.remove()
        db.engine.dispose()


def test_after_a_restart_the_next_requests_succeed_and_while_down_a_friendly_503(portal, pg_cluster):  # noqa: F811
    app, parent = portal
    client = app.test_client()
    assert Auth(client).login(parent).status_code == 302
    assert client.get("/").status_code == 200  # the pool now holds a connection

    pg_cluster.restart()  # every open connection is cut
    for path in ("/", "/account/", "/"):
        assert client.get(path).status_code == 200, path
    assert client.get("/healthz").json["checks"]["database"] == "ok"

    pg_cluster.stop()
    try:
        response = client.get("/")
        page = response.get_data(as_text=True)
        assert response.status_code == 503 and response.headers["Retry-After"] == "30"
        assert "Even niet bereikbaar" in page and "Probeer het over een minuut opnieuw" in page
        for leak in ("Traceback", "OperationalError", "psycopg", "127.0.0.1", str(pg_cluster.port)):
            assert leak not in page, leak
        assert 'href="/static/css/portal.css' in page  # the portal's own style
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json["status"] == "fout"
        assert health.json["checks"]["database"].startswith("fout")
    finally:
        pg_cluster.start()

    assert client.get("/").status_code == 200  # the same login session, the same app
    response = Auth(client).post("/uitloggen", {})
    assert response.status_code == 302
    assert Auth(client).login(parent).status_code == 302  # writes work again

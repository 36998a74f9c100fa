"""The house: security headers, health check, migrations, demo data, the worker's mail path."""
import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, select, text

from app.extensions import db
from app.models import Child, Group, Guardianship, Role, User
from config import database_url
from tests.fixtures.services import ROOT, require_service
from tests.factories import ParentFactory
from tests.fixtures.users import create_account


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_inline_scripts_in_pages(client, auth):
    auth.login(ParentFactory())
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html and "onclick=" not in html
    assert "/static/js/htmx-2.0.11.min.js" in html


def test_session_cookie_secure_outside_development():
    from config import Config

    assert Config.SESSION_COOKIE_HTTPONLY and Config.SESSION_COOKIE_SAMESITE == "Lax"
    env = dict(os.environ, PORTAL_ENV="production")
    out = subprocess.run([sys.executable, "-c", "from config import Config; print(Config.SESSION_COOKIE_SECURE)"],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "True"


def test_csrf_required_on_post(client):
    ParentFactory(login_name="a@example.com")
    response = client.post("/login", data={"username": "a@example.com", "password": "x"})
    assert response.status_code == 400
    assert "Formulier verlopen" in response.get_data(as_text=True)


def test_htmx_request_for_protected_page_gets_401_with_a_login_link(client):
    """A message to show in place (tests/test_inline_problems.py); a boosted navigation goes
    to the login page."""
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["X-Portal-Problem"] == "session"
    assert 'href="/login?next=/"' in response.get_data(as_text=True)
    response = client.get("/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_production_bcrypt_cost_is_at_least_12():
    from config import Config

    assert Config.BCRYPT_ROUNDS >= 12


def test_mail_without_server_goes_to_outbox(app):
    create_account("outbox@example.com", "Uit", "Box")
    files = os.listdir(app.config["MAIL_OUTBOX_DIR"])
    assert len(files) == 1 and files[0].endswith(".eml")
    content = open(os.path.join(app.config["MAIL_OUTBOX_DIR"], files[0]), "rb").read()
    assert b"outbox@example.com" in content


# --- demo data --------------------------------------------------------------------------

def test_demo_data_is_complete_and_idempotent(app):
    from app.demo import run_demo
    from app.passwords import check_password

    run_demo(echo=lambda *_: None)
    counts = {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in (User, Child, Group)}
    run_demo(echo=lambda *_: None)
    assert {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in (User, Child, Group)} == counts

    def user(login):
        return db.session.scalar(select(User).where(User.login_name == login))

    assert user("beheer@schutkampen.example").role == Role.ADMIN
    anna = user("juf.anna@schutkampen.example")
    assert anna.role == Role.TEACHER and [g.name for g in anna.groups_taught] == ["3"]
    for login in ("beheer@schutkampen.example", "juf.anna@schutkampen.example", "ouder@example.nl", "ouder2@example.nl"):
        assert check_password("Demo!2026", user(login).password_hash), login
    parent = user("ouder@example.nl")
    kids = {g.child.first_name: g.child.group.name for g in parent.guardianships}
    assert kids == {"Sam": "3", "Lotte": "6"}
    second = user("ouder2@example.nl")
    assert [(g.child.first_name, g.read_only) for g in second.guardianships] == [("Sam", True)]
    assert sorted(db.session.scalars(select(Group.name))) == sorted(["1/2a", "1/2b", "3", "4", "5", "6", "7", "8"])
    families = db.session.scalar(select(func.count(func.distinct(Child.last_name))))
    assert families >= 38


# --- migrations ----------------------------------------------------------------------------

def _upgrade(url):
    env = dict(os.environ, DATABASE_URL=url)
    env.pop("TEST_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def _assert_schema_matches_models(url):
    engine = create_engine(database_url(url))
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    engine.dispose()
    assert diff == [], f"the migrations differ from the models: {diff}"


def test_migrations_build_the_schema_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    _upgrade(url)
    _assert_schema_matches_models(url)


def test_migrations_build_the_schema_on_postgresql():
    name = f"ouderportaal_migrations_{os.getpid()}"
    admin_url = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    try:
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            connection.execute(text(f"CREATE DATABASE {name}"))
    except Exception as exc:  # noqa: BLE001
        require_service(f"PostgreSQL not reachable: {exc}")
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    _upgrade(url)
    _assert_schema_matches_models(url)
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    engine.dispose()


def test_inline_styles_are_allowed_by_their_hash_and_nothing_else(client, auth):
    """Each page carries its CSS as <style> (app/styles.py, one round trip less on a phone):
    the CSP names the sha256 of each, never 'unsafe-inline'; /static files carry no CSP."""
    import base64
    import hashlib
    import re

    auth.login(ParentFactory())
    response = client.get("/")
    html, csp = response.get_data(as_text=True), response.headers["Content-Security-Policy"]
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert styles and "unsafe-inline" not in csp and '<link rel="stylesheet"' not in html
    style_src = next(part for part in csp.split(";") if part.strip().startswith("style-src")).split()
    for css in styles:
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in style_src
    assert len(style_src) == 2 + len(set(styles))  # style-src 'self' and one hash each
    static = client.get("/static/js/portal.js")
    assert static.status_code == 200 and "Content-Security-Policy" not in static.headers
    assert static.headers["X-Content-Type-Options"] == "nosniff"

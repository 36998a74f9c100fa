"""Shared fixtures: app, database, client, login, SMTP server, Redis and a real RQ worker.

The database is a SQLite file by default, or PostgreSQL when TEST_DATABASE_URL is set
(`make test` runs the suite on both). Every test starts from empty tables. Services are
real: aiosmtpd on 127.0.0.1, a real Redis, `python worker.py` as a subprocess. With
CI=true a missing service fails the test instead of skipping it.
"""
import base64
import os
import re
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from app.extensions import db
from config import TestConfig, database_url

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(reason):
    """Skip on a developer machine; fail in CI (no test may skip for a missing service)."""
    if IN_CI:
        pytest.fail(f"Service missing in CI: {reason}")
    pytest.skip(reason)


# --- database --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def database_uri(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return database_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def _schema(database_uri):
    """Create the schema once per session from the models (migrations are tested separately)."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_uri)
    with app.app_context():
        if database_uri.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        db.drop_all()
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    return database_uri


def _empty_all_tables():
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


class IsolatedClient(FlaskClient):
    """A test client whose requests get their own app context, as in production.

    The test itself holds an app context (for factories and queries); without this,
    Flask would reuse it for every request and share `g` (the logged-in user, the CSRF
    token) and the database session between requests.
    """

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture
def app(_schema, tmp_path):
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=_schema,
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
        UPLOAD_DIR=str(tmp_path / "uploads"),
    )
    app.test_client_class = IsolatedClient
    ctx = app.app_context()
    ctx.push()
    _empty_all_tables()
    yield app
    db.session.remove()
    ctx.pop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


# --- logging in --------------------------------------------------------------------------

CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_from(html):
    """The CSRF token every page carries (the htmx header on <body>, or a form field)."""
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


class Auth:
    """Log in through the real login form (CSRF included), like a person would."""

    def __init__(self, client):
        self.client = client

    def csrf(self, path="/login"):
        return csrf_from(self.client.get(path).get_data(as_text=True))

    def login(self, user_or_name, password=None):
        from tests.factories import PASSWORD

        name = getattr(user_or_name, "login_name", user_or_name)
        token = self.csrf("/login")
        return self.client.post(
            "/login",
            data={"username": name, "password": password or PASSWORD, "csrf_token": token},
        )

    def logout(self):
        token = self.csrf("/")
        return self.client.post("/uitloggen", data={"csrf_token": token})

    def post(self, path, data=None, csrf_page=None, **kwargs):
        """POST with a CSRF token taken from `csrf_page` (default: Home)."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf(csrf_page or "/"))
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def auth(client):
    return Auth(client)


def login_client(app, user, password=None):
    """A fresh logged-in test client for `user` (for tests with several people)."""
    client = app.test_client()
    response = Auth(client).login(user, password)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@pytest.fixture
def login_as(app):
    return lambda user, password=None: login_client(app, user, password)


# --- SMTP -------------------------------------------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives.

    Like a strict receiving server it refuses (554) a mail with an empty RFC 2047 encoded
    word (`=?utf-8?q??=`) anywhere in its headers, and every Subject is read as a strict
    mail client reads it (`strict_subject`); a subject that reads differently, or breaks
    RFC 2047, is kept in `misread_subjects` (the `smtp` fixture fails the test on it).
    `fail_next = N` answers the next N mails with 451; `refuse[address] = "550 ..."` refuses
    that recipient at RCPT. `smtputf8=True` offers SMTPUTF8 in its EHLO."""

    def __init__(self, smtputf8=False):
        from aiosmtpd.controller import Controller

        self.messages = []
        self.misread_subjects = []  # (as sent, as a strict RFC 2047 reader shows it)
        self.refused = []           # (what, why) of mails refused with 5xx
        self.port = free_port()
        self.fail_next = 0  # answer the next N mails with a temporary error
        self.refuse = {}    # recipient address (lower case) -> "550 ..." at RCPT
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=smtputf8)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.refuse.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return "451 Tijdelijke fout, probeer later opnieuw"
            head = envelope.content.split(b"\r\n\r\n", 1)[0]
            if EMPTY_ENCODED_WORD.search(head):
                self.refused.append(("empty encoded word", head.decode("utf-8", "replace")))
                return "554 5.6.0 Lege encoded word in de kopregels (RFC 2047)"
            message = message_from_bytes(envelope.content, policy=policy.default)
            self.messages.append({"to": list(envelope.rcpt_tos), "message": message, "raw": envelope.content,
                                  "from": envelope.mail_from, "mail_options": list(envelope.mail_options)})
            try:
                strict = strict_subject(envelope.content)
            except ValueError as exc:
                strict = f"<not RFC 2047: {exc}>"
            if strict != str(message["Subject"]):
                self.misread_subjects.append((str(message["Subject"]), strict))
        return "250 OK"

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()

    def clear(self):
        with self._lock:
            self.messages.clear()
            self.refused.clear()
            self.refuse.clear()
            self.fail_next = 0

    def wait_for(self, count, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            time.sleep(0.05)
        raise AssertionError(f"expected {count} mail(s), got {len(self.messages)}")

    def to(self, address):
        return [m["message"] for m in self.messages if address.lower() in [a.lower() for a in m["to"]]]


EMPTY_ENCODED_WORD = re.compile(rb"=\?[^?\s]*\?[bBqQ]\?\?=")
ENCODED_WORD = re.compile(r"^=\?([A-Za-z0-9!#$%&'+^_`{}~-]+)\?([bBqQ])\?([^?\s]+)\?=$")


def _strict_word(token):
    """The text of one RFC 2047 encoded word, read to the letter, or ValueError."""
    match = ENCODED_WORD.match(token)
    if not match:
        raise ValueError(f"not an encoded word: {token!r}")
    if len(token) > 75:
        raise ValueError(f"encoded word longer than 75 characters: {token!r}")
    charset, encoding, text = match.groups()
    if encoding in "bB":
        if len(text) % 4:
            raise ValueError(f"base64 not padded: {token!r}")
        data = base64.b64decode(text, validate=True)
    else:
        if not re.fullmatch(r"(?:[!-<>@-~]|=[0-9A-Fa-f]{2})+", text):
            raise ValueError(f"bad Q text: {token!r}")
        data = re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]),
                      text.replace("_", " ").encode("ascii"))
    return data.decode(charset)  # strict: a word split inside a character fails here


def strict_subject(raw):
    """The Subject as a strict mail client reads it, with an RFC 2047 parser of our own.

    Unfolded (CRLF + white space is white space), then split at white space: a token with
    "=?" must be one whole encoded word (no empty text, at most 75 characters, valid base64
    or Q, whole characters of its charset); the white space between two encoded words is
    dropped, all other white space stays. A line holding an encoded word is at most 76
    characters. ValueError when the subject breaks these rules. Python's own parser is
    lenient and would hide a subject folded inside a word or an empty word."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    lines = head.split("\r\n")
    value_lines = None
    for index, line in enumerate(lines):
        if line.lower().startswith("subject:"):
            value_lines = [line[len("subject:"):]]
            for more in lines[index + 1:]:
                if not more[:1] in (" ", "\t"):
                    break
                value_lines.append(more)
            break
    if value_lines is None:
        return ""
    for line in ["Subject:" + value_lines[0]] + value_lines[1:]:
        if "=?" in line and len(line) > 76:
            raise ValueError(f"line with an encoded word longer than 76 characters: {line!r}")
    value = "".join(value_lines)
    parts = re.split(r"([ \t]+)", value.strip(" \t"))
    out, previous_encoded, pending_space = [], False, ""
    for part in parts:
        if not part:
            continue
        if part[0] in " \t":
            pending_space = part
            continue
        encoded = "=?" in part
        text = _strict_word(part) if encoded else part
        if out and not (encoded and previous_encoded):
            out.append(pending_space)
        out.append(text)
        previous_encoded, pending_space = encoded, ""
    return "".join(out)


def mail_text(message):
    """The plain-text body of a received mail."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def first_link(message, path_fragment):
    found = re.search(r"https?://[^\s\"<>]+" + re.escape(path_fragment) + r"[^\s\"<>]*", mail_text(message))
    assert found, f"no link with {path_fragment!r} in the mail"
    return found.group(0)


@pytest.fixture(scope="session")
def _smtp_sink():
    sink = SMTPSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp(_smtp_sink):
    _smtp_sink.clear()
    _smtp_sink.misread_subjects.clear()
    yield _smtp_sink
    # Every mail of every test: its subject reads the same in a strict mail client, and no
    # mail had an empty encoded word (the sink refused those with 554).
    assert not _smtp_sink.misread_subjects, _smtp_sink.misread_subjects
    assert not _smtp_sink.refused, _smtp_sink.refused


@pytest.fixture
def smtp_utf8():
    """A second SMTP server, one that offers SMTPUTF8 (RFC 6531) in its EHLO."""
    sink = SMTPSink(smtputf8=True)
    sink.start()
    yield sink
    sink.stop()
    assert not sink.misread_subjects, sink.misread_subjects


def use_smtp(app, sink):
    """Mail from this app (inline, in the test's process) goes over SMTP to `sink`."""
    from app.extensions import mail

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_SUPPRESS_SEND=False,
                      MAIL_USE_TLS=False, MAIL_USE_SSL=False, MAIL_USERNAME=None, MAIL_PASSWORD=None)
    mail.init_app(app)
    return sink


@pytest.fixture
def inline_smtp(app, smtp):
    """No Redis: jobs run inline in the request, as in development, but mail goes over
    SMTP to the test server (so what a failing mail does to a request can be seen)."""
    return use_smtp(app, smtp)


# --- Redis and the RQ worker -------------------------------------------------------------

@pytest.fixture(scope="session")
def _redis_url():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    from redis import Redis

    try:
        Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        require_service(f"Redis is not reachable at {url}: {exc}")
    return url


@pytest.fixture
def redis_url(_redis_url):
    from redis import Redis

    Redis.from_url(_redis_url).flushdb()
    return _redis_url


class WorkerRunner:
    """Runs the real `worker.py` against the test database, Redis and SMTP server."""

    def __init__(self, app, redis_url, smtp):
        self.app = app
        self.env = dict(os.environ)
        self.env.update(
            DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
            REDIS_URL=redis_url,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(smtp.port),
            BCRYPT_ROUNDS="4",
            PORTAL_URL=app.config["PORTAL_URL"],
            PORTAL_ENV="test",
            SECRET_KEY=app.config["SECRET_KEY"],
            UPLOAD_DIR=app.config["UPLOAD_DIR"],
            PYTHONUNBUFFERED="1",
        )
        self.env.pop("TEST_DATABASE_URL", None)
        self.process = None

    def drain(self, timeout=60):
        """Run a burst worker until the queues are empty (jobs due later are not run)."""
        result = subprocess.run(
            [sys.executable, "worker.py", "--burst"], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=timeout,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result

    def start(self):
        """A long-running worker process (with its scheduler), as the Procfile starts it."""
        self.process = subprocess.Popen(
            [sys.executable, "worker.py"], cwd=ROOT, env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        return self.process

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


@pytest.fixture
def pipeline(app, redis_url, smtp):
    """Mail through Redis, a real RQ worker and SMTP: the web app enqueues, `drain()` sends."""
    app.config["REDIS_URL"] = redis_url
    app.extensions.pop("portal_redis", None)
    runner = WorkerRunner(app, redis_url, smtp)
    runner.smtp = smtp
    yield runner
    runner.stop()


# --- a live server for the browser tests ----------------------------------------------------

class LiveServer:
    def __init__(self, app):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()

"""Error reports with SENTRY_DSN (app/monitoring.py): a real sentry-sdk sends a real
envelope over HTTP to a tiny Sentry stand-in on loopback; what arrives names the error,
and holds no e-mail address, cookie, Authorization or CSRF header, query string or body.

The app runs in a subprocess of its own: sentry-sdk is set up once per process, globally,
and must not report the rest of the suite."""
import gzip
import json
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from app.monitoring import scrub_event
from tests.fixtures.services import ROOT

APP_SCRIPT = r'''
import sys
import sentry_sdk
from app import create_app
from app.extensions import db
from config import TestConfig

app = create_app(TestConfig, SENTRY_DSN=sys.argv[1], SQLALCHEMY_DATABASE_URI="sqlite:///" + sys.argv[2],
                 MAIL_OUTBOX_DIR=sys.argv[3], UPLOAD_DIR=sys.argv[3], WTF_CSRF_ENABLED=False,
                 TESTING=False)  # errors become the 500 page, as in production

@app.post("/test-fout")
def broken():
    raise RuntimeError("kon niets sturen naar ouder.geheim@example.nl")

with app.app_context():
    db.create_all()
client = app.test_client()
client.set_cookie("session", "SESSIONWAARDE123", domain="localhost")
response = client.post("/test-fout?email=vraag.geheim@example.nl&token=QUERYTOKEN",
                       data={"adres": "body.geheim@example.nl"},
                       headers={"Authorization": "Bearer AUTHWAARDE", "X-CSRFToken": "CSRFWAARDE",
                                "X-Request-ID": "sentry-test-0001"})
print(response.status_code)
sentry_sdk.flush(10)
'''

SECRETS = ("ouder.geheim@example.nl", "vraag.geheim", "body.geheim", "SESSIONWAARDE123", "AUTHWAARDE",
           "CSRFWAARDE", "QUERYTOKEN", "email=")


class FakeSentry(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = (self.headers.get("Content-Encoding") or "").lower()
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        FakeSentry.received.append((self.path, body.decode("utf-8", "replace")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": "0"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_sentry():
    FakeSentry.received = []
    server = HTTPServer(("127.0.0.1", 0), FakeSentry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://publickey@127.0.0.1:{server.server_port}/1"
    server.shutdown()


def test_an_error_reaches_sentry_without_personal_data(fake_sentry, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", APP_SCRIPT, fake_sentry, str(tmp_path / "app.sqlite"), str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("500")
    events = [body for path, body in FakeSentry.received if path == "/api/1/envelope/" and '"type":"event"' in body]
    assert len(events) == 1, FakeSentry.received
    event = events[0]
    assert "RuntimeError" in event and "kon niets sturen naar [e-mailadres]" in event
    assert "/test-fout" in event and "sentry-test-0001" in event  # the route, and the request id as a tag
    for secret in SECRETS:
        assert secret not in event, secret


def test_scrubbing_reaches_every_corner_of_an_event():
    event = {
        "request": {"url": "https://portaal.example/login?next=/x", "query_string": "next=/x",
                    "cookies": {"session": "abc"}, "data": {"password": "x"}, "env": {"REMOTE_ADDR": "10.0.0.1"},
                    "headers": {"Cookie": "session=abc", "Authorization": "Basic eA==", "X-Csrftoken": "t",
                                "User-Agent": "Firefox"}},
        "user": {"email": "a@b.nl", "ip_address": "10.0.0.1"},
        "breadcrumbs": {"values": [{"message": "Mail to ouder@voorbeeld.nl written; cookie session=geheim"}]},
        "extra": {"list": ["x@y.com", ("z@w.org",)]},
    }
    scrubbed = json.dumps(scrub_event(event))
    for secret in ("next=", "abc", "password", "10.0.0.1", "Basic", '"t"', "a@b.nl", "ouder@voorbeeld.nl",
                   "geheim", "x@y.com", "z@w.org"):
        assert secret not in scrubbed, secret
    assert "Firefox" in scrubbed and "https://portaal.example/login" in scrubbed

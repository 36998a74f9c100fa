"""The logs a hosting engineer reads (app/logs.py): one JSON line per request on stderr
with the route's template and never a name, an address, a query string or a token; a
request id from the caller (when sane) or made here, sent back and carried into the jobs
the request enqueues, whose worker logs a line around each job."""
import json
import re
import runpy

import pytest

from app.logs import configure_logging, log_format
from tests.factories import ParentFactory
from tests.fixtures.services import ROOT
from tests.fixtures.users import Auth, login_client


@pytest.fixture
def json_logs(app, capsys):
    """The app's logs as in production (JSON), read back from stderr line by line."""
    configure_logging({"LOG_FORMAT": "json"})
    capsys.readouterr()

    def read():
        lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
        return [json.loads(line) for line in lines]
    yield read
    configure_logging(app.config)


def request_lines(entries):
    return [entry for entry in entries if entry["logger"] == "ouderportaal.request"]


def test_one_json_line_per_request_with_the_template_and_no_personal_data(app, json_logs):
    parent = ParentFactory(first_name="Henriëtte", last_name="Zwanenburg", login_name="henriette@example.nl")
    client = login_client(app, parent)
    json_logs()
    response = client.get("/berichten?zoek=henriette@example.nl&token=geheim123")
    token = "Z" * 43
    app.test_client().get(f"/activeren/{token}")
    anonymous = app.test_client()
    Auth(anonymous).login("henriette@example.nl", "fout-wachtwoord")
    entries = json_logs()
    lines = request_lines(entries)
    first = lines[0]
    assert first["method"] == "GET" and first["path"] == "/berichten" and first["status"] == 200
    assert first["user_id"] == parent.id and isinstance(first["duration_ms"], float)
    assert first["request_id"] == response.headers["X-Request-ID"] and first["level"] == "INFO"
    assert any(line["path"] == "/activeren/<token>" and line["user_id"] is None for line in lines)
    assert any(line["method"] == "POST" and line["path"] == "/login" for line in lines)
    everything = json.dumps(entries)
    for secret in ("henriette@example.nl", "Henriëtte", "Henri\\u00ebtte", "Zwanenburg", "zoek=", "geheim123",
                   token, "fout-wachtwoord", "@"):
        assert secret not in everything, secret


@pytest.mark.parametrize("incoming, kept", [
    ("req-2026.abc_DEF-123", True),
    ("a" * 64, True),
    ("kort", False),                      # too short to be anyone's id
    ("a" * 65, False),
    ('x"}, {"level": "ERROR"', False),    # no forged log fields
    ("met spatie 12345", False),
])
def test_the_request_id_is_the_callers_when_sane_else_a_new_one(app, json_logs, incoming, kept):
    response = app.test_client().get("/ping", headers={"X-Request-ID": incoming})
    sent = response.headers["X-Request-ID"]
    if kept:
        assert sent == incoming
    else:
        assert sent != incoming and re.fullmatch(r"[0-9a-f]{32}", sent)
    (line,) = request_lines(json_logs())
    assert line["request_id"] == sent and line["path"] == "/ping"


def test_log_format_is_json_outside_development_and_test():
    assert log_format({"ENV_NAME": "production"}) == "json"
    assert log_format({"ENV_NAME": "development"}) == "text"
    assert log_format({"ENV_NAME": "test"}) == "text"
    assert log_format({"ENV_NAME": "development", "LOG_FORMAT": "JSON"}) == "json"
    assert log_format({"ENV_NAME": "production", "LOG_FORMAT": "text"}) == "text"


def test_the_request_id_travels_into_the_jobs_and_the_worker_logs_each_job(app, pipeline):
    """A reset request enqueues the reset job (with the request's id in its meta); the
    worker runs it, it enqueues the mail job (the same id), and logs a JSON line per job."""
    from app.jobs import get_queue

    parent = ParentFactory(login_name="vergeten@example.nl")
    client = app.test_client()
    token = Auth(client).csrf("/wachtwoord-vergeten")
    response = client.post("/wachtwoord-vergeten", data={"username": parent.login_name, "csrf_token": token},
                           headers={"X-Request-ID": "lb-7f3a9c21"})
    assert response.status_code == 200 and response.headers["X-Request-ID"] == "lb-7f3a9c21"
    (job,) = get_queue("mail").get_jobs()
    assert job.meta["request_id"] == "lb-7f3a9c21"
    assert job.description == "app.auth.services.send_password_reset"  # what RQ logs: no login name
    pipeline.env["LOG_FORMAT"] = "json"
    result = pipeline.drain()
    pipeline.smtp.wait_for(1)
    entries = [json.loads(line) for line in (result.stdout + result.stderr).splitlines() if line.startswith("{")]
    jobs = [entry for entry in entries if entry["logger"] == "ouderportaal.job"]
    assert [(entry["job"], entry["outcome"], entry["request_id"]) for entry in jobs] == [
        ("app.auth.services.send_password_reset", "ok", "lb-7f3a9c21"),
        ("app.jobs.account_mail.send_account_mail", "ok", "lb-7f3a9c21"),
    ]
    assert all(entry["duration_ms"] >= 0 and entry["queue"] == "mail" for entry in jobs)
    assert "vergeten@example.nl" not in result.stdout + result.stderr


def test_gunicorn_writes_no_access_log_of_its_own_by_default(monkeypatch):
    monkeypatch.delenv("GUNICORN_ACCESSLOG", raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["accesslog"] is None and settings["errorlog"] == "-"

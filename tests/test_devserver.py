"""A newcomer's first minute (issue 17): `make run` (devserver.py) serves on PORT, says
where once it answers and which demo logins there are, and the links in e-mails follow the
address served unless PORTAL_URL is set."""
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import devserver
from tests.fixtures.services import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("environ, expected", [
    ({}, ("127.0.0.1", 5000, "http://127.0.0.1:5000")),
    ({"PORT": "5104"}, ("127.0.0.1", 5104, "http://127.0.0.1:5104")),
    ({"PORT": "5104", "PORTAL_URL": "https://mijnschool.example/"}, ("127.0.0.1", 5104, "https://mijnschool.example")),
    ({"HOST": "0.0.0.0", "PORT": "8080"}, ("0.0.0.0", 8080, "http://127.0.0.1:8080")),
])
def test_port_and_portal_url(environ, expected):
    host, port = devserver.address(environ)
    assert (host, port, devserver.portal_url(environ, host, port)) == expected


@pytest.mark.parametrize("port", ["abc", "0", "70000"])
def test_a_wrong_port_is_said_in_dutch(port):
    with pytest.raises(SystemExit, match="PORT moet een poortnummer zijn"):
        devserver.address({"PORT": port})


def run(args, env):
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_make_run_prints_the_address_and_the_logins_once_it_answers(tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TEST_", "PORTAL_", "DATABASE_", "REDIS_", "PRETEND"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/portaal.sqlite", INSTANCE_PATH=str(tmp_path),
               PORTAL_ENV="development", PORT=str(port), BCRYPT_ROUNDS="4", LOG_FORMAT="text")
    flask = ["-m", "flask", "--app", "wsgi"]
    assert run([*flask, "db", "upgrade"], env).returncode == 0
    demo = run([*flask, "demo-data", "--if-empty"], env)
    assert demo.returncode == 0, demo.stderr[-2000:]
    server = subprocess.Popen([sys.executable, "devserver.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while "Stoppen: Ctrl+C" not in "".join(lines) and time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            lines.append(line)
        text = "".join(lines)
        url = f"http://127.0.0.1:{port}"
        assert f"Het ouderportaal draait op {url}" in text
        assert f"Links in e-mails: {url}" in text  # PORTAL_URL followed the port
        assert "Demo-accounts (wachtwoord Demo!2026):" in text
        for login in ("beheer@schutkampen.example", "juf.anna@schutkampen.example", "ouder@example.nl",
                      "ouder2@example.nl"):
            assert login in text
        # Printed once it is up: the address answers at once.
        with urllib.request.urlopen(f"{url}/login", timeout=10) as response:
            assert response.status == 200 and "Inloggen" in response.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=10)

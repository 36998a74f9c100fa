"""Fixtures of the end-to-end suite (`-m e2e`, `make test-e2e`): its own servers and one
deployment of the portal under honcho, shared by the whole session (starting them takes
a while; the tests walk one school after another on the same deployment).

E2E_KEEP=1 keeps the run's folder (logs of every process) after the session.
"""
import os
import shutil
import signal
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.faults import FaultTable
from tests.e2e.portal import Portal
from tests.e2e.services import E2ESink, PgCluster, RedisServer, S3Server

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


# The suite walks one deployment: the school day first (it pretends a day that lies in the
# past), the faults last (they take the longest).
ORDER = ["test_school_day.py", "test_backup.py", "test_two_web.py", "test_faults.py"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.e2e)
    rank = {name: index for index, name in enumerate(ORDER)}
    items.sort(key=lambda item: rank.get(item.path.name, -1) if "e2e" in item.path.parts else -1)


@pytest.fixture(scope="session")
def e2e_root():
    root = Path(tempfile.mkdtemp(prefix="ouderportaal-e2e-"))
    print(f"\ne2e: logs of this run in {root}")
    yield root
    if not os.environ.get("E2E_KEEP"):
        shutil.rmtree(root, ignore_errors=True)


def _interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session")
def services(e2e_root):
    """redis-server, a PostgreSQL cluster, moto's S3 server and the SMTP sink."""
    # A SIGTERM (a CI time-out, a test runner stopped) still runs the teardown below: the
    # PostgreSQL cluster runs detached (pg_ctl) and would outlive the session otherwise.
    signal.signal(signal.SIGTERM, _interrupted)
    started = []
    try:
        redis = RedisServer()
        started.append(redis.close)
        redis.start()
        postgres = PgCluster()
        started.append(postgres.close)
        postgres.start()
        s3 = S3Server(e2e_root)
        started.append(s3.stop)
        s3.start()
        sink = E2ESink()
        sink.start()
        started.append(sink.stop)
        yield SimpleNamespace(redis=redis, postgres=postgres, s3=s3, sink=sink)
    finally:
        for stop in reversed(started):
            stop()


@pytest.fixture(scope="session")
def school_day():
    """The school day the suite pretends (yesterday in Amsterdam: whatever the suite leaves
    dated on it lies in the past once the portal runs on the real clock again)."""
    return (datetime.now(AMSTERDAM) - timedelta(days=1)).date()


def pretend(day, at):
    return f"{day.isoformat()} {at}"


@pytest.fixture(scope="session")
def portal(services, e2e_root, school_day):
    """The deployment: release phase (migrations), then the demo school through the app's
    own CLI, then web and worker, all on the real clock (a test that pretends another
    moment restarts them with PRETEND_NOW and puts them back)."""
    database_url = services.postgres.create_database("portal")
    deployment = Portal(e2e_root / "portal", services.redis, database_url, services.s3, services.sink)
    deployment.release()
    deployment.run("flask", "--app", "wsgi", "demo-data", "--if-empty", PRETEND_NOW=pretend(school_day, "07:30"))
    yield deployment
    deployment.stop_all()


FAULTS = FaultTable()


@pytest.fixture(scope="session")
def fault_table():
    """The session's fault table, printed at the end of the run (pytest_terminal_summary)."""
    return FAULTS


def pytest_terminal_summary(terminalreporter):
    if FAULTS.rows:
        terminalreporter.write_line("")
        for line in FAULTS.render().splitlines():
            terminalreporter.write_line(line)

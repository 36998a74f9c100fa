"""Fixtures for every test, by topic in tests/fixtures/ (see its __init__.py).

Services are real: aiosmtpd on 127.0.0.1, a real Redis, `python worker.py` as a subprocess.
"""
import pytest

# Before they are imported: their asserts (e.g. the smtp fixture's) explain a failure too.
pytest.register_assert_rewrite("tests.fixtures")

pytest_plugins = [
    "tests.fixtures.app_db",
    "tests.fixtures.users",
    "tests.fixtures.mail",
    "tests.fixtures.redis_worker",
    "tests.fixtures.browser",
    "tests.fixtures.s3",
]


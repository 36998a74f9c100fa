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
]

# Helpers test modules import from here (their home is tests/fixtures/).
from tests.fixtures.app_db import _empty_all_tables  # noqa: E402,F401
from tests.fixtures.mail import EMPTY_ENCODED_WORD, first_link, mail_text, strict_subject, use_smtp  # noqa: E402,F401
from tests.fixtures.services import ROOT, free_port, require_service  # noqa: E402,F401
from tests.fixtures.users import Auth, csrf_from, login_client  # noqa: E402,F401

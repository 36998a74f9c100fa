"""The password rule and hashing.

Rule (manual, Wachtwoord wijzigen): at least 8 characters with a lowercase letter, an
uppercase letter, a digit and a special character — or a passphrase of 15 characters or
more. At most 128 characters. The 10,000 most common passwords are refused.

bcrypt reads only the first 72 bytes, so the password is first hashed with SHA-256 and
base64-encoded (44 bytes): every character of a 128-character passphrase counts.
"""
import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path

import bcrypt
from flask import current_app

MIN_LENGTH = 8
PASSPHRASE_LENGTH = 15
MAX_LENGTH = 128


@lru_cache(maxsize=1)
def common_passwords():
    path = Path(__file__).parent / "data" / "common-passwords.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def password_problems(password, *, login_name=None):
    """Return the Dutch reasons a password is refused; an empty list means it is fine."""
    problems = []
    if len(password) > MAX_LENGTH:
        return [f"Het wachtwoord mag maximaal {MAX_LENGTH} tekens lang zijn."]
    if len(password) < MIN_LENGTH:
        problems.append(f"Het wachtwoord moet minimaal {MIN_LENGTH} tekens lang zijn.")
    elif len(password) < PASSPHRASE_LENGTH:
        if not re.search(r"[a-z]", password):
            problems.append("Het wachtwoord moet minimaal 1 kleine letter [a-z] bevatten.")
        if not re.search(r"[A-Z]", password):
            problems.append("Het wachtwoord moet minimaal 1 hoofdletter [A-Z] bevatten.")
        if not re.search(r"[0-9]", password):
            problems.append("Het wachtwoord moet minimaal 1 cijfer [0-9] bevatten.")
        if not re.search(r"[^A-Za-z0-9\s]", password):
            problems.append("Het wachtwoord moet minimaal 1 speciaal teken bevatten, zoals !?@#$%^&[]().")
    if is_common(password) or (login_name and password.strip().lower() == login_name.strip().lower()):
        problems.append("Dit wachtwoord is te algemeen en makkelijk te raden. Kies een ander wachtwoord.")
    return problems


def is_common(password):
    """In the list, or a listed word dressed up with digits and symbols ("Welkom01!")."""
    lowered = password.strip().lower()
    common = common_passwords()
    if lowered in common:
        return True
    core = re.sub(r"^[^a-z]+|[^a-z]+$", "", lowered)
    return len(password) < PASSPHRASE_LENGTH and len(core) >= 4 and core in common


def _prehash(password):
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password):
    rounds = current_app.config.get("BCRYPT_ROUNDS", 12)
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode("ascii")


def check_password(password, password_hash):
    if not password_hash or password is None or len(password) > MAX_LENGTH:
        return False
    try:
        return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))
    except ValueError:
        return False


# A hash to compare against when the account does not exist, so a wrong login name
# costs the same time as a wrong password (no account enumeration by timing).
@lru_cache(maxsize=4)
def dummy_hash(rounds):
    return bcrypt.hashpw(b"dummy-password-for-timing", bcrypt.gensalt(rounds)).decode("ascii")

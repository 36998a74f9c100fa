"""The password rule and hashing.

Rule (manual, Wachtwoord wijzigen): at least 8 characters with a lowercase letter, an
uppercase letter, a digit and a special character — or a passphrase of 15 characters or
more. At most 128 characters. Refused as easy to guess, whatever the length: the 10,000
most common passwords (and a listed word dressed up with digits and symbols), one
character repeated, only digits, and a common word with a year ("Zomer2026!"; the words:
that list, a short Dutch list in app/data/common-words-nl.txt and the parts of the login
name). Every unmet requirement is named at once.

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


TOO_COMMON = "Dit wachtwoord is te algemeen en makkelijk te raden. Kies een ander wachtwoord."
REPEATED = "Het wachtwoord bestaat uit steeds hetzelfde teken. Kies een ander wachtwoord."
ONLY_DIGITS = "Het wachtwoord bestaat alleen uit cijfers. Gebruik ook letters of woorden."
WORD_AND_YEAR = ("Een bekend woord met een jaartal (zoals Zomer2026!) is makkelijk te raden, "
                 "ook met een leesteken erbij. Kies een ander wachtwoord.")

# One word, a year (1900–2099) and perhaps symbols around them, in either order.
_YEAR = r"(?:19|20)\d\d"
_WORD_AND_YEAR = re.compile(
    rf"^[\W_]*(?P<word>[^\W\d_]+)[\W_]*{_YEAR}[\W_]*$|^[\W_]*{_YEAR}[\W_]*(?P<word2>[^\W\d_]+)[\W_]*$"
)


def _word_list(name):
    path = Path(__file__).parent / "data" / name
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def common_passwords():
    return _word_list("common-passwords.txt")


@lru_cache(maxsize=1)
def common_words():
    """Words a password is easily built from: the common passwords and the Dutch list."""
    return common_passwords() | _word_list("common-words-nl.txt")


def password_problems(password, *, login_name=None):
    """Return the Dutch reasons a password is refused, every one at once; an empty list
    means it is fine."""
    problems = []
    if len(password) > MAX_LENGTH:
        return [f"Het wachtwoord mag maximaal {MAX_LENGTH} tekens lang zijn."]
    if len(password) < PASSPHRASE_LENGTH:
        if len(password) < MIN_LENGTH:
            problems.append(f"Het wachtwoord moet minimaal {MIN_LENGTH} tekens lang zijn.")
        if not re.search(r"[a-z]", password):
            problems.append("Het wachtwoord moet minimaal 1 kleine letter [a-z] bevatten.")
        if not re.search(r"[A-Z]", password):
            problems.append("Het wachtwoord moet minimaal 1 hoofdletter [A-Z] bevatten.")
        if not re.search(r"[0-9]", password):
            problems.append("Het wachtwoord moet minimaal 1 cijfer [0-9] bevatten.")
        if not re.search(r"[^A-Za-z0-9\s]", password):
            problems.append("Het wachtwoord moet minimaal 1 speciaal teken bevatten, zoals !?@#$%^&[]().")
    guessable = guessable_because(password, login_name)
    if guessable:
        problems.append(guessable)
    return problems


def guessable_because(password, login_name=None):
    """Why a password is easy to guess whatever its length (one reason), or None."""
    if not password:
        return None
    lowered = password.strip().lower()
    if len(set(lowered.replace(" ", ""))) == 1:
        return REPEATED
    if re.fullmatch(r"[\d\s.,/-]+", lowered):
        return ONLY_DIGITS
    own_words = _login_words(login_name)
    found = _WORD_AND_YEAR.match(lowered)
    if found:
        word = found.group("word") or found.group("word2")
        if word in common_words() or word in own_words:
            return WORD_AND_YEAR
    if is_common(password) or (login_name and lowered == login_name.strip().lower()):
        return TOO_COMMON
    core = re.sub(r"^[^a-z]+|[^a-z]+$", "", lowered)
    if core and core in own_words:  # the name itself, dressed up ("Jansen123!")
        return TOO_COMMON
    return None


def _login_words(login_name):
    """The words of the login name's local part: "marloes.jansen@..." → marloes, jansen."""
    local = (login_name or "").split("@", 1)[0].lower()
    return {word for word in re.split(r"[^a-z]+", local) if len(word) >= 3}


def is_common(password):
    """In the list, or a listed word dressed up with digits and symbols ("Welkom01!")."""
    lowered = password.strip().lower()
    if lowered in common_passwords():
        return True
    core = re.sub(r"^[^a-z]+|[^a-z]+$", "", lowered)
    return len(password) < PASSPHRASE_LENGTH and len(core) >= 4 and core in common_words()


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

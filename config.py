"""Settings, read from environment variables with defaults that need nothing but Python.

Every setting is listed in README.md. `Config` is production/development; `TestConfig`
is what the test suite uses (fast bcrypt, its own database, CSRF still on).
"""
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(url):
    """Normalise a database URL: postgres:// and postgresql:// mean psycopg 3."""
    # Heroku-style URLs and plain postgresql:// both mean psycopg 3 here.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


# The SECRET_KEY a newcomer gets without settings; create_app refuses it in production.
DEVELOPMENT_SECRET_KEY = "dev-only-secret-change-me"


def is_production(env_name):
    """PORTAL_ENV other than development (make run) and test (the suite) is a real deployment."""
    return env_name not in ("development", "test")


class Config:
    ENV_NAME = os.environ.get("PORTAL_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'ouderportaal.sqlite'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # School settings kept per process at most this long (app/settings.py).
    SETTINGS_CACHE_SECONDS = float(os.environ.get("SETTINGS_CACHE_SECONDS", "30"))

    # Mail: without MAIL_SERVER every mail is written to instance/outbox/ as .eml.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Kindcentrum CBS De Schutkampen <noreply@schutkampen.example>"
    )
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))
    # Set when the SMTP relay offers SMTPUTF8: addresses with a non-ASCII local part
    # (bé@…) are then accepted; otherwise they are refused with a Dutch message.
    MAIL_SMTPUTF8 = _bool("MAIL_SMTPUTF8")
    # Seconds before an SMTP server that does not answer counts as away (a retry follows).
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "30"))

    # Absolute base for links in e-mails (jobs run outside a request).
    PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:5000").rstrip("/")
    SCHOOL_NAME = os.environ.get("SCHOOL_NAME", "Kindcentrum CBS De Schutkampen")
    TIMEZONE = "Europe/Amsterdam"

    BCRYPT_ROUNDS = int(os.environ.get("BCRYPT_ROUNDS", "12"))
    ACTIVATION_TOKEN_HOURS = 7 * 24
    RESET_TOKEN_HOURS = 1
    EMAIL_CHANGE_TOKEN_HOURS = 48

    # Uploads live outside static/ and are served through access-checked routes.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    # Phone photos are 3-12 MB. A photo over MAX_IMAGE_PIXELS is scaled down to it; only one
    # over MAX_IMAGE_PIXELS_HARD (what a decompression bomb looks like) is refused.
    MAX_IMAGE_BYTES = int(os.environ.get("MAX_IMAGE_BYTES", str(20 * 1024 * 1024)))
    MAX_IMAGE_PIXELS = int(os.environ.get("MAX_IMAGE_PIXELS", str(40_000_000)))
    MAX_IMAGE_PIXELS_HARD = int(os.environ.get("MAX_IMAGE_PIXELS_HARD", str(80_000_000)))
    MAX_DOCUMENT_BYTES = int(os.environ.get("MAX_DOCUMENT_BYTES", str(20 * 1024 * 1024)))
    # Whole request cap: an album upload of many photos at once.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(200 * 1024 * 1024)))
    # Where uploads are stored (app/storage): unset or file://… the folder UPLOAD_DIR (one host
    # only); s3://bucket/prefix an S3-compatible object store (boto3), at STORAGE_ENDPOINT_URL
    # when it is not AWS itself. STORAGE_SERVE: "stream" through the app, or "redirect" to a
    # presigned URL valid STORAGE_URL_SECONDS (after the access check either way).
    STORAGE_URL = os.environ.get("STORAGE_URL") or None
    STORAGE_ENDPOINT_URL = os.environ.get("STORAGE_ENDPOINT_URL") or None
    STORAGE_SERVE = os.environ.get("STORAGE_SERVE", "stream")
    STORAGE_URL_SECONDS = int(os.environ.get("STORAGE_URL_SECONDS", "300"))
    # The store's keys; unset: boto3's own search (its environment variables, an instance role).
    AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID") or None
    AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
    AWS_REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", ENV_NAME != "development")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Login sessions (app/auth/sessions.py). Idle: ends after this long without a request.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "120"))
    # Absolute: ends this long after logging in, however busy (a form post does not extend
    # it). 12 hours covers a teacher's whole school day in one login, and a copied cookie
    # works half a day at most.
    SESSION_MAX_HOURS = float(os.environ.get("SESSION_MAX_HOURS", "12"))
    # "Ingelogd blijven" (parents only): a kept session ends this many days after logging
    # in, with no idle limit; revoked like any other (password change, "alle apparaten").
    SESSION_KEEP_DAYS = float(os.environ.get("SESSION_KEEP_DAYS", "30"))
    # Only a kept session's cookie is permanent: it expires with the session, set once at
    # login (not pushed on with every request: the session's end does not move either).
    # The signed cookie is also refused once older than this, for every session.
    PERMANENT_SESSION_LIFETIME = max(timedelta(days=SESSION_KEEP_DAYS), timedelta(hours=SESSION_MAX_HOURS)) + timedelta(hours=1)
    SESSION_REFRESH_EACH_REQUEST = False
    # Strict-Transport-Security in production: browsers then use https only, for a year.
    HSTS_MAX_AGE = int(os.environ.get("HSTS_MAX_AGE", str(365 * 24 * 3600)))

    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead of a clock
    WTF_CSRF_HEADERS = ["X-CSRFToken"]

    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down must not turn pages into 500s: the limits fall back to this process's memory
    # (Flask-Limiter retries Redis with backoff and returns to it), any other storage error is
    # logged and the request let through; short timeouts so a hanging Redis is not waited for.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "5 per minute; 20 per hour")
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "30 per minute")

    # Flask-Compress: brotli (else gzip) for text responses, and brotli (else deflate) for
    # /static's JS, which is sent as a stream (Flask-Compress's default picks zstd first, which
    # packs htmx worse: bench/phone.py); photos and documents are not text and pass as they are.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br", "deflate"]
    COMPRESS_LEVEL = 6
    COMPRESS_BR_LEVEL = 4
    COMPRESS_MIN_SIZE = 500

    # Number of reverse proxies in front of gunicorn (X-Forwarded-For/-Proto are trusted).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    # When the worker sends the evening and weekly batches (Europe/Amsterdam).
    BATCH_TIME = os.environ.get("BATCH_TIME", "17:30")
    # The delivery ledger (app/jobs/ledger.py): seconds before each retry of a mail that
    # could not go ("none": a failure is final at once), rows claimed per chunk, and how
    # long a claim holds before a row of a sender that seems gone is sent again.
    NOTIFY_RETRY_DELAYS = os.environ.get("NOTIFY_RETRY_DELAYS") or "60,300,900,3600,10800,21600"
    NOTIFY_CHUNK_SIZE = int(os.environ.get("NOTIFY_CHUNK_SIZE") or "200")
    NOTIFY_CLAIM_LEASE = int(os.environ.get("NOTIFY_CLAIM_LEASE") or "900")
    # Seconds an account mail's ledger row waits for its own job before the minute tick
    # sends it itself (app/jobs/account_mail.py); at once when the job could not be queued.
    MAIL_JOB_GRACE = int(os.environ.get("MAIL_JOB_GRACE") or "60")

    # Logs on stderr (app/logs.py): "json" (one object per line; the default outside
    # development and test) or "text".
    LOG_FORMAT = os.environ.get("LOG_FORMAT") or None
    # Error reports to Sentry (app/monitoring.py) when set; personal data scrubbed.
    SENTRY_DSN = os.environ.get("SENTRY_DSN") or None
    SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT") or None
    # /healthz (app/home/routes.py): the worker's heartbeat and the oldest due unsent mail
    # are reported as "te oud" past these many seconds (the answer stays 200; see README).
    HEALTH_WORKER_MAX_AGE = int(os.environ.get("HEALTH_WORKER_MAX_AGE") or "120")
    HEALTH_MAIL_MAX_AGE = int(os.environ.get("HEALTH_MAIL_MAX_AGE") or "3600")
    # Seconds to wait for PostgreSQL to accept a connection: a database that is down means
    # the friendly 503 page soon, not a request that hangs.
    DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT") or "5")

    # Test-only: pretend it is this moment (app/clock.py), e.g. "2030-03-10 10:45" in
    # Amsterdam time. The worker reads it from its environment too. Never in production.
    PRETEND_NOW = os.environ.get("PRETEND_NOW") or None
    # Test-only: the sender SIGKILLs the worker and itself after this many mails marked
    # sent (app/jobs/testing.py), so a test can kill a worker mid-batch. Never in production.
    TESTING_KILL_AFTER_SENT = int(os.environ.get("TESTING_KILL_AFTER_SENT") or "0") or None


class TestConfig(Config):
    TESTING = True
    ENV_NAME = "test"
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL") or "sqlite://")
    REDIS_URL = None
    MAIL_SERVER = None
    STORAGE_URL = None  # the local folder; tests/fixtures/s3.py switches to the S3 server
    BCRYPT_ROUNDS = 4
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RATELIMIT_STORAGE_URI = "memory://"
    PORTAL_URL = "http://localhost"
    SENTRY_DSN = None

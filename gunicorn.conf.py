"""gunicorn settings, read automatically by `gunicorn wsgi:app` (Procfile: web)."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Sync workers: one request each. WEB_CONCURRENCY overrides (2 × cores + 1 by default).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# The worker model; the benchmarks (bench/booking.py, bench/journey.py) compare them.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# Large album uploads are read by the app; keep-alive briefly for the proxy in front.
keepalive = 5
# Off by default: the portal logs one JSON line per request itself (app/logs.py), with the
# route's template instead of the URL (no query strings, no link tokens) and a request id.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"

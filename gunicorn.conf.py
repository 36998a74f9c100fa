"""gunicorn settings, read automatically by `gunicorn wsgi:app` (Procfile: web)."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Sync workers, one more than the cores: the pages are CPU-bound (a rendered Home is some
# 40 ms of CPU, its queries some 5 ms), so more processes or threads only queue for the same
# cores. Measured with bench/journey.py (300 parents, 2 cores): sync × 3 49.7 req/s, p99 of
# Home 603 ms; sync × 5 41.7 req/s, 756 ms; gthread 3 × 4 threads 42.3 req/s, 1599 ms (see
# bench/RESULTS.md). WEB_CONCURRENCY, GUNICORN_WORKER_CLASS and GUNICORN_THREADS override.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# Large album uploads are read by the app; keep-alive briefly for the proxy in front.
keepalive = 5
# Off by default: the portal logs one JSON line per request itself (app/logs.py), with the
# route's template instead of the URL (no query strings, no link tokens) and a request id.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"

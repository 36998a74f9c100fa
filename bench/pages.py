"""bench/pages: requests/s and latency of the parent pages under load, against the floor.

Starts the web process as the Procfile does (`gunicorn wsgi:app`, configured by
gunicorn.conf.py) on the benchmark dataset (PostgreSQL when one answers, else SQLite),
logs in as a parent with two children and drives each page from loopback with wrk
(Debian's package) — or, where wrk is missing, a small Python load generator. Prints
requests/s, p50 and p99 latency for Home, a group page, Nieuws, a photo album (its photos
through the consent rules), the Oudergesprekken slot list and /ping (no database, no template: the framework's floor), and each page's ratio
to the floor. Targets: ratio ≥ 0.3, p99 < 100 ms.

Every request is rendered (the page cache that kept rendered pages per session was removed
in issue 18: bench/journey.py measured 0 % hits on realistic load, see bench/RESULTS.md).

    python bench/pages.py [--reuse] [--duration 10] [--connections 4]
"""
import argparse
import collections
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import dataset  # noqa: E402

TARGET_RATIO = 0.3
TARGET_P99_MS = 100


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2")


def redis_available():
    try:
        from redis import Redis

        Redis.from_url(BENCH_REDIS_URL, socket_connect_timeout=2).ping()
        return True
    except Exception:  # noqa: BLE001
        return False


def fresh_redis():
    """The benchmarks' own Redis database, emptied (queued jobs)."""
    from redis import Redis

    Redis.from_url(BENCH_REDIS_URL).flushdb()


def server_env(url):
    """As in production: with Redis (jobs, rate limits) when one answers."""
    env = dict(os.environ, DATABASE_URL=url, RATELIMIT_ENABLED="0", SESSION_COOKIE_SECURE="0",
               PORTAL_ENV="benchmark", UPLOAD_DIR=str(dataset.OUT / "uploads"),
               SECRET_KEY="bench-secret", WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", str(os.cpu_count() + 1)))  # as gunicorn.conf.py
    if redis_available():
        env["REDIS_URL"] = BENCH_REDIS_URL
    return env


def start_gunicorn(url, port):
    command = [str(Path(sys.executable).parent / "gunicorn"), "wsgi:app", "--bind", f"127.0.0.1:{port}",
               "--log-level", "warning"]
    env = server_env(url)
    if "REDIS_URL" in env:
        fresh_redis()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/ping")
            if conn.getresponse().status == 200:
                process.log_lines = drain_stderr(process)
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start: " + (process.stderr.read() if process.stderr else ""))


def drain_stderr(process, keep=50):
    """Read the server's stderr as it comes, keeping the last `keep` lines. The app writes a
    JSON line per request there (app/logs.py): unread, the pipe is full after some 250
    requests and every worker blocks on its next log line."""
    lines = collections.deque(maxlen=keep)

    def read():
        for line in process.stderr:
            lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def login(port, login_name, password):
    """Log in through the form; returns the session cookie header value."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/login")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"username": login_name, "password": password, "csrf_token": token})
    conn.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    assert response.status == 302, f"login failed: {response.status}"
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    # The first page after logging in adds the session's CSRF secret: keep the cookie as a browser does.
    conn.request("GET", "/", headers={"Cookie": cookie})
    response = conn.getresponse()
    response.read()
    renewed = response.getheader("Set-Cookie")
    return renewed.split(";", 1)[0] if renewed else cookie


def find_urls(port, cookie):
    """The pages to measure, found by following the parent's own links."""
    def get(path):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        return response.status, response.read().decode()

    urls = {"Home": "/", "Nieuws": "/nieuws/", "Floor (/ping)": "/ping"}
    status, html = get("/groepen/")
    group = re.search(r'href="(/groepen/\d+)"', html)
    if group:
        urls["Groep"] = group.group(1)
    status, html = get("/fotoalbums")
    album = re.search(r'href="(/fotoalbums/\d+)"', html)
    if album:  # its photos pass the consent rules (app/privacy/consent.py)
        urls["Fotoalbum"] = album.group(1)
    status, html = get("/oudergesprekken/")
    slots = re.search(r'href="(/oudergesprekken/\d+/kind/\d+)"', html)
    if slots:
        urls["Oudergesprekken (tijdsloten)"] = slots.group(1)
    for name, path in urls.items():
        status, _ = get(path)
        assert status == 200, f"{name} {path} answered {status}"
    return urls


def run_wrk(port, path, cookie, duration, connections):
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-H", f"Cookie: {cookie}",
         f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout

    def latency(label):
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rps, "p50": latency("50"), "p99": latency("99"),
            "errors": int(non_2xx.group(1)) if non_2xx else 0}


def run_python_load(port, path, cookie, duration, connections):
    """Fallback load generator: keep-alive connections in threads, fixed duration."""
    latencies, errors = [], [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port)
        mine = []
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {"rps": len(latencies) / duration, "p50": latencies[len(latencies) // 2],
            "p99": latencies[int(len(latencies) * 0.99)], "errors": errors[0]}


def measure(url, args):
    """Start gunicorn, log in, and load every page; returns {page: figures}."""
    port = free_port()
    server = start_gunicorn(url, port)
    load = run_wrk if shutil.which("wrk") else run_python_load
    try:
        cookie = login(port, dataset.BENCH_PARENT, dataset.BENCH_PASSWORD)
        urls = find_urls(port, cookie)
        results = {}
        for name, path in urls.items():
            load(port, path, cookie, 2, args.connections)  # warm-up
            results[name] = dict(path=path, **load(port, path, cookie, args.duration, args.connections))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return results


def print_table(title, results):
    floor = results["Floor (/ping)"]["rps"]
    print(title)
    print(f"{'page':32s} {'req/s':>8s} {'p50 ms':>8s} {'p99 ms':>8s} {'× floor':>8s}  verdict")
    for name, r in results.items():
        ratio = r["rps"] / floor if floor else 0
        ok = (ratio >= TARGET_RATIO or name.startswith("Floor")) and r["p99"] < TARGET_P99_MS and not r["errors"]
        r["ratio"] = ratio
        print(f"{name:32s} {r['rps']:8.0f} {r['p50']:8.1f} {r['p99']:8.1f} {ratio:8.2f}  "
              f"{'ok' if ok else 'BELOW TARGET'}{' (' + str(r['errors']) + ' errors)' if r['errors'] else ''}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reuse", action="store_true", help="use the dataset already built")
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", "8")))
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--json", help="write the figures to this file too")
    args = parser.parse_args(argv)

    url = dataset.benchmark_database(args.reuse)
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    tool = "wrk" if shutil.which("wrk") else "python"
    workers = server_env(url)["WEB_CONCURRENCY"]
    print(f"bench/pages: gunicorn ({workers} workers), {database}, load by {tool}, "
          f"{args.connections} connections, {args.duration}s per page")
    runs = {"rendered": measure(url, args)}
    print_table("Every request rendered (the database and templates each time):", runs["rendered"])
    print(f"targets: each page ≥ {TARGET_RATIO} × floor, p99 < {TARGET_P99_MS} ms")
    if args.json:
        Path(args.json).write_text(json.dumps({"database": database, "tool": tool, "runs": runs}, indent=2))
    return runs


if __name__ == "__main__":
    main()

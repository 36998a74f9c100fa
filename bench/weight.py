"""bench/weight: bytes a browser transfers for Home (HTML, CSS, JS, images).

Runs the app under gunicorn on the benchmark dataset, logs in in Chromium as the
benchmark parent with an empty cache, loads Home and adds up every response: the bytes
on the wire with compression (the app compresses with Flask-Compress) and the bytes of
the bodies themselves (what an uncompressed server would send). Budget: Home without
photos under 60 KB compressed.

    python bench/weight.py [--reuse]
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import dataset  # noqa: E402
from bench.pages import free_port, start_gunicorn  # noqa: E402

BUDGET = 60 * 1024
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def kind_of(response):
    content_type = (response.headers.get("content-type") or "").split(";")[0]
    if content_type.startswith("image/"):
        return "images"
    return {"text/html": "HTML", "text/css": "CSS", "application/javascript": "JS",
            "text/javascript": "JS"}.get(content_type, content_type or "other")


def measure(base_url, path="/"):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        context = browser.new_context(base_url=base_url)
        page = context.new_page()
        page.goto("/login")
        page.fill("#username", dataset.BENCH_PARENT)
        page.fill("#password", dataset.BENCH_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        # A fresh context with the login cookie: an empty cache, as on a first visit.
        cookies = context.cookies()
        fresh = browser.new_context(base_url=base_url)
        fresh.add_cookies(cookies)
        page = fresh.new_page()
        responses = []
        page.on("requestfinished", lambda request: responses.append(request))
        page.goto(path)
        page.wait_for_load_state("networkidle")
        rows = {}
        for request in responses:
            response = request.response()
            if response is None:
                continue
            sizes = request.sizes()
            wire = sizes["responseBodySize"] + sizes["responseHeadersSize"]
            body = len(response.body())
            kind = kind_of(response)
            row = rows.setdefault(kind, {"requests": 0, "wire": 0, "body": 0})
            row["requests"] += 1
            row["wire"] += wire
            row["body"] += body
        browser.close()
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args(argv)
    url = dataset.benchmark_database(args.reuse)
    port = free_port()
    server = start_gunicorn(url, port)
    try:
        rows = measure(f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    print("bench/weight: Home of the benchmark parent, empty cache, in Chromium")
    print(f"{'kind':10s} {'requests':>8s} {'compressed':>11s} {'uncompressed':>13s}")
    total_wire = total_body = 0
    for kind, row in sorted(rows.items()):
        print(f"{kind:10s} {row['requests']:8d} {row['wire'] / 1024:9.1f}KB {row['body'] / 1024:11.1f}KB")
        total_wire += row["wire"]
        total_body += row["body"]
    photos = rows.get("images", {}).get("wire", 0)
    without_photos = total_wire - photos
    print(f"{'total':10s} {'':8s} {total_wire / 1024:9.1f}KB {total_body / 1024:11.1f}KB")
    verdict = "ok" if without_photos < BUDGET else "OVER BUDGET"
    print(f"Home without photos, compressed: {without_photos / 1024:.1f} KB (budget {BUDGET // 1024} KB): {verdict}")
    return rows


if __name__ == "__main__":
    main()

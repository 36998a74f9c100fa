"""bench/phone: page weight and first paint of Home and the slot list on a slow phone.

Starts the app under gunicorn on the benchmark dataset (as bench/pages.py does), logs in in
Chromium as the benchmark parent, then opens each page in a fresh context with only the
login cookies (an empty cache: a first visit), a phone's viewport (360x780 CSS px, 2x) and,
through a CDP session, DevTools' "Slow 4G" preset with the CPU slowed 4x (Lighthouse's
mobile profile): latency 562.5 ms (150 ms RTT x 3.75), download 180,000 B/s (1.6 Mbit/s
x 0.9), upload 84,375 B/s (750 kbit/s x 0.9). Source: Slow4GConditions in
ChromeDevTools/devtools-frontend front_end/core/sdk/NetworkManager.ts (called "Fast 3G"
before May 2024), the numbers its NetworkManager.test.ts expects emulateNetworkConditions
to get. DevTools adds the latency to every request: each round of requests the browser
discovers only after the previous one arrived costs at least 562.5 ms.

Per page, the median of --runs runs of:
- FCP: the 'first-contentful-paint' paint entry (ms after navigation start);
- TTI, defined simply: the latest of first paint, the page's scripts being ready and the
  end of the last long task (>= 50 ms, PerformanceObserver 'longtask', read buffered) up
  to a second after the network went quiet. Ready: for the portal the end of
  DOMContentLoaded with htmx initialised (htmx processes <body> in a DOMContentLoaded
  listener; checked: <body> holds htmx's data), for the SPA its `app:rendered` mark, set
  once its list is in the DOM. Nothing is injected before the page's own scripts
  (a Playwright init script costs 50-100 ms at 4x and would move every figure);
- load: loadEventEnd; bytes per kind (HTML, CSS, JS, images, other) on the wire
  (compressed body plus headers) and uncompressed; the requests, which of them block
  rendering, and the round trips before the first paint.
Budgets: without photos <= 30 KB compressed, FCP < 1.5 s (Home, and the slot list alike).

For comparison, a single-page app on the same profile: a seeded synthetic 1 MiB
minified-looking bundle (many small generated modules with varied identifiers and
literals; gzip shrinks it about 3.5x, as real minified JS), loaded by a <script defer>
from an index.html with an empty <div id=root>; once run it fetches a small JSON and
renders a heading and a list, so it paints only after the bundle ran. A small local
HTTP server sends it gzipped (bench/phone_spa.py). And a floor from the same server: a
heading and a paragraph with the portal's portal.css and one deferred script, the soonest
any page with one external stylesheet paints on this profile and this machine.

    python bench/phone.py [--reuse] [--runs 3]
"""
import argparse
import re
import statistics
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import dataset, phone_spa  # noqa: E402
from bench.pages import free_port, start_gunicorn  # noqa: E402

BUDGET = 30 * 1024
FCP_TARGET_MS = 1500
SLOW_4G = {"offline": False, "latency": 150 * 3.75, "downloadThroughput": 1.6 * 1000 * 1000 / 8 * 0.9,
           "uploadThroughput": 750 * 1000 / 8 * 0.9, "connectionType": "cellular4g"}
CPU_SLOWDOWN = 4
PHONE = {"viewport": {"width": 360, "height": 780}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
KINDS = ("HTML", "CSS", "JS", "images", "other")

# Run after the load: long tasks come from the buffer (Chromium keeps them for a buffered
# observer), so no script is injected before the page's own (that costs time at 4x).
METRICS_JS = """() => new Promise(done => {
  const longtasks = [];
  new PerformanceObserver(list => list.getEntries().forEach(
    e => longtasks.push(e.startTime + e.duration))).observe({type: "longtask", buffered: true});
  setTimeout(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const fcp = performance.getEntriesByName("first-contentful-paint")[0];
    const mark = performance.getEntriesByName("app:rendered")[0];
    const ready = mark ? mark.startTime : (document.body["htmx-internal-data"] ? nav.domContentLoadedEventEnd : null);
    done({
      fcp: fcp ? fcp.startTime : null, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, ready: ready,
      tti: ready === null || !fcp ? null : Math.max(fcp.startTime, ready, ...longtasks),
      resources: [{name: location.pathname, start: 0, end: nav.responseEnd, blocking: "document"}].concat(
        performance.getEntriesByType("resource").map(r => ({
          name: new URL(r.name).pathname, start: r.startTime, end: r.responseEnd,
          blocking: r.renderBlockingStatus || "?"}))),
    });
  }, 50);
})"""
READY_JS = ('() => document.readyState === "complete" && (performance.getEntriesByName("app:rendered").length > 0'
            ' || !!(document.body && document.body["htmx-internal-data"]))')


def kind_of(response):
    content_type = (response.headers.get("content-type") or "").split(";")[0]
    if content_type.startswith("image/"):
        return "images"
    return {"text/html": "HTML", "text/css": "CSS", "application/javascript": "JS",
            "text/javascript": "JS"}.get(content_type, "other")


def throttle(context, page):
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return cdp


def byte_rows(requests):
    """Bytes per kind, and per path (on the wire: compressed body plus headers)."""
    rows = {kind: {"requests": 0, "wire": 0, "headers": 0, "body": 0} for kind in KINDS}
    by_path = {}
    for request in requests:
        response = request.response()
        if response is None:
            continue
        sizes = request.sizes()
        wire = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        row = rows[kind_of(response)]
        row["requests"] += 1
        row["wire"] += wire
        row["headers"] += sizes["responseHeadersSize"]
        row["body"] += len(response.body())
        by_path[urlsplit(request.url).path] = wire
    return rows, by_path


def visit(browser, base_url, cookies, path):
    """One first visit of `path` on the phone profile: timings and bytes."""
    context = browser.new_context(base_url=base_url, **PHONE)
    context.add_cookies(cookies)
    page = context.new_page()
    throttle(context, page)
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    response = page.goto(path, wait_until="load", timeout=60_000)
    assert response.status == 200, f"{path} answered {response.status}"
    page.wait_for_load_state("networkidle", timeout=60_000)
    # A function, not an expression string: the portal's CSP forbids eval.
    page.wait_for_function(READY_JS, timeout=30_000)
    page.wait_for_timeout(1000)  # a quiet second: a long task late in the start still counts
    metrics = page.evaluate(METRICS_JS)
    metrics["bytes"], wire = byte_rows(finished)
    for resource in metrics["resources"]:
        resource["wire"] = wire.get(resource["name"], 0)
    context.close()
    return metrics


def login(browser, base_url):
    """Log in as the benchmark parent (unthrottled); its cookies and the slot list's URL."""
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", dataset.BENCH_PARENT)
    page.fill("#password", dataset.BENCH_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    # The slot list, found by following the parent's links as bench/pages.py find_urls does.
    page.goto("/oudergesprekken/")
    slots = re.search(r'href="(/oudergesprekken/\d+/kind/\d+)"', page.content())
    cookies = context.cookies()
    # Warm the web processes (a worker's first render compiles templates): every worker
    # should have served each page once, as on a server that has been up a while.
    for _ in range(8):
        for path in ("/", slots.group(1) if slots else "/"):
            context.request.get(path)
    context.close()
    return cookies, slots.group(1) if slots else None


def median_of(runs):
    """Per figure the median over the runs; the resources of the run with the median FCP."""
    def med(values):
        return statistics.median(values) if None not in values else None

    summary = {key: med([run[key] for run in runs]) for key in ("fcp", "tti", "load", "dcl")}
    summary["bytes"] = {kind: {field: statistics.median(run["bytes"][kind][field] for run in runs)
                               for field in ("requests", "wire", "headers", "body")} for kind in KINDS}
    by_fcp = sorted(runs, key=lambda run: run["fcp"] or 0)
    summary["resources"] = by_fcp[len(by_fcp) // 2]["resources"]
    return summary


def measure_all(portal_url, spa_url, runs):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        cookies, slots = login(browser, portal_url)
        pages = [("Home", portal_url, cookies, "/")]
        if slots:
            pages.append(("Slot list", portal_url, cookies, slots))
        pages.append(("Floor (h1 + portal.css)", spa_url, [], "/floor/"))
        pages.append(("1 MB SPA (comparison)", spa_url, [], "/"))
        visits = {name: [] for name, *_ in pages}
        for _ in range(runs):  # round-robin, so a busier moment of the machine hits every page alike
            for name, base_url, page_cookies, path in pages:
                visits[name].append(visit(browser, base_url, page_cookies, path))
        results = {name: median_of(runs_of_page) for name, runs_of_page in visits.items()}
        browser.close()
    return results


def totals(summary):
    rows = summary["bytes"].values()
    return tuple(sum(row[field] for row in rows) for field in ("wire", "body", "requests", "headers"))


def round_trips(resources):
    """Rounds of requests before the first paint: the document, then each wave of render-blocking
    requests that could only start once an earlier one had arrived (a CSS @import, say)."""
    waves = {}
    for res in sorted(resources, key=lambda res: res["start"]):
        if res["blocking"] in ("document", "blocking"):
            earlier = [waves[other["name"]] for other in resources
                       if other["name"] in waves and other["end"] <= res["start"]]
            waves[res["name"]] = 1 + max(earlier, default=0)
    return max(waves.values(), default=0)


def ms(value):
    return f"{value:8.0f}" if value is not None else f"{'-':>8s}"


def print_report(results, runs):
    print(f'bench/phone: first visit on a phone, Chrome DevTools "Slow 4G" ({SLOW_4G["latency"]} ms latency, '
          f'{SLOW_4G["downloadThroughput"] / 1000:.0f} kB/s down, {SLOW_4G["uploadThroughput"] / 1000:.1f} kB/s up), '
          f"CPU {CPU_SLOWDOWN}x slower, 360x780 px; median of {runs} runs, each with an empty cache")
    print("TTI: the latest of first paint, DOMContentLoaded with htmx ready (SPA: its list rendered) and the "
          "end of the last long task")
    print(f"{'page':24s} {'FCP ms':>8s} {'TTI ms':>8s} {'load ms':>8s} {'compressed':>11s} {'uncompressed':>13s} "
          f"{'requests':>8s}")
    for name, summary in results.items():
        wire, body, count, _ = totals(summary)
        print(f"{name:24s} {ms(summary['fcp'])} {ms(summary['tti'])} {ms(summary['load'])} "
              f"{wire / 1024:9.1f}KB {body / 1024:11.1f}KB {count:8.0f}")
    home = results["Home"]
    print("\nHome per kind        requests  compressed (of which headers)  uncompressed")
    for kind, row in home["bytes"].items():
        print(f"  {kind:18s} {row['requests']:9.0f} {row['wire'] / 1024:9.1f}KB {row['headers'] / 1024:10.1f}KB"
              f"{row['body'] / 1024:18.1f}KB")
    for name in ("Home", "Slot list"):
        if name in results:
            print_requests(name, results[name])
    print_verdicts(results)


def print_requests(name, summary):
    rounds = round_trips(summary["resources"])
    print(f"\n{name}, its requests in the median run (ms after navigation start); {rounds} round trip(s) "
          f"before the first paint = {rounds * SLOW_4G['latency']:.0f} ms of emulated latency:")
    for res in summary["resources"]:
        print(f"  {res['name'][:40]:40s} {res['blocking']:>12s} {res['start']:6.0f} → {res['end']:5.0f} ms "
              f"{res['wire'] / 1024:6.1f}KB")
    print(f"  first contentful paint {summary['fcp']:.0f} ms")


def print_verdicts(results):
    print("\nVerdicts:")
    for name in ("Home", "Slot list"):
        if name not in results:
            print(f"{name}: not found (no slot list link on /oudergesprekken/)")
            continue
        summary = results[name]
        wire, _, _, headers = totals(summary)
        wire -= summary["bytes"]["images"]["wire"]
        headers -= summary["bytes"]["images"]["headers"]
        print(f"{name} without photos, compressed: {wire / 1024:.1f} KB, {headers / 1024:.1f} KB of it headers "
              f"(budget {BUDGET // 1024} KB): {'ok' if wire <= BUDGET else 'OVER BUDGET'}")
        fcp = summary["fcp"]
        verdict = "ok" if fcp is not None and fcp < FCP_TARGET_MS else "ABOVE TARGET"
        print(f"{name} first contentful paint: {ms(fcp).strip()} ms (target < {FCP_TARGET_MS} ms): {verdict}")
    spa = results["1 MB SPA (comparison)"]
    js = spa["bytes"]["JS"]
    print(f"For comparison, the SPA: a {js['body'] / 1024:.0f} KB bundle ({js['wire'] / 1024:.0f} KB gzipped), "
          f"first paint {ms(spa['fcp']).strip()} ms, interactive {ms(spa['tti']).strip()} ms; "
          f"Home paints {spa['fcp'] / results['Home']['fcp']:.1f}x sooner")
    floor = results["Floor (h1 + portal.css)"]["fcp"]
    print(f"Floor: a heading with portal.css and one deferred script paints at {floor:.0f} ms on this machine "
          f"(2 round trips = {2 * SLOW_4G['latency']:.0f} ms of it latency); Home is {results['Home']['fcp'] - floor:.0f} "
          f"ms above it")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reuse", action="store_true", help="the benchmark database as it is")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    url = dataset.benchmark_database(args.reuse)
    port = free_port()
    server = start_gunicorn(url, port)
    stylesheet = (ROOT / "app" / "static" / "css" / "portal.css").read_bytes()
    spa_server, spa_url = phone_spa.serve({**phone_spa.files(), **phone_spa.floor_files(stylesheet)})
    try:
        results = measure_all(f"http://127.0.0.1:{port}", spa_url, args.runs)
    finally:
        spa_server.shutdown()
        server.terminate()
        server.wait(timeout=10)
    print_report(results, args.runs)
    return results


if __name__ == "__main__":
    main()

"""bench/booking: 200 parents booking in one round at the same moment (PostgreSQL).

A realistic minute when a booking opens: 200 families, each logged in on its own, hold
the slot list open; at one signal they all click, most of them on the popular first
hour. A refused parent ("Dit tijdslot is zojuist ... gereserveerd") picks another free
slot from the refreshed list, as a person would, up to three times. Prints successes,
clear refusals, double bookings (must be 0), errors (must be 0) and p99 latency.

    python bench/booking.py [--parents 200]
"""
import argparse
import http.client
import os
import random
import re
import sys
import threading
import time
import urllib.parse
from datetime import date, time as clock, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import dataset  # noqa: E402
from bench.pages import free_port, start_gunicorn  # noqa: E402

PASSWORD = "Boek!2026nu"
TARGET_P99_MS = 1000


def prepare(url, parents):
    """A group of `parents` pupils, one parent each, and an open round with enough slots."""
    import bcrypt
    from sqlalchemy import select

    from app.extensions import db
    from app.meetings import services
    from app.models import Child, Group, Guardianship, MeetingInvitation, MeetingRound, Role, User
    from app.passwords import _prehash

    app = dataset.bench_app(url)
    with app.app_context():
        # Cost 4 for these logins only: the benchmark measures booking, not bcrypt.
        password_hash = bcrypt.hashpw(_prehash(PASSWORD), bcrypt.gensalt(4)).decode()
        group = Group(name=f"Boek{random.randint(1000, 9999)}", level=5, sort_order=99)
        db.session.add(group)
        office = db.session.scalar(select(User).where(User.role == Role.ADMIN))
        logins = []
        for index in range(parents):
            login = f"boek{group.name}-{index}@bench.example".lower()
            user = User(login_name=login, email=login, first_name="Boek", last_name=str(index), role=Role.PARENT,
                        password_hash=password_hash, activated_at=dataset_now())
            child = Child(first_name="Kind", last_name=str(index), group=group)
            db.session.add_all([user, child, Guardianship(parent=user, child=child)])
            logins.append((login, child))
        db.session.commit()
        round_ = services.create_round(office, group.id, "Gesprekken bij de start", "Kies een tijd.")
        first = date.today() + timedelta(days=10)
        for offset in range(3):
            services.add_day(round_, first + timedelta(days=offset), clock(12, 0), clock(20, 0), 5)
        for _login, child in logins:
            db.session.add(MeetingInvitation(round=round_, child_id=child.id, slots_needed=2 if child.id % 10 == 0 else 1))
        round_.status = "open"
        db.session.commit()
        dataset.analyze()
        return round_.id, [(login, child.id) for login, child in logins]


def dataset_now():
    from app.models import utcnow

    return utcnow()


def count_double_bookings(url, round_id):
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import MeetingBooking, MeetingReservation

    app = dataset.bench_app(url)
    with app.app_context():
        per_slot = db.session.execute(
            select(MeetingBooking.slot_id, func.count()).where(MeetingBooking.round_id == round_id)
            .group_by(MeetingBooking.slot_id).having(func.count() > 1)).all()
        per_child = db.session.execute(
            select(MeetingReservation.child_id, func.count()).where(MeetingReservation.round_id == round_id)
            .group_by(MeetingReservation.child_id).having(func.count() > 1)).all()
        booked = db.session.scalar(select(func.count()).select_from(MeetingReservation)
                                   .where(MeetingReservation.round_id == round_id))
    return len(per_slot) + len(per_child), booked


class Parent:
    def __init__(self, port, login, round_id, child_id):
        self.port, self.login_name = port, login
        self.path = f"/oudergesprekken/{round_id}/kind/{child_id}"
        self.cookie = None
        self.page = ""

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text

    def log_in(self):
        status, html = self.request("GET", "/login")
        token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
        body = urllib.parse.urlencode({"username": self.login_name, "password": PASSWORD, "csrf_token": token})
        status, _ = self.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, f"login {self.login_name}: {status}"
        status, self.page = self.request("GET", self.path)
        assert status == 200
        # The session's CSRF token; the refreshed slot list (an htmx fragment) has no <body>.
        self.token = re.search(r'"X-CSRFToken": "([^"]+)"', self.page).group(1)

    def free_slots(self):
        return re.findall(r'name="slot" value="(\d+)"', self.page)

    def book(self, slot):
        token = self.token
        version = re.search(r'name="versie" value="([^"]*)"', self.page)
        body = urllib.parse.urlencode({"slot": slot, "versie": version.group(1) if version else "",
                                       "csrf_token": token})
        return self.request("POST", self.path + "/reserveren", body, {
            "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true", "X-CSRFToken": token})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parents", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="use the dataset already built")
    args = parser.parse_args(argv)
    if not dataset.postgres_available():
        print("bench/booking: needs PostgreSQL on 127.0.0.1:5432 (the booking rules are measured there)")
        return None
    url = dataset.benchmark_database(args.reuse, os.environ.get("BENCH_DATABASE_URL") or dataset.PG_BENCH_URL)
    round_id, families = prepare(url, args.parents)
    port = free_port()
    server = start_gunicorn(url, port)
    outcomes = {"success": 0, "refused": 0, "error": 0}
    latencies, lock = [], threading.Lock()
    rnd = random.Random(3)
    try:
        parents = [Parent(port, login, round_id, child_id) for login, child_id in families]
        for parent in parents:
            parent.log_in()
        barrier = threading.Barrier(len(parents))

        def click(parent, seed):
            my_random = random.Random(seed)
            barrier.wait()
            for attempt in range(3):
                slots = parent.free_slots()
                if not slots:
                    break
                popular = slots[:24] if attempt == 0 else slots  # the first hour is popular
                started = time.perf_counter()
                try:
                    status, html = parent.book(my_random.choice(popular))
                except Exception:  # noqa: BLE001 — a connection error counts as an error
                    with lock:
                        outcomes["error"] += 1
                    return
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                if status >= 500:
                    with lock:
                        outcomes["error"] += 1
                    return
                if "Gereserveerd voor" in html:
                    with lock:
                        outcomes["success"] += 1
                    return
                with lock:
                    outcomes["refused"] += 1
                parent.page = html  # the refreshed list came with the refusal

        threads = [threading.Thread(target=click, args=(p, rnd.random())) for p in parents]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    doubles, booked = count_double_bookings(url, round_id)
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else 0
    print(f"bench/booking: {args.parents} parents click at once on one round (PostgreSQL, gunicorn)")
    print(f"  successes          {outcomes['success']:5d}")
    print(f"  clear refusals     {outcomes['refused']:5d}  (then picked another slot)")
    print(f"  double bookings    {doubles:5d}  (must be 0)")
    print(f"  errors             {outcomes['error']:5d}  (must be 0)")
    print(f"  reservations held  {booked:5d}")
    print(f"  booking requests   {len(latencies):5d} in {wall:.1f}s, p50 {latencies[len(latencies) // 2]:.0f} ms, "
          f"p99 {p99:.0f} ms")
    model = f"{os.environ.get('GUNICORN_WORKER_CLASS', 'sync')} × {os.environ.get('WEB_CONCURRENCY', os.cpu_count() + 1)} workers" \
            f" × {os.environ.get('GUNICORN_THREADS', '1')} threads"
    print(f"  gunicorn           {model}")
    print(f"  target p99 < {TARGET_P99_MS} ms: {'ok' if p99 < TARGET_P99_MS else 'ABOVE TARGET'}")
    return outcomes, doubles


if __name__ == "__main__":
    main()

"""bench/journey: many parents at once after the 17:30 spoedbericht, in the booking rush.

N parents of distinct families, each logged in on its own, take one path in waves (as after
the 17:30 mail), --concurrency virtual users working through them: 1 Home, 2 the fresh
school-wide spoedbericht, 3 Berichten, 4 Nieuws, 5 a group of their child, 6 the child's
Oudergesprekken slot list, 7 booking a time, or changing it for the one child in three
who holds one (htmx POST; a refused parent picks another free slot from the refreshed
list, up to 3 tries); then as many requests to /ping (the floor). Per step: req/s,
p50/p95/p99, CPU per request of gunicorn (master and workers, /proc) and of PostgreSQL
(this database's backends), × floor, errors; target CPU ≤ 8 ms/request.
Not measured: preparing (cost-4 bcrypt hashes, bookings reset, logins). The load comes
from a small asyncio HTTP/1.1 client in this process; its own CPU is printed too.

    python bench/journey.py [--parents 300] [--concurrency 20]
        [--workers 3] [--worker-class sync] [--threads 1] [--reuse] [--json FILE]
"""
import argparse
import asyncio
import functools
import json
import os
import random
import re
import signal
import sys
import time
from collections import Counter, namedtuple
from concurrent.futures import ThreadPoolExecutor
from datetime import date, time as clock, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bcrypt  # noqa: E402
from sqlalchemy import delete, select, update  # noqa: E402

from app.extensions import db  # noqa: E402
from app.meetings import services as meetings  # noqa: E402
from app.meetings.services.booking import reserve, slots_for_meeting  # noqa: E402
from app.messages import services as messages  # noqa: E402
from app.models import (Child, Guardianship, MeetingBooking, MeetingDay, MeetingInvitation,  # noqa: E402
                        MeetingReservation, MeetingRound, MeetingSlot, Message, Role, User)
from app.passwords import _prehash  # noqa: E402
from bench import booking, dataset  # noqa: E402
from bench.loadgen import Client, Meter, spent  # noqa: E402
from bench.pages import (BENCH_REDIS_URL, free_port, login, redis_available,  # noqa: E402
                         server_env, start_gunicorn)

TARGET_CPU_MS = 8
TARGET_STEPS = {"1 Home", "2 Spoedbericht", "3 Berichten", "5 Groep", "6 Tijdsloten", "7 Boeken/wijzigen"}
SPOED_TITLE = "Spoed: morgen is de school dicht"
SPOED_TEXT = "Door een storing in de verwarming is de school **morgen gesloten**. Opvang: zie de mail."
SUCCESS = 'class="meeting-message meeting-message-success"'
Pick = namedtuple("Pick", "login parent_id child_id group_id round_id needed")


@functools.lru_cache
def bench_app(url):
    """The one app of this process for preparing."""
    app = dataset.bench_app(url)
    app.config["REDIS_URL"] = BENCH_REDIS_URL if redis_available() else None
    return app


class Family(booking.Parent):
    """A parent on the journey. booking.Parent reads the slot list (free_slots) and builds the
    booking form as the page sends it (book); request() here hands that form to the client."""

    def __init__(self, port, pick, holds, seed):
        super().__init__(port, pick.login, pick.round_id, pick.child_id)
        self.group_id, self.holds, self.rnd, self.jar, self.token = pick.group_id, holds, random.Random(seed), {}, None

    def request(self, method, path, body=None, headers=None):
        return method, path, body, headers


class Stats:
    def __init__(self):
        self.requests, self.errors, self.latencies, self.outcomes = 0, 0, [], Counter()


async def fetch(client, stats, method, path, jar, body=None, headers=None):
    """One request, counted in `stats`, the session cookie kept in `jar`: (status, body)."""
    headers = dict(headers or {}, **({"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}))
    stats.requests += 1
    started = time.perf_counter()
    try:
        status, answer, cookies, data = await client.request(method, path, headers, (body or "").encode())
    except (OSError, asyncio.IncompleteReadError, ValueError):
        stats.errors += 1
        return None, b""
    stats.latencies.append((time.perf_counter() - started) * 1000)
    for cookie in cookies:
        name, _, value = cookie.split(";", 1)[0].partition("=")
        jar[name.strip()] = value
    stats.errors += not 200 <= status < 300
    return status, data


def get(path_of):
    async def step(client, family, stats):
        await fetch(client, stats, "GET", path_of(family), family.jar)
    return step


async def slot_list(client, family, stats):
    family.page = (await fetch(client, stats, "GET", family.path, family.jar))[1].decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', family.page)
    family.token = token.group(1) if token else None


async def book_or_change(client, family, stats):
    """Click a free slot (most click in the first hour); a refusal brings the refreshed list."""
    for attempt in range(3):
        slots = family.free_slots() if family.token else []
        if not slots:
            stats.outcomes["no free slot" if family.token else "no slot list"] += 1
            return
        method, path, body, headers = family.book(family.rnd.choice(slots[:24] if attempt == 0 else slots))
        status, data = await fetch(client, stats, method, path, family.jar, body, headers)
        if status != 200:
            return
        if SUCCESS in (html := data.decode()):
            stats.outcomes["changed" if family.holds else "booked"] += 1
            return
        stats.outcomes["refused"] += 1
        family.page = html
    stats.outcomes["gave up"] += 1


# --- preparing (not measured) ------------------------------------------------------------------

def choose(url, parents, seed=11):
    """N parents of distinct families, each with a child invited to an open round; cost-4 hashes."""
    with bench_app(url).app_context():
        rows = db.session.execute(
            select(User.login_name, User.id, Child.id, Child.group_id, MeetingInvitation.round_id,
                   MeetingInvitation.slots_needed)
            .join(Guardianship, Guardianship.parent_id == User.id).join(Child, Child.id == Guardianship.child_id)
            .join(MeetingInvitation, MeetingInvitation.child_id == Child.id)
            .join(MeetingRound, MeetingRound.id == MeetingInvitation.round_id)
            # The school's own families (bench/dataset.py), not bench/booking.py's extra group of 200.
            .where(User.role == Role.PARENT, ~User.login_name.like("boek%"), User.deactivated_at.is_(None),
                   Guardianship.read_only.is_(False),
                   Child.left_at.is_(None), Child.group_id.is_not(None), MeetingRound.status == "open")
            .order_by(User.id, Child.id, MeetingInvitation.round_id)).all()
        by_parent, families = {}, {}
        for row in rows:
            by_parent.setdefault(row[1], []).append(Pick(*row))
        for picks in by_parent.values():  # a family: the parents of its first child
            families.setdefault(picks[0].child_id, picks)
        if len(families) < parents:
            raise SystemExit(f"bench/journey: the school has {len(families)} families, asked for {parents}")
        rnd = random.Random(seed)
        chosen = [rnd.choice(picks) for picks in rnd.sample(sorted(families.values()), parents)]
        # Cost 4 for these logins only: the journey measures pages, not bcrypt.
        password_hash = bcrypt.hashpw(_prehash(dataset.BENCH_PASSWORD), bcrypt.gensalt(4)).decode()
        db.session.execute(update(User).where(User.id.in_([p.parent_id for p in chosen]))
                           .values(password_hash=password_hash))
        db.session.commit()
    return chosen


def free_slots(round_id):
    """[(slot id, day id, position)] of the round, not blocked and not booked, in time order."""
    booked = select(MeetingBooking.slot_id).where(MeetingBooking.round_id == round_id)
    return db.session.execute(
        select(MeetingSlot.id, MeetingSlot.day_id, MeetingSlot.position).join(MeetingDay)
        .where(MeetingSlot.round_id == round_id, MeetingSlot.blocked.is_(False), MeetingSlot.id.not_in(booked))
        .order_by(MeetingDay.date, MeetingSlot.position)).all()


def reset(url, chosen):
    """The same start for every run: no spoedbericht of an earlier run, the chosen children's
    reservations released, room in their rounds (a day added as booking.py does) and one child
    in three holding a late time (its parent's step 7 changes it). Returns those children."""
    with bench_app(url).app_context():
        for old in db.session.scalars(select(Message).where(Message.title == SPOED_TITLE)):
            db.session.delete(old)
        office = db.session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
        holds = {p.child_id for p in chosen[::3]}
        for round_id in sorted({p.round_id for p in chosen}):
            picks = [p for p in chosen if p.round_id == round_id]
            held = select(MeetingReservation.id).where(MeetingReservation.round_id == round_id,
                                                       MeetingReservation.child_id.in_([p.child_id for p in picks]))
            db.session.execute(delete(MeetingBooking).where(MeetingBooking.reservation_id.in_(held)))
            db.session.execute(delete(MeetingReservation).where(MeetingReservation.id.in_(held.scalar_subquery())))
            db.session.commit()
            round_ = db.session.get(MeetingRound, round_id)
            while len(free_slots(round_id)) < 4 * len(picks):
                day = max([d.date for d in round_.days] + [date.today()]) + timedelta(days=1)
                meetings.add_day(round_, day, clock(12, 0), clock(20, 0), 5)
            free = free_slots(round_id)
            for pick in (p for p in picks if p.child_id in holds):  # the latest free time(s) in a row
                taken = next(free[i:i + pick.needed] for i in range(len(free) - pick.needed, -1, -1)
                             if all(s[1] == free[i][1] and s[2] == free[i][2] + k
                                    for k, s in enumerate(free[i:i + pick.needed])))
                free = [s for s in free if s not in taken]
                slots = slots_for_meeting(round_, taken[0][0], pick.needed)
                reserve(round_, db.session.get(Child, pick.child_id), slots, meetings.ANY_VERSION, actor=office)
                db.session.commit()
        dataset.analyze()
    return holds


def post_spoedbericht(url):
    """The office's urgent school-wide message, made as Beheer > Berichten makes it."""
    with bench_app(url).app_context():
        office = db.session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
        return messages.create_message(office, title=SPOED_TITLE, text=SPOED_TEXT, school_wide=True,
                                       group_ids=[], urgent=True, replies_allowed=False).id


# --- the journey -------------------------------------------------------------------------------

def receipts(meter, message_id):
    """How many parents have read the spoedbericht (opened it, or seen it whole on Home)."""
    return meter.pg.execute("SELECT count(*) FROM message_reads WHERE message_id = %s", (message_id,)).fetchone()[0]


async def wave(step, families, clients, meter, message_id):
    """Every parent takes this step once, `len(clients)` at a time; returns its figures."""
    pending, stats = iter(families), Stats()

    async def user(client):
        for family in pending:
            await step(client, family, stats)

    before, started = meter.sample(), time.perf_counter()
    await asyncio.gather(*(user(client) for client in clients))
    wall, (server, postgres, generator) = time.perf_counter() - started, spent(before, meter.sample())
    lat, n = sorted(stats.latencies) or [0.0], max(stats.requests, 1)
    return {"requests": stats.requests, "seconds": wall, "rps": stats.requests / wall,
            **{f"p{q}": lat[min(len(lat) - 1, len(lat) * q // 100)] for q in (50, 95, 99)},
            "cpu_ms": server * 1000 / n, "pg_ms": postgres * 1000 / n, "server_cpu_s": server,
            "pg_cpu_s": postgres, "generator_cpu_s": generator, "errors": stats.errors,
"outcomes": dict(stats.outcomes),
            "read_receipts": receipts(meter, message_id)}


async def journey(port, families, message_id, meter, concurrency):
    clients, figures = [Client(port) for _ in range(concurrency)], []
    for name, step in [("1 Home", get(lambda f: "/")), ("2 Spoedbericht", get(lambda f: f"/berichten/{message_id}")),
                       ("3 Berichten", get(lambda f: "/berichten")), ("4 Nieuws", get(lambda f: "/nieuws/")),
                       ("5 Groep", get(lambda f: f"/groepen/{f.group_id}")), ("6 Tijdsloten", slot_list),
                       ("7 Boeken/wijzigen", book_or_change), ("floor /ping", get(lambda f: "/ping"))]:
        if name.startswith("floor"):
            for family in families:
                family.jar = {}  # the floor: no session, no database
        figures.append(dict(step=name, **await wave(step, families, clients, meter, message_id)))
    for client in clients:
        client.close()
    return figures


def run(url, args, chosen):
    """A fresh start (reset), a fresh server, every parent logged in, the spoedbericht, the waves."""
    holds = reset(url, chosen)
    port = free_port()
    server = start_gunicorn(url, port)
    try:
        families = [Family(port, pick, pick.child_id in holds, index) for index, pick in enumerate(chosen)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            cookies = list(pool.map(lambda f: login(port, f.login_name, dataset.BENCH_PASSWORD), families))
        for family, cookie in zip(families, cookies):
            name, _, value = cookie.partition("=")
            family.jar = {name: value}
        message_id = post_spoedbericht(url)  # after logging in: the login's own Home does not read it
        figures = asyncio.run(journey(port, families, message_id, Meter(url, server.pid), args.concurrency))
    finally:
        server.terminate()
        server.wait(timeout=10)
    doubles = sum(booking.count_double_bookings(url, round_id)[0] for round_id in {p.round_id for p in chosen})
    return {"holding": len(holds), "steps": figures, "double_bookings": doubles}


# --- output ------------------------------------------------------------------------------------

def print_run(title, result):
    steps, floor = result["steps"][:-1], result["steps"][-1]
    print(f"\n{title}\n{'step':20s} {'requests':>8s} {'req/s':>7s} {'p50 ms':>7s} {'p95 ms':>7s} {'p99 ms':>7s} "
          f"{'CPU ms/req':>10s} {'PG ms/req':>9s} {'× floor':>7s} {'errors':>6s}  target")
    for row in result["steps"]:
        row["ratio"] = row["rps"] / floor["rps"] if floor["rps"] else 0.0
        verdict = ("ok" if row["cpu_ms"] <= TARGET_CPU_MS else "ABOVE TARGET") if row["step"] in TARGET_STEPS else "—"
        print(f"{row['step']:20s} {row['requests']:8d} {row['rps']:7.1f} {row['p50']:7.1f} {row['p95']:7.1f} "
              f"{row['p99']:7.1f} {row['cpu_ms']:10.1f} {row['pg_ms']:9.1f} {row['ratio']:7.2f} {row['errors']:6d}  {verdict}")
    requests, seconds = sum(r["requests"] for r in steps), sum(r["seconds"] for r in steps)
    generator = sum(r["generator_cpu_s"] for r in result["steps"])
    server = sum(r["server_cpu_s"] + r["pg_cpu_s"] for r in result["steps"])
    result.update(journey_rps=requests / seconds, errors=sum(r["errors"] for r in result["steps"]),
                  generator_share=generator / (generator + server) if server else 0.0,
                  cpu_ms=sum(r["server_cpu_s"] for r in steps) * 1000 / requests)
    print(f"journey: {requests} requests in {seconds:.1f} s = {result['journey_rps']:.1f} req/s, "
          f"{result['cpu_ms']:.1f} ms gunicorn CPU per request; double bookings {result['double_bookings']} "
          f"(must be 0); errors {result['errors']}")
    print(f"step 7: {', '.join(f'{k} {v}' for k, v in sorted(steps[-1]['outcomes'].items()))} "
          f"({result['holding']} children held a time before); spoedbericht read by "
          f"{steps[0]['read_receipts']} after step 1, {steps[1]['read_receipts']} after step 2")
    print(f"CPU: load generator {generator:.1f} s, gunicorn + PostgreSQL {server:.1f} s: the load generator "
          f"used {100 * result['generator_share']:.0f}% of the CPU")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for flag, kind, default in (("--parents", int, 300), ("--concurrency", int, 20), ("--workers", int, None),
                                ("--worker-class", str, None), ("--threads", int, None)):
        parser.add_argument(flag, type=kind, default=default)
    parser.add_argument("--reuse", action="store_true", help="use the dataset already built")
    parser.add_argument("--json", help="write all figures to this file too")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that `finally` stops the server
    for option, name in ((args.workers, "WEB_CONCURRENCY"), (args.worker_class, "GUNICORN_WORKER_CLASS"),
                         (args.threads, "GUNICORN_THREADS")):
        if option is not None:
            os.environ[name] = str(option)  # gunicorn.conf.py reads them
    if not dataset.postgres_available():
        return print("bench/journey: needs PostgreSQL on 127.0.0.1:5432")
    url = dataset.benchmark_database(args.reuse)
    model = (f"gunicorn {os.environ.get('GUNICORN_WORKER_CLASS', 'sync')} × {server_env(url)['WEB_CONCURRENCY']} "
             f"workers × {os.environ.get('GUNICORN_THREADS', '1')} threads")
    print(f"bench/journey: {model}, PostgreSQL {url.rsplit('/', 1)[1]}, {args.parents} parents, "
          f"concurrency {args.concurrency}, load by asyncio in this process")
    chosen = choose(url, args.parents)
    runs = {"journey": run(url, args, chosen)}
    print_run("Every request rendered:", runs["journey"])
    print(f"target: CPU ≤ {TARGET_CPU_MS} ms per request (gunicorn) on {', '.join(sorted(TARGET_STEPS))}")
    if args.json:
        Path(args.json).write_text(json.dumps({"model": model, "parents": args.parents,
                                               "concurrency": args.concurrency, "runs": runs}, indent=2))
    return runs


if __name__ == "__main__":
    main()

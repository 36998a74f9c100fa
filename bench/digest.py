"""Benchmark: the weekly digest for many parents into a local SMTP server.

    .venv/bin/python bench/digest.py                 # 2,000 parents, plus 500 to compare memory
    .venv/bin/python bench/digest.py --parents 2000 --compare 0
    .venv/bin/python bench/digest.py --database postgresql://postgres@127.0.0.1:5432/bench_digest

It seeds a school (8 groups, one pupil per parent, news for the whole school and
messages per group, posted last week), plans the digest of Wednesday 17:30 and sends it
through the real dispatcher (app/jobs/notifications.py) to an aiosmtpd server in its own
process, over one SMTP connection. It prints mails per second and the peak Python memory
(tracemalloc) of the send phase, for each number of parents: memory should not grow
with the number of parents (recipients are streamed in chunks, never held as a list).

The default database is a fresh SQLite file in a temporary directory. A --database URL is
EMPTIED (all tables dropped and created again): never point it at real data.
Target (issue 6): >= 100 mails/s on the 2-core machine.
"""
import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AMS = ZoneInfo("Europe/Amsterdam")
WEDNESDAY = datetime(2030, 1, 16, 17, 31, tzinfo=AMS)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_smtp():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the SMTP server did not start")


def naive_utc(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def seed(parents, items):
    """Bulk-insert a school with `parents` parents (one pupil each) and the week's items."""
    from sqlalchemy import insert

    from app.extensions import db
    from app.models import Child, Group, Guardianship, Message, NewsItem, Role, User
    from app.notifications.services import record_event

    groups = [Group(name=str(level), level=level, sort_order=level) for level in range(1, 9)]
    db.session.add_all(groups)
    db.session.flush()
    activated = naive_utc(WEDNESDAY - timedelta(days=200))
    batch = 1000
    for start in range(0, parents, batch):
        count = min(batch, parents - start)
        db.session.execute(insert(User), [
            {"login_name": f"ouder{n}@bench.example", "email": f"ouder{n}@bench.example",
             "first_name": "Ouder", "last_name": f"Nummer {n}", "role": Role.PARENT, "activated_at": activated}
            for n in range(start, start + count)
        ])
        db.session.execute(insert(Child), [
            {"first_name": "Kind", "last_name": f"Nummer {n}", "group_id": groups[n % 8].id}
            for n in range(start, start + count)
        ])
    db.session.flush()
    user_ids = db.session.scalars(db.select(User.id).order_by(User.id)).all()
    child_ids = db.session.scalars(db.select(Child.id).order_by(Child.id)).all()
    db.session.execute(insert(Guardianship), [
        {"parent_id": user_id, "child_id": child_id, "read_only": False}
        for user_id, child_id in zip(user_ids, child_ids)
    ])
    posted = naive_utc(WEDNESDAY - timedelta(days=2))
    for index in range(items):
        if index % 2 == 0:
            item = NewsItem(title=f"Nieuws {index}", body="Tekst", school_wide=True, created_at=posted,
                            published_at=posted)
            db.session.add(item)
            db.session.flush()
            event = record_event("news", "news", item.id)
        else:
            message = Message(title=f"Bericht {index}", text="Tekst", school_wide=False, created_at=posted,
                              groups=[groups[index % 8], groups[(index + 3) % 8]])
            db.session.add(message)
            db.session.flush()
            event = record_event("message", "message", message.id)
        event.created_at = posted
    db.session.commit()


def run_one(database_url, parents, items, smtp_port):
    from app import create_app
    from app.extensions import db
    from app.jobs.notifications import plan_due, send_pending
    from app.models import NotificationDelivery
    from config import Config

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database_url, MAIL_SERVER="127.0.0.1",
                     MAIL_PORT=smtp_port, MAIL_USE_TLS=False, MAIL_USE_SSL=False, MAIL_USERNAME=None,
                     MAIL_PASSWORD=None, REDIS_URL=None, TESTING=False, MAIL_SUPPRESS_SEND=False,
                     PORTAL_URL="https://ouderportaal.example")
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed(parents, items)

        started = time.perf_counter()
        planned = plan_due(WEDNESDAY, timings=("weekly",))
        plan_seconds = time.perf_counter() - started

        started = time.perf_counter()
        sent = send_pending()
        send_seconds = time.perf_counter() - started

        # The same send again, now under tracemalloc (which slows Python down, so it is
        # not part of the timing above): the ledger rows are simply put back to pending.
        db.session.execute(db.update(NotificationDelivery).values(state="pending", attempts=0, sent_at=None))
        db.session.commit()
        db.session.expunge_all()
        tracemalloc.start()
        baseline = tracemalloc.get_traced_memory()[0]
        again = send_pending()
        current, peak = tracemalloc.get_traced_memory()
        peak -= baseline
        retained = current - baseline
        tracemalloc.stop()
        db.session.remove()
        db.engine.dispose()
    assert sent.sent == planned.notices == again.sent == parents, (sent, planned, again)
    return {"parents": parents, "mails": sent.sent, "plan_s": plan_seconds, "send_s": send_seconds,
            "rate": sent.sent / send_seconds, "peak_mb": peak / 1e6, "retained_mb": retained / 1e6}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parents", type=int, default=2000)
    parser.add_argument("--compare", type=int, default=1000,
                        help="also run with this many parents to compare memory (0: skip)")
    parser.add_argument("--items", type=int, default=6, help="news items and messages in the digest")
    parser.add_argument("--database", help="a database URL to EMPTY and use (default: a temporary SQLite file)")
    args = parser.parse_args(argv)

    os.environ.setdefault("NOTIFY_CHUNK_SIZE", "200")
    smtp, port = start_smtp()
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ.setdefault("INSTANCE_PATH", tmp)
            for size in [n for n in (args.compare, args.parents) if n]:
                url = args.database or f"sqlite:///{tmp}/bench-{size}.sqlite"
                if url.startswith("postgresql://"):
                    url = "postgresql+psycopg://" + url[len("postgresql://"):]
                results.append(run_one(url, size, args.items, port))
    finally:
        smtp.terminate()
        smtp.wait(timeout=10)

    database = "SQLite (temporary file)" if not args.database else args.database.split("@")[-1]
    print(f"Weekly digest, {args.items} items, database: {database}, SMTP: aiosmtpd on 127.0.0.1")
    print(f"{'parents':>8} {'mails':>6} {'plan s':>7} {'send s':>7} {'mails/s':>8} {'peak MB':>8} {'kept MB':>8}")
    for row in results:
        print(f"{row['parents']:>8} {row['mails']:>6} {row['plan_s']:>7.2f} {row['send_s']:>7.2f} "
              f"{row['rate']:>8.0f} {row['peak_mb']:>8.2f} {row['retained_mb']:>8.2f}")
    print("peak MB: highest Python memory (tracemalloc) while sending; kept MB: still held after it")
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    main_row = results[-1]
    verdict = "OK" if main_row["rate"] >= 100 else "BELOW TARGET"
    print(f"target >= 100 mails/s: {verdict} ({main_row['rate']:.0f} mails/s)")
    if len(results) == 2:
        small, large = results
        print(f"memory: {small['peak_mb']:.2f} MB for {small['parents']} parents, "
              f"{large['peak_mb']:.2f} MB for {large['parents']} parents")
    return 0 if main_row["rate"] >= 100 else 1


if __name__ == "__main__":
    sys.exit(main())

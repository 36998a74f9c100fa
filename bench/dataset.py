"""bench/dataset: a large school in a fresh database, reused by every benchmark.

16 groups, 500 families (800 parents, 650 pupils), three school years of news, agenda
items and messages with replies, 200 albums, documents, a meeting round per group, and
Afwezigheid: this school year's holidays, about 2,000 absence reports (some 30 covering
today, a few pupils over the DUO limit) and 120 leave requests.

    python bench/dataset.py [--database-url URL]

Default database: PostgreSQL `ouderportaal_bench` on 127.0.0.1 when one answers, else
SQLite bench/out/bench.sqlite. The schema is built with the migrations (as in
production). Prints what it made and how long it took. The logins it makes all have the
password BENCH_PASSWORD; BENCH_PARENT has two children in two groups.
"""
import argparse
import os
import random
import subprocess
import sys
import time
from datetime import date, datetime, time as clock, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

BENCH_PASSWORD = "Bench!2026"
BENCH_PARENT = "bench.ouder@example.nl"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_BENCH_URL = PG_ADMIN_URL.rsplit("/", 1)[0] + "/ouderportaal_bench"

LEVELS = [1, 1, 1, 1, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8]
GROUP_NAMES = ["1/2a", "1/2b", "1/2c", "1/2d", "3a", "3b", "4a", "4b", "5a", "5b", "6a", "6b",
               "7a", "7b", "8a", "8b"]
WORDS = ("school juf meester groep kinderen ouders schoolreis sportdag kerstviering ontruimingsoefening "
         "luizencontrole bibliotheek rapport excursie techniek muziek voorleesontbijt koningsspelen "
         "avondvierdaagse schoolplein zwemles kamp musical project thema lente herfst").split()


def postgres_available():
    try:
        import psycopg

        psycopg.connect(PG_ADMIN_URL, connect_timeout=2).close()
        return True
    except Exception:  # noqa: BLE001
        return False


def default_database_url():
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    if postgres_available():
        return PG_BENCH_URL
    return f"sqlite:///{OUT / 'bench.sqlite'}"


def fresh_database(url):
    """Drop and recreate the benchmark database, then build the schema with the migrations."""
    OUT.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).unlink(missing_ok=True)
    else:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
    env = dict(os.environ, DATABASE_URL=url)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)


def sentence(rnd, n):
    return " ".join(rnd.choice(WORDS) for _ in range(n)).capitalize() + "."


def bench_app(url):
    """The app on the benchmark database (config.Config is read at import: override here)."""
    import logging

    from app import create_app

    app = create_app(SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False, UPLOAD_DIR=str(OUT / "uploads"))
    # The JSON line per request (app/logs.py) is for production; here it would bury the figures.
    logging.getLogger("ouderportaal.request").setLevel(logging.WARNING)
    return app


def build(url, scale=1.0, seed=7):
    """Fill the fresh database at `url`; returns ({table: rows}, seconds)."""
    app = bench_app(url)
    started = time.perf_counter()
    with app.app_context():
        counts = populate(app, scale=scale, seed=seed)
        analyze()
    return counts, time.perf_counter() - started


def benchmark_database(reuse=False, url=None):
    """The benchmark school's database URL (default: default_database_url()), built afresh
    unless `reuse` (the benchmarks' --reuse: the one `make bench` built first)."""
    from config import database_url

    url = database_url(url or default_database_url())
    if not reuse:
        fresh_database(url)
        build(url)
    return url


def analyze():
    """Table statistics for the planner, as a live database has them (autovacuum may not
    have come round yet after a bulk load; pg_restore users run ANALYZE too)."""
    from sqlalchemy import text

    from app.extensions import db

    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))


def populate(app, scale=1.0, seed=7):
    """Fill the (empty) database of `app`'s current context; `scale` shrinks the school
    (families, content) for tests of the same shape. Returns {table: rows}."""
    from sqlalchemy import insert

    from app.extensions import db
    from app.models import (
        Album, AlbumPhoto, AgendaItem, Child, Document, Group, Guardianship, MeetingBooking, MeetingDay,
        MeetingInvitation, MeetingReservation, MeetingRound, MeetingSlot, Message, MessageRead,
        MessageReply, NewsItem, Role, StoredImage, User, group_teachers, utcnow,
    )
    from app.models import ConsentAnswer, ConsentPurpose, ConsentPurposeVersion, PhotoTag, consent_purpose_years
    from app.clock import school_year
    from app.models.content import agenda_item_groups, news_item_groups, document_groups
    from app.models.messages import message_groups
    from app.models.albums import album_groups
    from app.passwords import hash_password

    rnd = random.Random(seed)
    counts = {}

    def n(full):
        return max(1, round(full * scale))

    if True:  # one block, so the steps below read as one story
        password_hash = hash_password(BENCH_PASSWORD)
        now = utcnow()

        def bulk(model_or_table, rows):
            rows = list(rows)
            for start in range(0, len(rows), 2000):
                db.session.execute(insert(model_or_table), rows[start:start + 2000])
            counts[getattr(model_or_table, "__tablename__", getattr(model_or_table, "name", "?"))] = len(rows)

        # --- groups, staff ------------------------------------------------------------
        bulk(Group, [{"id": i + 1, "name": name, "level": level, "sort_order": i, "school_year": "2026-2027"}
                     for i, (name, level) in enumerate(zip(GROUP_NAMES, LEVELS))])
        users = [{"id": 1, "login_name": "beheer@bench.example", "email": "beheer@bench.example",
                  "first_name": "Office", "last_name": "Bench", "role": Role.ADMIN.value,
                  "password_hash": password_hash, "activated_at": now}]
        for g in range(16):
            users.append({"id": 2 + g, "login_name": f"juf{g}@bench.example", "email": f"juf{g}@bench.example",
                          "first_name": "Juf", "last_name": f"Groep{GROUP_NAMES[g]}", "role": Role.TEACHER.value,
                          "password_hash": password_hash, "activated_at": now})
        teacher_of = {g + 1: 2 + g for g in range(16)}

        # --- 500 families: 800 parents, 650 pupils --------------------------------------
        parents, children, links = [], [], []
        user_id, child_id = 100, 1
        for family in range(n(500)):
            two_parents = family < n(300)
            kids = 2 if family < n(150) else 1
            family_parents = []
            for p in range(2 if two_parents else 1):
                login = BENCH_PARENT if (family == 0 and p == 0) else f"ouder{family}-{p}@bench.example"
                parents.append({"id": user_id, "login_name": login, "email": login, "first_name": f"Ouder{p}",
                                "last_name": f"Familie{family}", "role": Role.PARENT.value,
                                "password_hash": password_hash, "activated_at": now, "phone_mobile": f"06{user_id:08d}"})
                family_parents.append(user_id)
                user_id += 1
            for k in range(kids):
                group_id = ((family * 7 + k * 5) % 16) + 1
                level = LEVELS[group_id - 1]
                children.append({"id": child_id, "first_name": f"Kind{k}", "last_name": f"Familie{family}",
                                 "birth_date": date(2026 - level - 4, 1 + (family % 12), 1 + (family % 28)),
                                 "group_id": group_id, "student_number": f"B{child_id:05d}"})
                for parent in family_parents:
                    links.append({"parent_id": parent, "child_id": child_id, "read_only": False})
                child_id += 1
        bulk(User, users + parents)
        bulk(Child, children)
        bulk(Guardianship, links)
        bulk(group_teachers, [{"group_id": g, "user_id": t} for g, t in teacher_of.items()])
        parent_ids = [p["id"] for p in parents]
        children_by_group = {}
        for child in children:
            children_by_group.setdefault(child["group_id"], []).append(child["id"])

        # --- three school years of content --------------------------------------------
        start_day = date(2024, 8, 26)
        days = (date(2027, 7, 10) - start_day).days

        def audience(i):
            return i % 3 == 0, [] if i % 3 == 0 else [rnd.randint(1, 16)]

        news, news_links = [], []
        for i in range(1, n(450) + 1):
            wide, groups = audience(i)
            published = datetime.combine(start_day + timedelta(days=int(i * days / n(450))), clock(9))
            if published > now:
                published = now - timedelta(hours=i)
            news.append({"id": i, "title": f"Nieuws {i}: {sentence(rnd, 4)}", "body": sentence(rnd, 60),
                         "published_at": published, "school_wide": wide, "author_id": 1, "created_at": published})
            news_links += [{"news_item_id": i, "group_id": g} for g in groups]
        bulk(NewsItem, news)
        bulk(news_item_groups, news_links)

        agenda, agenda_links = [], []
        for i in range(1, n(600) + 1):
            wide, groups = audience(i)
            day = start_day + timedelta(days=int(i * days / n(600)))
            agenda.append({"id": i, "title": f"Agenda {i}: {sentence(rnd, 3)}", "date": day,
                           "start_time": clock(8 + i % 8, 30), "end_time": clock(9 + i % 8, 30),
                           "location": "Schoolplein", "description": sentence(rnd, 20), "school_wide": wide,
                           "author_id": 1})
            agenda_links += [{"agenda_item_id": i, "group_id": g} for g in groups]
        bulk(AgendaItem, agenda)
        bulk(agenda_item_groups, agenda_links)

        messages, message_links, replies, reads = [], [], [], []
        reply_id = 1
        for i in range(1, n(900) + 1):
            wide, groups = audience(i)
            created = datetime.combine(start_day + timedelta(days=int(i * days / n(900))), clock(10))
            if created > now:
                created = now - timedelta(hours=i)
            if i == n(900):  # the one urgent message is current, in every size of school
                created = now - timedelta(hours=2)
            messages.append({"id": i, "title": f"Bericht {i}: {sentence(rnd, 4)}", "text": sentence(rnd, 50),
                             "school_wide": wide, "urgent": i == n(900), "replies_allowed": i % 4 == 0,
                             "author_id": teacher_of[groups[0]] if groups else 1, "created_at": created})
            message_links += [{"message_id": i, "group_id": g} for g in groups]
            if i % 4 == 0:
                for _ in range(4):
                    replies.append({"id": reply_id, "message_id": i, "author_id": rnd.choice(parent_ids),
                                    "text": sentence(rnd, 12), "created_at": created + timedelta(hours=2)})
                    reply_id += 1
            for reader in rnd.sample(parent_ids, min(5, len(parent_ids))):
                reads.append({"message_id": i, "user_id": reader, "read_at": created + timedelta(hours=1)})
        bulk(Message, messages)
        bulk(message_groups, message_links)
        bulk(MessageReply, replies)
        bulk(MessageRead, reads)

        # --- 200 albums with photos (tiny real JPEGs, so the photo routes work) -----------
        from app.storage import document_key, get_storage, image_key

        storage = get_storage()  # the local folder OUT/uploads, or STORAGE_URL's store
        sample = _sample_jpeg()
        albums, album_links, images, photos = [], [], [], []
        image_id = 1
        for i in range(1, n(200) + 1):
            wide, groups = audience(i)
            albums.append({"id": i, "title": f"Album {i}: {sentence(rnd, 3)}", "description": sentence(rnd, 10),
                           "event_date": start_day + timedelta(days=int(i * days / n(200))), "school_wide": wide,
                           "author_id": 1, "created_at": now - timedelta(days=n(200) - i)})
            album_links += [{"album_id": i, "group_id": g} for g in groups]
            for position in range(6):
                stem = f"bench{image_id:06d}"
                for thumb in (False, True):
                    if not storage.exists(image_key(stem, "jpg", thumb)):
                        storage.put(image_key(stem, "jpg", thumb), sample, "image/jpeg")
                images.append({"id": image_id, "purpose": "album", "stem": stem, "extension": "jpg",
                               "mime_type": "image/jpeg", "width": 64, "height": 48, "size_bytes": 800})
                photos.append({"id": image_id, "album_id": i, "image_id": image_id, "position": position})
                image_id += 1
        bulk(StoredImage, images)
        bulk(Album, albums)
        bulk(album_groups, album_links)
        bulk(AlbumPhoto, photos)

        # --- consent: five purposes, nine in ten pupils "ja" for the albums, marked pupils --
        year = school_year()
        purpose_names = ["Besloten fotoalbums", "Website", "Nieuwsbrief", "Sociale media", "Schoolgids"]
        bulk(ConsentPurpose, [{"id": i + 1, "code": "albums" if i == 0 else None, "position": i}
                              for i in range(len(purpose_names))])
        bulk(ConsentPurposeVersion, [{"id": i + 1, "purpose_id": i + 1, "number": 1, "name": name,
                                      "explanation": sentence(rnd, 20)} for i, name in enumerate(purpose_names)])
        bulk(consent_purpose_years, [{"purpose_id": i + 1, "school_year": year} for i in range(len(purpose_names))])
        parents_of = {}
        for link in links:
            parents_of.setdefault(link["child_id"], []).append(link["parent_id"])
        answers = []
        for child in children:
            for version in range(1, len(purpose_names) + 1):
                for parent in parents_of[child["id"]][:1 + (child["id"] % 3 == 0)]:
                    answers.append({"child_id": child["id"], "version_id": version, "school_year": year,
                                    "given": child["id"] % 10 != 0 or version != 1, "parent_id": parent,
                                    "created_at": now})
        bulk(ConsentAnswer, answers)
        tags, album_pupils = [], {}
        for link in album_links:
            album_pupils.setdefault(link["album_id"], []).extend(children_by_group.get(link["group_id"], []))
        for photo in photos:  # two pupils of the album's groups (any pupils: a school-wide album)
            pupils = album_pupils.get(photo["album_id"]) or [c["id"] for c in children[:40]]
            for pupil in rnd.sample(pupils, min(2, len(pupils))):
                tags.append({"photo_id": photo["id"], "child_id": pupil, "tagged_by_id": 1})
        bulk(PhotoTag, tags)

        # --- documents (small files) ------------------------------------------------------
        documents, document_links = [], []
        for i in range(1, n(150) + 1):
            wide, groups = audience(i)
            stored = f"bench-doc-{i:04d}.pdf"
            storage.put(document_key(stored), b"%PDF-1.4\n% bench\n%%EOF\n", "application/pdf")
            documents.append({"id": i, "title": f"Document {i}", "description": sentence(rnd, 6),
                              "original_name": f"document-{i}.pdf", "stored_name": stored, "kind": "pdf",
                              "mime_type": "application/pdf", "size_bytes": 24, "school_wide": wide,
                              "uploaded_by_id": 1})
            document_links += [{"document_id": i, "group_id": g} for g in groups]
        bulk(Document, documents)
        bulk(document_groups, document_links)

        # --- a meeting round per group: two days of 10-minute slots, half booked ----------
        rounds, mdays, slots, invitations, reservations, bookings = [], [], [], [], [], []
        slot_id, day_id, reservation_id = 1, 1, 1
        first_day = date.today() + timedelta(days=14)
        for group_id in range(1, 17):
            rounds.append({"id": group_id, "group_id": group_id, "title": "Rapportgesprekken",
                           "info": sentence(rnd, 30), "status": "open", "created_by_id": teacher_of[group_id],
                           "opened_at": now})
            free_slots = []
            for d in range(2):
                mdays.append({"id": day_id, "round_id": group_id, "date": first_day + timedelta(days=d),
                              "starts_at": clock(13, 0), "ends_at": clock(18, 0), "slot_minutes": 10})
                for position in range(30):
                    start = datetime.combine(first_day, clock(13, 0)) + timedelta(minutes=10 * position)
                    blocked = position in (15, 16)  # a break
                    slots.append({"id": slot_id, "round_id": group_id, "day_id": day_id, "position": position,
                                  "starts_at": start.time(), "ends_at": (start + timedelta(minutes=10)).time(),
                                  "blocked": blocked})
                    if not blocked:
                        free_slots.append(slot_id)
                    slot_id += 1
                day_id += 1
            for index, child in enumerate(children_by_group.get(group_id, [])):
                needed = 2 if index % 10 == 0 else 1
                invitations.append({"round_id": group_id, "child_id": child, "slots_needed": needed,
                                    "message": ""})
                if index % 2 == 0 and len(free_slots) >= needed + 1:
                    reservations.append({"id": reservation_id, "round_id": group_id, "child_id": child,
                                         "version": 1})
                    taken = free_slots[:needed]
                    if needed == 2 and taken[1] != taken[0] + 1:
                        taken = free_slots[1:3]
                    for part, sid in enumerate(taken):
                        bookings.append({"round_id": group_id, "slot_id": sid, "reservation_id": reservation_id,
                                         "part": part})
                    free_slots = [s for s in free_slots if s not in taken]
                    reservation_id += 1
        bulk(MeetingRound, rounds)
        bulk(MeetingDay, mdays)
        bulk(MeetingSlot, slots)
        bulk(MeetingInvitation, invitations)
        bulk(MeetingReservation, reservations)
        bulk(MeetingBooking, bookings)
        _absence(bulk, rnd, n, children, links)
        db.session.commit()
        _reset_sequences(db)
    return counts


def _absence(bulk, rnd, n, children, links):
    """Afwezigheid: the default reasons, this school year's holidays, reports over the school
    year so far (about three per pupil; 5% of the pupils absent today, a few after the
    cut-off, some open; one in 20 unexcused and a few pupils over the DUO limit) and leave
    requests (siblings in one request; pending, forwarded and decided ones)."""
    from app import clock
    from app.absence.reasons import DEFAULT_REASONS
    from app.models import AbsenceReason, AbsenceReport, LeaveRequest, SchoolHoliday, leave_request_children

    today, year = clock.today(), clock.school_year()
    start = int(year[:4])
    from sqlalchemy import func, select

    from app.extensions import db

    # The migration seeds the default reasons (ids 1-7 in this order); add them only where it did not.
    if not db.session.scalar(select(func.count()).select_from(AbsenceReason)):
        bulk(AbsenceReason, [{"id": i + 1, "name": name, "position": i, "excused": excused, "needs_note": note,
                              "staff_only": staff} for i, (name, excused, note, staff) in enumerate(DEFAULT_REASONS)])
    holidays = [("Herfstvakantie", date(start, 10, 19), date(start, 10, 23)),
                ("Kerstvakantie", date(start, 12, 21), date(start + 1, 1, 1)),
                ("Voorjaarsvakantie", date(start + 1, 2, 15), date(start + 1, 2, 19)),
                ("Meivakantie", date(start + 1, 4, 26), date(start + 1, 5, 7)),
                ("Zomervakantie", date(start + 1, 7, 10), date(start + 1, 8, 22))]
    bulk(SchoolHoliday, [{"id": i + 1, "name": name, "first_day": first, "last_day": last}
                         for i, (name, first, last) in enumerate(holidays)])

    def school_days(first, last):
        days, day = 0, first
        while day <= last:
            days += day.weekday() < 5 and not any(a <= day <= b for _, a, b in holidays)
            day += timedelta(days=1)
        return days

    def weekday_back(days_back):
        day = today - timedelta(days=days_back)
        return day - timedelta(days=max(0, day.weekday() - 4))

    first_day = date(start, 8, 24)
    span = max(1, (today - first_day).days)
    reports, report_id = [], 1
    for index, child in enumerate(children):
        for number in range(3 if index % 2 else 2):
            begin = weekday_back(rnd.randint(1, span)) if span > 1 else today
            begin = max(begin, first_day)
            unexcused = (index + number) % 20 == 0
            reports.append({"id": report_id, "child_id": child["id"], "reason_id": 7 if unexcused else 1 + number % 4,
                            "note": "Koorts." if number == 0 else "", "start_date": begin,
                            "end_date": begin + timedelta(days=index % 3), "part": ("dag", "ochtend", "middag")[index % 3],
                            "school_year": clock.school_year(begin), "excused": not unexcused,
                            "by_staff": unexcused, "withdrawn_at": clock.utcnow() if index % 50 == 1 else None})
            report_id += 1
        if index % 20 == 3:  # absent today: some after the cut-off, some open ("tot nader bericht")
            reports.append({"id": report_id, "child_id": child["id"], "reason_id": 1, "note": "Ziek gemeld.",
                            "start_date": today, "end_date": None if index % 40 == 3 else today, "part": "dag",
                            "school_year": year, "late": index % 60 == 3, "excused": True})
            report_id += 1
        if index % 200 == 7:  # over the DUO limit: a week and a day unexcused in the last three weeks
            begin = weekday_back(14)
            reports.append({"id": report_id, "child_id": child["id"], "reason_id": 7, "note": "", "start_date": begin,
                            "end_date": begin + timedelta(days=7), "part": "dag", "school_year": clock.school_year(begin),
                            "excused": False, "by_staff": True})
            report_id += 1
    defaults = {"note": "", "late": False, "by_staff": False, "withdrawn_at": None}
    bulk(AbsenceReport, [dict(defaults, **row) for row in reports])

    parents_of, siblings = {}, {}
    for link in links:
        parents_of.setdefault(link["child_id"], link["parent_id"])
        siblings.setdefault(link["parent_id"], []).append(link["child_id"])
    statuses = ["ingediend", "toegestaan", "geweigerd", "toegestaan", "doorgestuurd", "toegestaan"]
    requests, request_children = [], []
    for i in range(1, n(120) + 1):
        child = children[(i * 37) % len(children)]["id"]
        parent = parents_of[child]
        kind = "vakantie" if i % 2 else "gewichtig"
        status = statuses[i % len(statuses)] if i > 2 else ("ingediend", "toegestaan")[i - 1]
        first = today + timedelta(days=7 + (i % 60)) if status in ("ingediend", "doorgestuurd") else \
            max(first_day, today - timedelta(days=i % 90))
        last = first + timedelta(days=i % 5)
        decided = clock.utcnow() - timedelta(days=i % 30) if status in ("toegestaan", "geweigerd") else None
        requests.append({"id": i, "kind": kind, "first_day": first, "last_day": last, "school_days": school_days(first, last),
                         "school_year": clock.school_year(first), "reason": sentence(rnd, 12), "status": status,
                         "checks": [{"code": "notice", "text": "Ten minste 8 weken van tevoren."}] if i % 3 == 0 else [],
                         "requested_by_id": parent, "decided_by_id": 1 if status != "ingediend" else None,
                         "decided_at": decided, "decision_reason": sentence(rnd, 8) if status != "ingediend" else "",
                         "forwarded_at": clock.utcnow() if status == "doorgestuurd" else None})
        request_children += [{"request_id": i, "child_id": each} for each in sorted(set(siblings[parent]))]
    bulk(LeaveRequest, requests)
    bulk(leave_request_children, request_children)


def _reset_sequences(db):
    """Rows were inserted with explicit ids: move PostgreSQL's sequences past them."""
    from sqlalchemy import text

    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 1))"))
    db.session.commit()


def _sample_jpeg():
    """One small real JPEG that every benchmark photo is a copy of (its bytes)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 60)).save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    from config import database_url

    url = database_url(args.database_url or default_database_url())
    fresh_database(url)
    counts, elapsed = build(url)
    print(f"bench/dataset: {url.split('@')[-1]} in {elapsed:.1f}s")
    for table, count in sorted(counts.items()):
        print(f"  {table:28s} {count:7d}")
    print(f"  login: {BENCH_PARENT} / {BENCH_PASSWORD} (two children in two groups)")
    return url


if __name__ == "__main__":
    main()

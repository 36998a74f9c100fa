"""A school day on the portal as a platform runs it (honcho, PostgreSQL, Redis, S3, SMTP),
over HTTP: the office makes an account (the activation mail arrives), the teacher posts
a spoedbericht and an album (the photos land in the bucket, nothing on the web's disk),
the parent books a meeting slot, and the 17:30 batch mails the parents — with the worker
SIGKILLed in the middle of it and started again: every mail once.

The clock: web and worker pretend the day at 15:00 (PRETEND_NOW, app/clock.py), then the
worker is started again at 17:31 for the batch; afterwards both run on the real clock.
"""
from collections import Counter
from pathlib import Path

from tests.e2e import day
from tests.e2e.conftest import pretend
from tests.e2e.records import ledger
from tests.e2e.services import wait_until
from tests.e2e.web import Browser

URGENT_TITLE = "Schoolreis gaat morgen door"
ALBUM_TITLE = "Kunstochtend groep 3"
NEW_PARENT = ("nadia.nieuwkomer@example.nl", "Nadia", "Nieuwkomer")


def psql_url(portal):
    return portal.env["DATABASE_URL"]


def batch_rows(portal, since_id):
    """Ledger rows of the notices planned after `since_id` (the batch's, not account mails)."""
    return [row for row in ledger(psql_url(portal)) if row[0] > since_id and not row[2].startswith("account:")]


def test_a_school_day(portal, services, school_day, fault_table):
    sink, s3 = services.sink, services.s3
    sink.clear()
    portal.stop_all()
    afternoon = pretend(school_day, "15:00")
    portal.start("web", PRETEND_NOW=afternoon)
    portal.start("worker", PRETEND_NOW=afternoon)

    # The office makes an account for a second parent of a groep-3 pupil.
    office = day.logged_in(portal.url, day.OFFICE)
    email, first, last = NEW_PARENT
    pupil = day.pupils_of_group(office)[0]
    day.create_parent(office, pupil, email, first, last)
    parent = Browser(portal.url)
    day.activate(parent, day.activation_link(sink, email))
    parent = day.logged_in(portal.url, email, day.NEW_PASSWORD)

    # The teacher posts a spoedbericht and an album of three photos: six objects in the
    # bucket (photo and thumbnail each), none on the web process's disk.
    teacher = day.logged_in(portal.url, day.TEACHER)
    before = set(s3.objects())
    day.post_urgent_message(teacher, URGENT_TITLE)
    album_id = day.album_id_of(day.create_album(teacher, ALBUM_TITLE, photos=3))
    new_objects = set(s3.objects()) - before
    assert len(new_objects) == 6, new_objects
    assert all(key.startswith("school/images/") for key in new_objects), new_objects
    assert not [path for path in Path(portal.env["UPLOAD_DIR"]).rglob("*") if path.is_file()]

    # The new parent sees both, photos included, straight from the store.
    assert URGENT_TITLE in parent.get("/").text
    _, images = day.view_album(parent, album_id)
    assert len(images) == 6 and all(image.status_code == 200 for image in images)
    assert all(image.headers["Content-Type"] == "image/jpeg" and image.content[:2] == b"\xff\xd8" for image in images)

    # She books a meeting slot; coming back, she can cancel it (it stands).
    flash = day.book_first_free_slot(parent)
    assert flash.startswith("Gereserveerd voor "), flash
    parent.get(parent.page.url)
    assert parent.form("/annuleren")

    # 15:00: the spoedbericht and the album wait for the evening batch, also when the
    # batch is run by hand.
    last_id = max([row[0] for row in ledger(psql_url(portal))] or [0])
    portal.run("flask", "--app", "wsgi", "notifications", "daily", PRETEND_NOW=afternoon)
    assert not [pair for pair in sink.received() if URGENT_TITLE in pair[1] or ALBUM_TITLE in pair[1]]

    _evening_batch_with_a_killed_worker(portal, sink, school_day, last_id, fault_table)
    assert [m for m in sink.to(email) if URGENT_TITLE in str(m["Subject"])]
    assert [m for m in sink.to(email) if ALBUM_TITLE in str(m["Subject"])]
    assert [m for m in sink.to(day.PARENT) if URGENT_TITLE in str(m["Subject"])]
    portal.stop_all()


def _evening_batch_with_a_killed_worker(portal, sink, school_day, last_id, fault_table):
    """17:31: the worker starts, plans and sends the batch, and is SIGKILLed (with its work
    horse and clock) after the 5th mail; a new worker sends the rest. The kill is the test
    hook's (app/jobs/testing.py: right after a mail is marked sent), since a kill from
    outside could land between the SMTP server's "250 OK" and the ledger's commit: the one
    window of SMTP in which no sender can avoid sending a mail twice."""
    evening = pretend(school_day, "17:31")
    portal.stop("worker")
    received_before = len(sink.received())
    portal.start("worker", wait=False, PRETEND_NOW=evening, TESTING_KILL_AFTER_SENT=5, NOTIFY_CHUNK_SIZE=4)
    wait_until(lambda: portal.main_pid("worker", "worker.py"), 30, "worker.py running")
    main = portal.main_pid("worker", "worker.py")
    wait_until(lambda: not Path(f"/proc/{main}").exists(), 120, "the worker killed mid-batch")
    # What is left of it (RQ's scheduler outlives a SIGKILLed worker.py) goes with the machine.
    portal.kill("worker")
    sent_before_kill = len(sink.received()) - received_before
    states = Counter(row[3] for row in batch_rows(portal, last_id))
    assert sent_before_kill == 5 and states["sent"] == 5, (sent_before_kill, states, portal.tail("worker"))
    assert states["pending"] + states["sending"] > 0, states  # it really died mid-batch

    portal.start("worker", PRETEND_NOW=evening)
    wait_until(lambda: {row[3] for row in batch_rows(portal, last_id)} == {"sent"}, 120,
               "every mail of the batch sent")
    rows = batch_rows(portal, last_id)
    wait_until(lambda: len(sink.received()) - received_before >= len(rows), 30, "the batch's mails at the sink")
    batch_mail = Counter(to for to, _ in sink.received()[received_before:])
    expected = Counter(row[1] for row in rows)
    duplicated = sum(max(0, batch_mail[address] - count) for address, count in expected.items())
    fault_table.add("worker SIGKILLed mid-batch (17:31), restarted", mails_expected=len(rows),
                    mails_sent=sum(min(batch_mail[address], count) for address, count in expected.items()),
                    mails_duplicated=duplicated,
                    notes=[f"killed after {sent_before_kill} of {len(rows)} mails"])
    assert batch_mail == expected, (batch_mail - expected, expected - batch_mail)

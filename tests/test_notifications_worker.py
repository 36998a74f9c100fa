"""Notification e-mail through a real Redis, real `worker.py` processes and a real SMTP
server (aiosmtpd): the timing rules, the weekly digest, preferences, SMTP failures, a
worker killed mid-batch, and batches running at the same time.

Batches get an explicit "now" (a 2030 date); the workers' own clocks run on real time
and so never touch these items.
"""
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import get_queue
from app.jobs.notifications import _pid_alive, run_due, send_pending_job
from app.models import NotificationDelivery, utcnow
from app.notifications.services import set_preference
from tests.fixtures.mail import mail_text
from tests.fixtures.services import ROOT, free_port
from tests.factories import ChildFactory, GroupFactory, GuardianshipFactory, ParentFactory, family
from tests.test_notifications import SEASONS, WINTER, ams, at, make_album, make_message, make_news


def enqueue_batch(now, func=run_due):
    return get_queue("mail").enqueue(func, kwargs={"now": now}, job_timeout=600)


def subjects_for(smtp, person):
    return sorted(m["Subject"].split(" – ")[0] for m in smtp.to(person.email))


def ledger_states():
    db.session.expire_all()
    rows = db.session.execute(
        select(NotificationDelivery.state, func.count()).group_by(NotificationDelivery.state)
    ).all()
    db.session.commit()
    return dict(rows)


def assert_each_once(smtp, people):
    received = Counter(address.lower() for m in smtp.messages for address in m["to"])
    assert received == Counter(person.email.lower() for person in people)


class Workers:
    """Long-running `worker.py` processes, each leading its own process group (so a kill
    takes its work horse, RQ scheduler and clock with it, as a machine's OOM kill would)."""

    def __init__(self, pipeline, tmp_path):
        self.pipeline = pipeline
        self.tmp_path = tmp_path
        self.processes = []

    def start(self, **env):
        log = open(self.tmp_path / f"worker-{len(self.processes)}.log", "w")
        process = subprocess.Popen(
            [sys.executable, "worker.py"], cwd=ROOT, env={**self.pipeline.env, **env},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        process.log_path = log.name
        self.processes.append(process)
        return process

    def wait_registered(self, count, timeout=30):
        from rq import Worker

        connection = get_queue("mail").connection
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(Worker.all(connection=connection)) >= count:
                return
            time.sleep(0.1)
        raise AssertionError(f"{count} worker(s) did not start: {self.logs()}")

    def logs(self):
        return "\n".join(open(p.log_path).read()[-3000:] for p in self.processes)

    def stop_all(self):
        for process in self.processes:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    process.wait(timeout=10)
                    break
                except subprocess.TimeoutExpired:
                    continue
            # Whatever the group still holds (clock, RQ scheduler) goes too.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def workers(pipeline, tmp_path):
    runner = Workers(pipeline, tmp_path)
    yield runner
    runner.stop_all()


def parents_in(group, count):
    people = []
    for _ in range(count):
        _, (parent,) = family(group)
        people.append(parent)
    return people


# --- timing, through the worker -----------------------------------------------------------------

@SEASONS
def test_evening_batch_nothing_at_1729_sent_at_1731(pipeline, day):
    smtp = pipeline.smtp
    group = GroupFactory()
    _, (mother, father) = family(group, parents=2)
    make_album(ams(*day, 9), groups=[group], title="Sportdag")
    make_message(ams(*day, 11), groups=[group], urgent=True, title="School dicht")
    make_message(ams(*day, 12), groups=[group], title="Gewoon bericht")  # today's digest

    enqueue_batch(at(day, 17, 29))
    pipeline.drain()
    assert smtp.messages == []
    assert ledger_states() == {}

    enqueue_batch(at(day, 17, 31))
    pipeline.drain()
    smtp.wait_for(6)
    for parent in (mother, father):
        # These days are Wednesdays: the weekly digest goes out at the same moment.
        assert subjects_for(smtp, parent) == ["Nieuw fotoalbum: Sportdag", "Spoedbericht: School dicht",
                                              "Weekoverzicht van het ouderportaal"]
    assert len(smtp.messages) == 6


@SEASONS
def test_posted_after_1730_goes_at_once(pipeline, day):
    smtp = pipeline.smtp
    group = GroupFactory()
    _, (parent,) = family(group)
    make_message(ams(*day, 18, 5), groups=[group], urgent=True, title="Morgen geen school")
    enqueue_batch(at(day, 18, 6))
    pipeline.drain()
    smtp.wait_for(1)
    assert subjects_for(smtp, parent) == ["Spoedbericht: Morgen geen school"]


@SEASONS
def test_weekly_digest_on_wednesday_after_1730(pipeline, day):
    smtp = pipeline.smtp
    group, other = GroupFactory(), GroupFactory()
    _, (parent,) = family(group)
    _, (other_parent,) = family(other)
    make_news(ams(day[0], day[1], day[2] - 2, 9), school_wide=True, title="Schoolreis")
    make_message(ams(day[0], day[1], day[2] - 2, 10), groups=[group], title="Gymspullen mee")
    make_message(ams(day[0], day[1], day[2] - 1, 10), groups=[other], title="Alleen voor de andere groep")

    for moment in (at(day, 18, 0, days=-1), at(day, 17, 29)):  # Tuesday evening, Wednesday 17:29
        enqueue_batch(moment)
    pipeline.drain()
    assert smtp.messages == []

    enqueue_batch(at(day, 17, 31))
    enqueue_batch(at(day, 17, 45))  # a second run the same evening adds nothing
    pipeline.drain()
    smtp.wait_for(2)
    time.sleep(0.3)
    assert_each_once(smtp, [parent, other_parent])
    (mine,) = smtp.to(parent.email)
    assert mine["Subject"].startswith("Weekoverzicht")
    text = mail_text(mine)
    assert "Schoolreis" in text and "Gymspullen mee" in text
    assert "Alleen voor de andere groep" not in text  # another group's message
    theirs = mail_text(smtp.to(other_parent.email)[0])
    assert "Schoolreis" in theirs and "Alleen voor de andere groep" in theirs and "Gymspullen" not in theirs


def test_cli_runs_the_batches_with_an_injected_now(pipeline):
    smtp = pipeline.smtp
    group = GroupFactory()
    _, (parent,) = family(group)
    make_album(ams(*WINTER, 9), groups=[group], title="Kerstmarkt")
    make_news(ams(2030, 1, 13, 9), school_wide=True, title="Nieuwjaarsborrel")

    def cli(*args):
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "notifications", *args],
            cwd=ROOT, env=pipeline.env, capture_output=True, text=True, timeout=120,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    assert "0 verstuurd" in cli("daily", "--now", at(WINTER, 17, 29))
    assert "0 verstuurd" in cli("weekly", "--now", at(WINTER, 17, 29))
    assert smtp.messages == []
    assert "1 verstuurd" in cli("daily", "--now", at(WINTER, 17, 31))
    assert "1 verstuurd" in cli("weekly", "--now", at(WINTER, 17, 31))
    assert subjects_for(smtp, parent) == ["Nieuw fotoalbum: Kerstmarkt", "Weekoverzicht van het ouderportaal"]
    assert "Verstuurd: 2" in cli("status")


# --- recipients and preferences ---------------------------------------------------------------------

def test_preferences_are_honoured_per_type(pipeline):
    smtp = pipeline.smtp
    group = GroupFactory()
    everything, no_albums, no_news, no_digest, no_urgent = parents_in(group, 5)
    set_preference(no_albums, "albums", False)
    set_preference(no_news, "news", False)
    set_preference(no_digest, "news", False)
    set_preference(no_digest, "messages", False)
    set_preference(no_urgent, "urgent", False)
    db.session.commit()
    make_album(ams(*WINTER, 9), groups=[group], title="Sportdag")
    make_message(ams(*WINTER, 10), groups=[group], urgent=True, title="Spoed")
    make_news(ams(2030, 1, 14, 9), groups=[group], title="Nieuwtje")
    make_message(ams(2030, 1, 14, 10), groups=[group], title="Oproep")

    enqueue_batch(at(WINTER, 17, 31))
    pipeline.drain()
    smtp.wait_for(12)
    time.sleep(0.3)
    digest, album, urgent = "Weekoverzicht van het ouderportaal", "Nieuw fotoalbum: Sportdag", "Spoedbericht: Spoed"
    assert subjects_for(smtp, everything) == [album, urgent, digest]
    assert subjects_for(smtp, no_albums) == [urgent, digest]
    assert subjects_for(smtp, no_news) == [album, urgent, digest]
    assert subjects_for(smtp, no_digest) == [album, urgent]
    assert subjects_for(smtp, no_urgent) == [album, digest]
    assert len(smtp.messages) == 12
    (digest_mail,) = [m for m in smtp.to(no_news.email) if m["Subject"].startswith("Weekoverzicht")]
    only_messages = mail_text(digest_mail)
    assert "Oproep" in only_messages and "Nieuwtje" not in only_messages


def test_one_mail_per_parent_however_many_children_and_none_for_inactive_accounts(pipeline):
    smtp = pipeline.smtp
    group3, group6 = GroupFactory(), GroupFactory()
    parent = ParentFactory()
    for group in (group3, group6):
        GuardianshipFactory(parent=parent, child=ChildFactory(group=group))
    _, (never_activated,) = family(group3)
    never_activated.activated_at = None
    _, (deactivated,) = family(group6)
    deactivated.deactivated_at = utcnow()
    db.session.commit()
    make_album(ams(*WINTER, 9), groups=[group3, group6])
    make_news(ams(2030, 1, 14, 9), school_wide=True)

    enqueue_batch(at(WINTER, 17, 31))
    pipeline.drain()
    smtp.wait_for(2)
    time.sleep(0.3)
    assert subjects_for(smtp, parent) == ["Nieuw fotoalbum: Sportdag", "Weekoverzicht van het ouderportaal"]
    assert len(smtp.messages) == 2


# --- failures, crashes, concurrency -------------------------------------------------------------------

def test_smtp_refusing_the_first_attempts_then_every_mail_arrives_once(pipeline, workers):
    smtp = pipeline.smtp
    group = GroupFactory()
    people = parents_in(group, 4)
    make_album(ams(*WINTER, 9), groups=[group])
    smtp.fail_next = 3  # "451 try again later" for the first three mails
    workers.start(NOTIFY_RETRY_DELAYS="1,1,1,1,1")
    enqueue_batch(at(WINTER, 17, 31))
    smtp.wait_for(4, timeout=60)
    time.sleep(1.5)
    assert_each_once(smtp, people)
    assert ledger_states() == {"sent": 4}
    attempts = db.session.scalar(select(func.sum(NotificationDelivery.attempts)))
    assert attempts == 4 + 3


def test_smtp_server_down_then_up_nothing_lost(pipeline):
    smtp = pipeline.smtp
    group = GroupFactory()
    people = parents_in(group, 3)
    make_album(ams(*WINTER, 9), groups=[group])
    pipeline.env.update(MAIL_PORT=str(free_port()), NOTIFY_RETRY_DELAYS="1,1,1")  # nothing listens there
    enqueue_batch(at(WINTER, 17, 31))
    pipeline.drain()
    assert smtp.messages == []
    assert ledger_states() == {"pending": 3}
    errors = db.session.scalars(select(NotificationDelivery.last_error)).all()
    assert any("Connection" in (error or "") or "refused" in (error or "").lower() for error in errors)

    pipeline.env["MAIL_PORT"] = str(smtp.port)  # the server is back
    time.sleep(1.2)
    get_queue("mail").enqueue(send_pending_job)
    pipeline.drain()
    smtp.wait_for(3)
    time.sleep(0.3)
    assert_each_once(smtp, people)
    assert ledger_states() == {"sent": 3}


def test_worker_killed_mid_batch_then_restarted_every_mail_exactly_once(pipeline, workers):
    smtp = pipeline.smtp
    group = GroupFactory()
    people = parents_in(group, 12)
    make_album(ams(*WINTER, 9), groups=[group])
    killed = workers.start(TESTING_KILL_AFTER_SENT="5", NOTIFY_CHUNK_SIZE="4")
    enqueue_batch(at(WINTER, 17, 31))
    killed.wait(timeout=90)
    assert killed.returncode == -signal.SIGKILL, workers.logs()
    time.sleep(0.5)
    assert len(smtp.messages) == 5
    states = ledger_states()
    assert states["sent"] == 5
    # The dead worker still held a claim on the rest of its chunk: a real mid-batch crash.
    assert states.get("sending", 0) == 3 and states.get("pending", 0) == 4

    workers.start()
    smtp.wait_for(12, timeout=60)
    time.sleep(2)
    assert_each_once(smtp, people)
    assert ledger_states() == {"sent": 12}


def test_two_batch_runs_at_the_same_time_send_no_duplicates(pipeline, workers):
    smtp = pipeline.smtp
    group, other = GroupFactory(), GroupFactory()
    people = parents_in(group, 20) + parents_in(other, 20)
    make_album(ams(*WINTER, 9), groups=[group, other])
    make_message(ams(*WINTER, 10), school_wide=True, urgent=True)
    env = {"NOTIFY_CHUNK_SIZE": "3"}
    workers.start(**env)
    workers.start(**env)
    workers.wait_registered(2)
    time.sleep(1)  # let their start-up ticks pass
    enqueue_batch(at(WINTER, 17, 31))
    enqueue_batch(at(WINTER, 17, 31))
    cli = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "notifications", "daily", "--now", at(WINTER, 17, 31)],
        cwd=ROOT, env={**pipeline.env, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    smtp.wait_for(80, timeout=90)
    assert cli.wait(timeout=60) == 0, cli.stdout.read()[-2000:]
    time.sleep(2)
    received = Counter(address.lower() for m in smtp.messages for address in m["to"])
    assert received == Counter({person.email.lower(): 2 for person in people})
    assert Counter(m["message"]["Subject"].split(":")[0] for m in smtp.messages) == {
        "Nieuw fotoalbum": 40, "Spoedbericht": 40}
    assert ledger_states() == {"sent": 80}
    # The runs usually overlap (several claim tokens), but one of them may win every chunk;
    # what must hold either way is checked above: each mail once.


def test_the_worker_runs_its_clock_and_catches_up_at_start(pipeline, workers):
    from rq.cron import CronScheduler

    from app.jobs.schedules import TICK_CRON, TICK_NAME

    smtp = pipeline.smtp
    group = GroupFactory()
    _, (parent,) = family(group)
    make_album(utcnow() - timedelta(days=2), groups=[group], title="Oud album")  # its batch has passed
    process = workers.start()
    smtp.wait_for(1, timeout=40)  # nobody enqueued anything: the worker's own tick sent it
    assert subjects_for(smtp, parent) == ["Nieuw fotoalbum: Oud album"]

    connection = get_queue("mail").connection
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        clocks = CronScheduler.all(connection)
        if clocks:
            break
        time.sleep(0.2)
    (clock,) = clocks
    job = {job.name: job for job in clock.get_jobs()}[TICK_NAME]  # beside it: the nightly retention job
    assert (job.name, job.cron, job.func_name) == (TICK_NAME, TICK_CRON, "app.jobs.notifications.run_due")
    assert clock.pid != process.pid  # a child of the worker process

    process.terminate()  # the worker (only it) is told to stop: its clock goes with it
    try:
        process.wait(timeout=30)  # warm shutdown: a job that is running (a minute tick) finishes first
    except subprocess.TimeoutExpired:
        process.terminate()  # as a process manager does: a second SIGTERM is RQ's cold shutdown
        process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while _pid_alive(clock.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _pid_alive(clock.pid), "the clock outlived its worker"

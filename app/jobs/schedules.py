"""The worker's clock: RQ's CronScheduler (rq.cron), started by worker.py in the same
`worker` process of the Procfile (as a forked child that lives and dies with it).

Two cron jobs: `run_due` every minute, at second 0, and the retention period of former
pupils (app/admin/retention.run_retention) every night at 03:00. The rules of what is due when are in
app/notifications/timing.py, in Europe/Amsterdam time, so the cron string itself needs no
time zone: the tick at 17:30:00 (CET or CEST alike) is the evening batch, on Wednesdays
also the weekly digest; the other ticks send what is due at once (a spoedbericht posted
after 17:30), retry failed sends, catch up after the worker was down, and send every mail
whose own job never reached the queue (Redis was down: its event or ledger row was
committed all the same, app/jobs/__init__.py). Every run is idempotent
(app/jobs/notifications/), so two workers with two clocks do no harm.

`python worker.py --burst` (tests, one-off draining) starts no clock.
"""
import logging
import multiprocessing
import os
import signal
import sys
import time

log = logging.getLogger(__name__)

TICK_CRON = "* * * * *"
TICK_NAME = "ouderportaal-notifications-tick"
# The retention period of former pupils (app/admin/retention.py), once a night. Cron fields
# are the worker's local time; the job itself reads the date in Europe/Amsterdam.
RETENTION_CRON = "0 3 * * *"
RETENTION_NAME = "ouderportaal-retention"
RETENTION_TIMEOUT = 1800


def register_schedules(app, connection, burst=False):
    """Called by worker.py in the worker's main process before it starts working."""
    # The worker's pid, for the test-only kill switch in app/jobs/testing.py.
    os.environ["PORTAL_WORKER_PID"] = str(os.getpid())
    if burst:  # a burst worker drains the queues and stops: no clock, no catch-up tick
        return None
    from app.jobs import get_queue
    from app.jobs.notifications import JOB_TIMEOUT, run_due

    # Catch up at start (the worker may have been down at 17:30).
    get_queue("mail", app).enqueue(run_due, job_timeout=JOB_TIMEOUT, ttl=300)
    context = multiprocessing.get_context("fork")
    process = context.Process(
        target=_run_clock, args=(app.config["REDIS_URL"], os.getpid()), name="ouderportaal-cron", daemon=True
    )
    process.start()
    return process


def build_cron(connection):
    """The CronScheduler with the tick and the nightly retention job registered (separate
    for a test to inspect)."""
    from rq.cron import CronScheduler

    from app.admin.retention import run_retention
    from app.jobs.notifications import JOB_TIMEOUT, run_due

    cron = CronScheduler(connection=connection, logging_level=logging.WARNING)
    cron.register(run_due, queue_name="mail", cron=TICK_CRON, job_timeout=JOB_TIMEOUT,
                  ttl=300, result_ttl=600, name=TICK_NAME)
    cron.register(run_retention, queue_name="default", cron=RETENTION_CRON, job_timeout=RETENTION_TIMEOUT,
                  ttl=3600, result_ttl=86400, name=RETENTION_NAME)
    return cron


def _run_clock(redis_url, parent_pid):
    """The clock loop (in the forked child): enqueue due cron jobs until the worker is gone.

    CronScheduler.start() would install its own signal handlers and sleep up to 60 s; this
    loop checks every second whether the worker still lives, so a killed worker leaves no
    clock behind."""
    from redis import Redis

    from redis.exceptions import RedisError

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the worker, which stops us
    logging.getLogger("rq.cron").setLevel(logging.WARNING)
    cron = build_cron(Redis.from_url(redis_url))
    cron.register_birth()
    away = False
    try:
        while os.getppid() == parent_pid:
            try:
                if cron.enqueue_jobs():
                    cron.save()
                cron.heartbeat()
            except RedisError:
                # Redis away (a restart, a failover): the worker reconnects by itself, so the
                # clock must too, or nothing would send what waited once Redis is back. The
                # ticks missed meanwhile are one catch-up tick (run_due is idempotent).
                if not away:
                    log.warning("clock: Redis does not answer; ticking again once it is back")
                away = True
                time.sleep(1.0)
                continue
            if away:
                log.warning("clock: Redis answers again")
                away = False
            time.sleep(max(0.05, min(1.0, cron.calculate_sleep_interval())))
    finally:
        try:
            cron.register_death()
        except Exception:  # noqa: BLE001
            pass

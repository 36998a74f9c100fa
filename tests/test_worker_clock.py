"""The worker's clock (app/jobs/schedules.py, the forked child that enqueues the minute
tick) outlives a Redis restart: it died on the first ConnectionError before, and then
nothing that waited during the outage was ever sent (the worker itself reconnects, so
no process manager would have restarted anything). Against a redis-server of the test's
own (tests/fixtures/servers.py), stopped and started again, empty.
"""
import multiprocessing
import os
import time

from redis import Redis
from rq.cron import CronScheduler

from app.jobs.schedules import _run_clock
from tests.fixtures.servers import RedisServer


def registered(url):
    try:
        return bool(CronScheduler.all(Redis.from_url(url, socket_connect_timeout=0.5)))
    except Exception:  # noqa: BLE001 — Redis not up
        return False


def wait_for(check, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_the_clock_keeps_running_through_a_redis_restart():
    server = RedisServer().start()
    clock = multiprocessing.get_context("fork").Process(target=_run_clock, args=(server.url(), os.getpid()),
                                                        daemon=True)
    try:
        clock.start()
        assert wait_for(lambda: registered(server.url())), "the clock did not register"
        server.stop()
        time.sleep(3)
        assert clock.is_alive(), "the clock died while Redis was away"
        server.start()  # empty: the clock registers itself again with its next heartbeat
        assert wait_for(lambda: registered(server.url())), "the clock did not come back to Redis"
        assert clock.is_alive()
    finally:
        clock.terminate()
        clock.join(10)
        server.close()

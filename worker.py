"""The background worker: one RQ worker, with its scheduler, on one app instance.

Usage: python worker.py [--burst]
"""
import argparse
import logging
import sys

from app import create_app
from app.jobs import get_queue, redis_connection, set_worker_app
from app.jobs.schedules import register_schedules

QUEUES = ["mail", "default"]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Ouderportaal worker")
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    args = parser.parse_args(argv)

    app = create_app()
    if not app.config.get("REDIS_URL"):
        print("REDIS_URL is niet ingesteld: zonder Redis draaien jobs direct in het webproces.", file=sys.stderr)
        return 2
    set_worker_app(app)  # the one app every job runs in (app/jobs/__init__.py)
    from rq import Worker

    connection = redis_connection(app)
    queues = [get_queue(name, app) for name in QUEUES]
    worker = Worker(queues, connection=connection)
    register_schedules(app, connection, burst=args.burst)
    logging.getLogger("rq.worker").setLevel(logging.INFO)
    worker.work(with_scheduler=True, burst=args.burst)
    return 0


if __name__ == "__main__":
    sys.exit(main())

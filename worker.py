"""The background worker: one RQ worker, with its scheduler, on one app instance.

Each job is logged in one line (app/logs.py: job name, queue, outcome, duration, and the
request id of the request that enqueued it), in the format of LOG_FORMAT.

Usage: python worker.py [--burst]
"""
import argparse
import logging
import sys

from rq import Worker

from app import create_app
from app.jobs import get_queue, redis_connection, set_worker_app
from app.jobs.schedules import register_schedules
from app.logs import log_job

QUEUES = ["mail", "default"]


class PortalWorker(Worker):
    """RQ's worker, with a log line around each job (in the work horse that runs it)."""

    def perform_job(self, job, queue, execution):
        return log_job(job, queue.name, lambda: super(PortalWorker, self).perform_job(job, queue, execution))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Ouderportaal worker")
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    args = parser.parse_args(argv)

    app = create_app()
    if not app.config.get("REDIS_URL"):
        print("REDIS_URL is niet ingesteld: zonder Redis draaien jobs direct in het webproces.", file=sys.stderr)
        return 2
    set_worker_app(app)  # the one app every job runs in (app/jobs/__init__.py)
    connection = redis_connection(app)
    queues = [get_queue(name, app) for name in QUEUES]
    worker = PortalWorker(queues, connection=connection)
    register_schedules(app, connection, burst=args.burst)
    logging.getLogger("rq.worker").setLevel(logging.INFO)
    worker.work(with_scheduler=True, burst=args.burst)
    return 0


if __name__ == "__main__":
    sys.exit(main())

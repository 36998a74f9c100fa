"""Notification mail: the dispatcher the worker runs (plan, then send), with its ledger.

Two steps, each safe to run any number of times at once (two cron ticks, two workers, a
batch re-run by hand after a crash):

1. Plan (`plan_due`, planning.py): due events become rows of the delivery ledger, one per
   recipient and notice.
2. Send (`send_pending`, sending.py): due rows are claimed in chunks, sent over one SMTP
   connection (app/jobs/smtp.py), and each is marked sent, retried or failed in its own
   commit (app/jobs/ledger.py). Exactly once, but for the window sending.py describes.

The kinds (who gets what, when) come from the catalog (app/notifications/catalog.py),
which create_app fills; account mails share the ledger (app/jobs/account_mail.py).

The jobs below are what the worker, its minute tick (app/jobs/schedules.py) and the CLI
(`flask notifications ...`) run; a service enqueues them after its commit, by function or
by dotted path ("app.jobs.notifications.dispatch_now").
"""
from app.jobs import job_app_context
from app.jobs.ledger import JOB_TIMEOUT, RunResult, reclaim_stale, schedule_retry  # noqa: F401
from app.jobs.ledger import pid_alive as _pid_alive  # noqa: F401
from app.jobs.notifications.planning import plan_due
from app.jobs.notifications.sending import render_digest, send_pending  # noqa: F401


def run_due(now=None):
    """Everything that is due: the minute tick (rq.cron) and the CLI run this."""
    with job_app_context():
        result = plan_due(now)
        return result.add(send_pending())


def run_daily(now=None):
    """The evening batch (spoedberichten, albums) and the at-once kinds, then send."""
    with job_app_context():
        result = plan_due(now, timings=("immediate", "evening"))
        return result.add(send_pending())


def run_weekly(now=None):
    """The weekly digest (news, general messages), then send."""
    with job_app_context():
        result = plan_due(now, timings=("weekly",))
        return result.add(send_pending())


def send_pending_job():
    with job_app_context():
        return send_pending()


def dispatch_now():
    """For a service that wants its at-once notice out right after commit:
    `enqueue("app.jobs.notifications.dispatch_now")` (the minute tick sends it otherwise)."""
    return run_due()

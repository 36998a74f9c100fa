"""Test hooks of the jobs. Test-only: never set in a deployment.

TESTING_KILL_AFTER_SENT=N (config.py, from the environment of the worker a test starts)
makes the sending process SIGKILL the worker (PORTAL_WORKER_PID, set by
app/jobs/schedules.py; its whole process group when it leads one: work horse, RQ
scheduler, clock) and itself right after the N-th mail was marked sent, so a test can
kill a worker at a known point in a batch (tests/test_notifications_worker.py).
"""
import os
import signal

from flask import current_app

# Mails marked sent by this process.
_sent_in_process = 0


def after_sent():
    """Called by the sender after each mail it marked sent; does nothing unless a test asked."""
    global _sent_in_process
    _sent_in_process += 1
    limit = current_app.config.get("TESTING_KILL_AFTER_SENT")
    if limit and _sent_in_process >= int(limit):
        _kill_worker_and_self()


def _kill_worker_and_self():
    worker_pid = int(os.environ.get("PORTAL_WORKER_PID") or 0)
    if worker_pid and worker_pid != os.getpid():
        try:
            if os.getpgid(worker_pid) == worker_pid:
                os.killpg(worker_pid, signal.SIGKILL)  # the worker leads its group: all of it
            else:
                os.kill(worker_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    os.kill(os.getpid(), signal.SIGKILL)

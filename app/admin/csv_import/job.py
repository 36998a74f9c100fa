"""The import as a job: thousands of rows take longer than a request may (5,000 new parents
took ~56 s against gunicorn's 60 s), so with Redis the office's "Importeren" queues
`run_import` and the page polls `import_status` (Dutch, with how far it is). Without Redis
(`make run`) the import runs inline, in the request, as it did.

Nothing is half-imported: the job applies the plan in ONE transaction (applying.py), and a
failure rolls all of it back; the activation mails are recorded in the delivery ledger in
that transaction and enqueued after the commit, as from the request. The job reads the
held upload again and checks the preview's fingerprint, so what is imported is what the
office saw. When Redis does not answer, QueueUnavailable: nothing is imported.

The status lives in the RQ job's meta (state, done, total, result), kept a day.
"""
import logging
from dataclasses import asdict

from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.admin.csv_import.applying import apply_plan
from app.admin.csv_import.preview import make_plan
from app.admin.csv_import.reading import read_csv
from app.extensions import db
from app.jobs import QueueUnavailable, enqueue, get_queue, job_app_context
from app.storage import StorageMissing, delete_quietly, get_storage, import_key

log = logging.getLogger(__name__)

JOB = "app.admin.csv_import.job.run_import"
KEEP_SECONDS = 24 * 3600
# Well beyond the 5,000-row maximum (about a minute); a worker that dies is noticed by RQ.
JOB_TIMEOUT = 30 * 60


def runs_as_job():
    return bool(current_app.config.get("REDIS_URL"))


def job_id(token):
    return f"import-{token}"


def start_import(token, fingerprint, skip_bad_rows, actor):
    """Queue the import of the held upload `token`; raises QueueUnavailable (nothing done)."""
    options = {"job_id": job_id(token), "job_timeout": JOB_TIMEOUT, "result_ttl": KEEP_SECONDS,
               "failure_ttl": KEEP_SECONDS}
    if not enqueue(JOB, token, fingerprint, bool(skip_bad_rows), actor.id, queue="default", retry=False,
                   job_options=options):
        raise QueueUnavailable()


def import_status(token):
    """The job's state for the status page: {"state": queued|running|done|failed|outdated|
    gone, "done", "total", "result", "message"}. Raises QueueUnavailable when Redis is away."""
    from redis.exceptions import RedisError

    try:
        job = get_queue("default").fetch_job(job_id(token))
        if job is None:
            return {"state": "gone"}
        meta = dict(job.get_meta(refresh=True) or {})
        if job.is_failed and meta.get("state") not in ("failed", "outdated"):
            meta["state"] = "failed"  # killed or timed out before it could say so
    except (RedisError, OSError):
        raise QueueUnavailable() from None
    meta.setdefault("state", "queued")
    return meta


def _reporter():
    from rq import get_current_job

    job = get_current_job()

    def report(**values):
        if job is not None:
            job.meta.update(values)
            job.save_meta()
    return report


def run_import(token, fingerprint, skip_bad_rows, actor_id):
    """The job: read the held file, check it is what the office previewed, apply it."""
    from app.models import User

    with job_app_context():
        report = _reporter()
        report(state="running", done=0, total=0)
        try:
            data = get_storage().get(import_key(token))
        except StorageMissing:
            report(state="failed", message="Het geüploade bestand is niet meer beschikbaar. Upload het opnieuw.")
            return None
        plan = make_plan(read_csv(data))
        if plan.fingerprint() != fingerprint:
            report(state="outdated")
            return None
        actor = db.session.get(User, actor_id)
        try:
            result = apply_plan(plan, actor, skip_bad_rows=skip_bad_rows,
                                report=lambda done, total: report(done=done, total=total))
        except IntegrityError:  # someone made one of these pupils or accounts meanwhile
            report(state="outdated")
            return None
        except Exception:
            log.exception("import %s failed", token)
            report(state="failed", message="Er ging iets mis tijdens de import.")
            raise
        delete_quietly([import_key(token)])
        report(state="done", result=asdict(result))
        return asdict(result)

"""Inzage (AVG art. 15): a person downloads everything the portal holds about them and
their children, from Mijn account.

A request makes a DataExport (queued) and enqueues `build_export`, which fills in the HTML
and the JSON (collect.py decides what, render.py writes it) and marks it ready. When the
queue does not answer, the request is refused with a Dutch "probeer het later opnieuw"
(QueueUnavailable) and nothing of it is left. One export
per person: a new request replaces the older ones, and while one is being made no second
is started. Exports are removed after EXPORT_DAYS (when the page is opened, and by every job).
"""
import logging
from datetime import timedelta

from sqlalchemy import delete, select

from app.account.inzage.collect import collect
from app.account.inzage.render import export_html, export_json
from app.audit import record_change
from app.extensions import db
from app.jobs import QueueUnavailable, enqueue, job_app_context
from app.models import DataExport, User, utcnow

log = logging.getLogger(__name__)

EXPORT_DAYS = 7
# A job that has not finished after this long is taken to be lost (a worker that died):
# the person may ask again.
STUCK_AFTER = timedelta(minutes=30)
JOB = "app.account.inzage.build_export"


def remove_expired():
    """Delete every export older than EXPORT_DAYS (of anyone). The caller commits."""
    db.session.execute(delete(DataExport).where(DataExport.created_at < utcnow() - timedelta(days=EXPORT_DAYS)))


def latest_export(user):
    """The person's current export (expired ones removed first), or None."""
    remove_expired()
    db.session.commit()
    return db.session.scalar(select(DataExport).where(DataExport.user_id == user.id)
                             .order_by(DataExport.created_at.desc(), DataExport.id.desc()).limit(1))


def in_progress(export):
    return export is not None and export.state == "queued" and export.created_at > utcnow() - STUCK_AFTER


def request_export(user):
    """Start a new export, replacing the older ones; the one in progress if there is one.

    The new export is committed first and the older ones are removed only once its job is
    queued: when the queue does not answer, the new one is removed again, the older ones
    stay, and QueueUnavailable tells the person to try again later (nothing half-done)."""
    current = latest_export(user)
    if in_progress(current):
        return current, False
    export = DataExport(user_id=user.id, state="queued")
    db.session.add(export)
    db.session.commit()
    export_id = export.id
    if not enqueue(JOB, export_id, queue="default", retry=False):
        db.session.execute(delete(DataExport).where(DataExport.id == export_id))
        db.session.commit()
        raise QueueUnavailable()
    db.session.execute(delete(DataExport).where(DataExport.user_id == user.id, DataExport.id != export_id))
    record_change(user, "user", user.id, "inzage aangevraagd", ["inzage"])
    db.session.commit()
    db.session.expire_all()
    return db.session.get(DataExport, export_id), True


def export_for_download(user, export_id):
    """The person's own ready export with this id, or None (another's id is a 404); the
    download is recorded in the audit log."""
    export = db.session.get(DataExport, export_id)
    if export is None or export.user_id != user.id or export.state != "ready":
        return None
    if export.created_at < utcnow() - timedelta(days=EXPORT_DAYS):
        return None
    record_change(user, "user", user.id, "inzage gedownload", ["inzage"])
    db.session.commit()
    return export


def file_name(export, extension):
    return f"mijn-gegevens-ouderportaal-{export.created_at:%Y-%m-%d}.{extension}"


def build_export(export_id):
    """The job: fill in the export's HTML and JSON and mark it ready (failed on an error)."""
    with job_app_context():
        remove_expired()
        db.session.commit()
        export = db.session.get(DataExport, export_id)
        if export is None or export.state != "queued":
            return
        user = db.session.get(User, export.user_id)
        try:
            collected = collect(user)
            made_at = utcnow()
            export.json = export_json(collected, made_at)
            export.html = export_html(collected, made_at)
            export.state, export.ready_at = "ready", made_at
            db.session.commit()
        except Exception:  # noqa: BLE001 - the page says it failed; the person can ask again
            log.exception("inzage %s failed", export_id)
            db.session.rollback()
            export = db.session.get(DataExport, export_id)
            if export is not None:
                export.state = "failed"
                db.session.commit()

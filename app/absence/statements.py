"""The employer's statement (or other proof) with a leave request: a document file checked
by app/documents/files.py (by its bytes: PDF, Office without macros, images without
metadata), stored under UPLOAD_DIR/statements with a random name (a folder of its own, so
the sweep below never touches Documenten's files), served only through a route that got
the request through app.access.leave_request_for.

A statement is stored as soon as it is uploaded (app/absence/leave.py keeps it while the
form comes back for confirmation); one whose form is never submitted is referenced by no
request: `sweep_unreferenced` (the daily retention job) removes such files once they are a
day old — younger ones may belong to a form that is still open.
"""
import logging
import secrets
import time
from pathlib import Path

from flask import abort, current_app, send_file
from sqlalchemy import select

from app.documents import files
from app.extensions import db

log = logging.getLogger(__name__)
SWEEP_AFTER_SECONDS = 24 * 3600


def statements_root():
    path = Path(current_app.config["UPLOAD_DIR"]) / "statements"
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(stored_name):
    return statements_root() / stored_name


def store_statement(request, upload):
    """Check and store an upload on the request (the caller commits, and calls
    `remove_file(name)` if its commit fails). Raises app.storage.UploadError (Dutch)
    before anything is stored. Returns the stored name."""
    checked = files.check_upload(upload)
    stored_name = f"{secrets.token_hex(16)}.{checked.kind.extension}"
    path_of(stored_name).write_bytes(checked.data)
    old = request.statement_stored
    request.statement_name = checked.filename
    request.statement_stored = stored_name
    request.statement_kind = checked.kind.key
    request.statement_mime = checked.kind.mime_type
    request.statement_size = len(checked.data)
    if old:
        remove_file(old)
    return stored_name


def remove_file(stored_name):
    if stored_name:
        path_of(stored_name).unlink(missing_ok=True)


def sweep_unreferenced(now=None):
    """Remove statement files no leave request refers to and older than a day; the count."""
    from app.models import LeaveRequest

    now = time.time() if now is None else now
    referenced = set(db.session.scalars(select(LeaveRequest.statement_stored)
                                        .where(LeaveRequest.statement_stored.is_not(None))))
    removed = 0
    try:
        for path in statements_root().iterdir():
            if path.is_file() and path.name not in referenced and now - path.stat().st_mtime > SWEEP_AFTER_SECONDS:
                path.unlink(missing_ok=True)
                removed += 1
    except OSError:  # an unreadable folder must not stop the retention job
        log.exception("sweeping unreferenced statement files failed")
    return removed


def send_statement(request):
    """The statement as a download (private, not cached), or 404 when there is none."""
    if not request.statement_stored:
        abort(404)
    path = path_of(request.statement_stored)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=request.statement_mime, as_attachment=True,
                         download_name=request.statement_name or "verklaring", conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response

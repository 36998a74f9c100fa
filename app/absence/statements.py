"""The employer's statement (or other proof) with a leave request: a document file checked
by app/documents/files.py (by its bytes: PDF, Office without macros, images without
metadata), stored under UPLOAD_DIR/documents with a random name, served only through a
route that got the request through app.access.leave_request_for."""
from flask import abort, send_file

from app.documents import files


def store_statement(request, upload):
    """Check and store an upload on the request (the caller commits, and calls
    `remove_file(name)` if its commit fails). Raises app.storage.UploadError (Dutch)
    before anything is stored. Returns the stored name."""
    checked = files.check_upload(upload)
    stored_name = files.store(checked)
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
        (files.documents_root() / stored_name).unlink(missing_ok=True)


def send_statement(request):
    """The statement as a download (private, not cached), or 404 when there is none."""
    if not request.statement_stored:
        abort(404)
    path = files.documents_root() / request.statement_stored
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=request.statement_mime, as_attachment=True,
                         download_name=request.statement_name or "verklaring", conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response

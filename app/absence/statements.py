"""The employer's statement (or other proof) with a leave request: a document file checked
by app/documents/files.py (by its bytes: PDF, Office without macros, images without
metadata), stored (app/storage) under statements/<random name> (a prefix of its own, apart
from Documenten's files), served only through a route that got the request through
app.access.leave_request_for.

A statement is stored as soon as it is uploaded (app/absence/leave.py keeps it while the
form comes back for confirmation); one whose form is never submitted is referenced by no
request: the daily sweep of unreferenced objects (app/storage/references.py, run by the
retention job) removes it once it is a day old — younger ones may belong to a form that is
still open.
"""
import secrets

from flask import abort

from app.documents import files
from app.storage import delete_quietly, get_storage, statement_key


def store_statement(request, upload):
    """Check and store an upload on the request (the caller commits, and calls
    `remove_file(name)` if its commit fails). Raises app.images.UploadError (Dutch; a
    StorageError when the store is away) before anything is stored. Returns the stored name."""
    checked = files.check_upload(upload)
    stored_name = f"{secrets.token_hex(16)}.{checked.kind.extension}"
    get_storage().put(statement_key(stored_name), checked.data, checked.kind.mime_type)
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
    """Delete a statement no row refers to (any more); an unreachable store leaves it to the sweep."""
    if stored_name:
        delete_quietly([statement_key(stored_name)])


def send_statement(request):
    """The statement as a download (private, not cached), or 404 when there is none."""
    if not request.statement_stored:
        abort(404)
    return get_storage().serve(statement_key(request.statement_stored), request.statement_mime,
                               download_name=request.statement_name or "verklaring", inline=False,
                               cache="private, no-store")

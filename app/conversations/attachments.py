"""The attachment of a message in Gesprekken: a document file checked by
app/documents/files.py (by its bytes: PDF, Office without macros, images without
metadata), stored under conversations/<random name> (app/storage), served only through a
route that got the conversation through app.access.conversations.conversation_for.

The object is written before its row and discarded when the transaction does not commit
(app/storage/transaction.py); the object of a message that goes with its conversation
(retention, erasure) is removed by the daily sweep of unreferenced objects.
"""
import secrets

from flask import abort

from app.documents import files
from app.storage import conversation_key, discard_unless_committed, get_storage


def has_upload(upload):
    return upload is not None and bool(getattr(upload, "filename", ""))


def attach(message, upload):
    """Check and store the upload on the message (the caller commits). Raises
    app.images.UploadError (Dutch; StorageError when the store is away) when refused."""
    checked = files.check_upload(upload)
    stored_name = f"{secrets.token_hex(16)}.{checked.kind.extension}"
    key = conversation_key(stored_name)
    get_storage().put(key, checked.data, checked.kind.mime_type)
    discard_unless_committed(key)
    message.attachment_name = checked.filename
    message.attachment_stored = stored_name
    message.attachment_kind = checked.kind.key
    message.attachment_mime = checked.kind.mime_type
    message.attachment_size = len(checked.data)


def send(message):
    """The attachment as a download (private, not cached), or 404 when there is none."""
    if not message.attachment_stored:
        abort(404)
    return get_storage().serve(conversation_key(message.attachment_stored), message.attachment_mime,
                               download_name=message.attachment_name or "bijlage", inline=False,
                               cache="private, no-store")

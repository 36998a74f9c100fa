"""Where uploaded files live: the local folder (default) or an S3-compatible object store.

`get_storage()` is the app's Storage, chosen by STORAGE_URL (app/storage/backend.py):
put(key, data, content_type), get(key) -> bytes, exists(key), delete(key) (absent is fine),
keys(prefix) -> StoredKey(key, size, modified), serve(key, mimetype, download_name, inline,
cache) -> a Flask response (streamed, or a 302 to a presigned URL with STORAGE_SERVE=redirect).
Keys (app/storage/keys.py): images/<stem>.<ext>, images/<stem>_thumb.<ext>,
documents/<name>, statements/<name>, imports/<token>.csv. Nothing else in the app reads
UPLOAD_DIR.

Errors: StorageError (an UploadError with a Dutch message: every upload form shows it) when
the store cannot be reached; StorageMissing for an absent key. Writes and deletes follow the
database transaction (app/storage/transaction.py); the daily sweep and the check are in
app/storage/references.py, the CLI in app/storage/cli.py. Image checking is app/images.py.
"""
from app.storage.backend import get_storage, storage_from_config
from app.storage.base import UNREACHABLE, Storage, StorageError, StorageMissing, StoredKey, UploadError
from app.storage.keys import PREFIXES, document_key, image_key, import_key, statement_key
from app.storage.references import (expected_objects, missing_objects, referenced_keys, stored_keys,
                                    sweep_unreferenced)
from app.storage.transaction import delete_after_commit, delete_quietly, discard_unless_committed

__all__ = [
    "PREFIXES", "UNREACHABLE", "Storage", "StorageError", "StorageMissing", "StoredKey", "UploadError",
    "delete_after_commit", "delete_quietly", "discard_unless_committed", "document_key", "expected_objects",
    "get_storage", "image_key", "import_key", "missing_objects", "referenced_keys", "statement_key",
    "storage_from_config", "stored_keys", "sweep_unreferenced",
]

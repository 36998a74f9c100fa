"""What every storage backend offers (app/storage/local.py, app/storage/s3.py), its errors,
and the response headers both use when they serve a file."""
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from werkzeug.datastructures import Headers

UNREACHABLE = "De opslag voor bestanden is nu niet bereikbaar. Probeer het over een paar minuten opnieuw."
# Keys are made by app/storage/keys.py from random names; anything else is a bug or an attack.
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*$")


class UploadError(ValueError):
    """A refused upload; str(error) is the Dutch message for the user. Defined here (and
    re-exported by app/images.py) so that StorageError can be one: every upload form that
    shows an UploadError shows an unreachable store's message too."""


class StorageError(UploadError):
    """The store could not be reached or refused the operation (nothing was written)."""

    def __init__(self, message=UNREACHABLE):
        super().__init__(message)


class StorageMissing(LookupError):
    """No object under this key (`serve` answers 404 for it)."""


@dataclass(frozen=True)
class StoredKey:
    key: str
    size: int
    modified: datetime  # aware (UTC)


def is_key(key):
    return isinstance(key, str) and bool(KEY_PATTERN.match(key)) and not {".", ".."} & set(key.split("/"))


def check_key(key):
    if not is_key(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def disposition(inline, download_name):
    """A Content-Disposition value, with an RFC 5987 name for a non-ASCII file name (as
    Flask's send_file writes it)."""
    kind = "inline" if inline else "attachment"
    if not download_name:
        return kind
    headers = Headers()
    try:
        download_name.encode("ascii")
        names = {"filename": download_name}
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", download_name).encode("ascii", "ignore").decode("ascii")
        names = {"filename": simple, "filename*": f"UTF-8''{quote(download_name, safe='!#$&+^`|~')}"}
    headers.set("Content-Disposition", kind, **names)
    return headers["Content-Disposition"]


class Storage:
    """put/get/exists/delete/keys on keys such as images/<stem>.jpg; serve answers a request.

    Every method raises StorageError when the store cannot be reached (get: StorageMissing
    for an absent key; delete: an absent key is fine)."""

    name = "storage"

    def put(self, key, data, content_type):
        raise NotImplementedError

    def get(self, key):
        raise NotImplementedError

    def exists(self, key):
        raise NotImplementedError

    def delete(self, key):
        raise NotImplementedError

    def delete_many(self, keys):
        for key in keys:
            self.delete(key)

    def keys(self, prefix=""):
        raise NotImplementedError

    def serve(self, key, mimetype, download_name=None, inline=True, cache="private, no-store"):
        """A response with the object (404 when it is absent). Call only after the route
        has checked access; `cache` becomes the Cache-Control header."""
        raise NotImplementedError

    def image_origin(self):
        """The origin browsers load files from when it is not the portal (for the CSP)."""
        return None

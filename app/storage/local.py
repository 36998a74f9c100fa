"""The local folder backend: a key is a path under UPLOAD_DIR (the default; `make run` needs
nothing). One web process only: another host never sees these files."""
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from flask import abort, send_file

from app.storage.base import Storage, StorageError, StorageMissing, StoredKey, check_key, disposition, is_key

TEMPORARY = ".tmp-"


class LocalStorage(Storage):
    name = "local"

    def __init__(self, root):
        self.root = Path(root)

    def __repr__(self):
        return f"<LocalStorage {self.root}>"

    def path(self, key):
        return self.root / check_key(key)

    def put(self, key, data, content_type=None):
        # Written under a temporary name and renamed: a reader never sees half a file.
        path = self.path(key)
        temporary = path.with_name(f"{TEMPORARY}{secrets.token_hex(8)}-{path.name}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(data)
            os.replace(temporary, path)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise StorageError() from error

    def get(self, key):
        try:
            return self.path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            raise StorageMissing(key) from None
        except OSError as error:
            raise StorageError() from error

    def exists(self, key):
        return self.path(key).is_file()

    def delete(self, key):
        try:
            self.path(key).unlink(missing_ok=True)
        except OSError as error:
            raise StorageError() from error

    def keys(self, prefix=""):
        """Every file whose key starts with `prefix` (a folder such as "images/")."""
        folder = self.root / prefix.rsplit("/", 1)[0] if "/" in prefix else self.root
        if not folder.is_dir():
            return
        try:
            for path in sorted(folder.rglob("*")):
                key = path.relative_to(self.root).as_posix()
                if not key.startswith(prefix) or not is_key(key) or not path.is_file():
                    continue  # a file someone put there by hand with another name: left alone
                stat = path.stat()
                yield StoredKey(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))
        except OSError as error:
            raise StorageError() from error

    def serve(self, key, mimetype, download_name=None, inline=True, cache="private, no-store"):
        path = self.path(key)
        if not path.is_file():
            abort(404)
        response = send_file(path, mimetype=mimetype, as_attachment=not inline, download_name=download_name,
                             conditional=True, etag=True, max_age=None)
        response.headers["Cache-Control"] = cache
        response.headers["Content-Disposition"] = disposition(inline, download_name)
        return response

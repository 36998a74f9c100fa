"""Which backend the app uses, from STORAGE_URL: unset or file://… the local folder,
s3://bucket/prefix an object store. Made once per app and kept in app.extensions."""
from urllib.parse import urlsplit

from flask import current_app

from app.storage.local import LocalStorage
from app.storage.s3 import S3Storage

EXTENSION = "storage"


def storage_from_config(config):
    url = (config.get("STORAGE_URL") or "").strip()
    if not url or url.startswith("file:"):
        # file:///srv/uploads names the folder; plain file:// (or nothing) is UPLOAD_DIR.
        folder = urlsplit(url).path if url else ""
        return LocalStorage(folder or config["UPLOAD_DIR"])
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"STORAGE_URL must be s3://bucket/prefix or file://…, not {url!r}")
    serve = (config.get("STORAGE_SERVE") or "stream").strip().lower()
    if serve not in ("stream", "redirect"):
        raise ValueError(f"STORAGE_SERVE must be stream or redirect, not {serve!r}")
    return S3Storage(parts.netloc, parts.path, endpoint_url=config.get("STORAGE_ENDPOINT_URL") or None,
                     region=config.get("AWS_REGION") or None, access_key=config.get("AWS_ACCESS_KEY_ID") or None,
                     secret_key=config.get("AWS_SECRET_ACCESS_KEY") or None, serve_mode=serve,
                     url_seconds=int(config.get("STORAGE_URL_SECONDS") or 300))


def get_storage(app=None):
    """The app's Storage (made at first use from its config)."""
    app = app or current_app._get_current_object()
    storage = app.extensions.get(EXTENSION)
    if storage is None:
        storage = app.extensions[EXTENSION] = storage_from_config(app.config)
    return storage

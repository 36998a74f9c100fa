"""The object store backend: any S3-compatible store through boto3 (`STORAGE_URL=s3://bucket/prefix`).

Short timeouts and one retry: when the store is away, an upload is refused with a Dutch
message within seconds instead of hanging a web process. Files are either streamed through
the app (STORAGE_SERVE=stream, the default) or answered with a redirect to a presigned URL
valid STORAGE_URL_SECONDS (STORAGE_SERVE=redirect): the bytes then do not pass through the
web process, but whoever holds the URL can fetch the file until it expires, so the redirect
and the file both say Cache-Control: private (no shared cache may keep them)."""
import logging
from urllib.parse import urlsplit

from flask import Response, abort, redirect, request

from app.storage.base import Storage, StorageError, StorageMissing, StoredKey, check_key, disposition, is_key

log = logging.getLogger(__name__)
CHUNK = 64 * 1024
MISSING_CODES = {"NoSuchKey", "404", "NotFound"}


def _client(endpoint_url, region, access_key, secret_key):
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=2, read_timeout=10, retries={"total_max_attempts": 2, "mode": "standard"},
                    signature_version="s3v4",
                    # A store of one's own (MinIO, a test server) rarely has a DNS name per bucket.
                    s3={"addressing_style": "path" if endpoint_url else "auto"})
    credentials = {"aws_access_key_id": access_key, "aws_secret_access_key": secret_key} if access_key else {}
    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region, config=config, **credentials)


def _code(error):
    return str(error.response.get("Error", {}).get("Code", ""))


def _status(error):
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def redirect_cache(cache, seconds):
    """Cache-Control of a redirect to a presigned URL: a browser may reuse it for half the
    URL's life at most (then the URL still works), a shared cache never."""
    if "no-store" in cache or "no-cache" in cache:
        return cache
    return f"private, max-age={max(0, seconds // 2)}"


class S3Storage(Storage):
    name = "s3"

    def __init__(self, bucket, prefix="", endpoint_url=None, region=None, access_key=None, secret_key=None,
                 serve_mode="stream", url_seconds=300):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.redirects = serve_mode == "redirect"
        self.url_seconds = url_seconds
        self._settings = (endpoint_url, region, access_key, secret_key)
        self._client = None
        self._origin = None

    def __repr__(self):
        return f"<S3Storage s3://{self.bucket}/{self.prefix}>"

    @property
    def client(self):
        if self._client is None:  # made at first use: creating a client costs some 50 ms
            self._client = _client(*self._settings)
        return self._client

    def _key(self, key):
        return self.prefix + check_key(key)

    def _call(self, operation, **params):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **params)
        except ClientError as error:
            if _code(error) in MISSING_CODES or _status(error) == 404:
                raise StorageMissing(params.get("Key")) from None
            raise StorageError() from error
        except BotoCoreError as error:
            raise StorageError() from error

    def put(self, key, data, content_type="application/octet-stream"):
        self._call("put_object", Key=self._key(key), Body=data, ContentType=content_type)

    def get(self, key):
        found = self._call("get_object", Key=self._key(key))
        try:
            return found["Body"].read()
        except Exception as error:  # noqa: BLE001 — the connection broke while reading
            raise StorageError() from error

    def exists(self, key):
        try:
            self._call("head_object", Key=self._key(key))
        except StorageMissing:
            return False
        return True

    def delete(self, key):
        try:
            self._call("delete_object", Key=self._key(key))
        except StorageMissing:
            pass

    def delete_many(self, keys):
        # One request per 1000 keys (an album of a hundred photos is two hundred objects).
        keys = list(keys)
        for start in range(0, len(keys), 1000):
            chunk = [{"Key": self._key(key)} for key in keys[start:start + 1000]]
            answer = self._call("delete_objects", Delete={"Objects": chunk, "Quiet": True})
            if answer.get("Errors"):
                raise StorageError()

    def keys(self, prefix=""):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                          Prefix=self.prefix + prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    if not is_key(item["Key"][len(self.prefix):]):
                        continue  # not one of the portal's keys
                    yield StoredKey(item["Key"][len(self.prefix):], item["Size"], item["LastModified"])
        except (BotoCoreError, ClientError) as error:
            raise StorageError() from error

    def serve(self, key, mimetype, download_name=None, inline=True, cache="private, no-store"):
        if self.redirects:
            return self._redirect(key, mimetype, download_name, inline, cache)
        try:
            found = self._call("get_object", Key=self._key(key))
        except StorageMissing:
            abort(404)
        body, etag = found["Body"], (found.get("ETag") or "").strip('"')
        if etag and request.if_none_match.contains_weak(etag):
            # The browser's copy is still the object (compared here: the browser's header is
            # never passed to the store, where a malformed one would be an error).
            body.close()
            response = Response(status=304)
        else:
            response = Response(body.iter_chunks(CHUNK), mimetype=mimetype, direct_passthrough=True)
            response.call_on_close(body.close)
            response.content_length = found.get("ContentLength")
        if etag:
            response.set_etag(etag)
        response.headers["Cache-Control"] = cache
        response.headers["Content-Disposition"] = disposition(inline, download_name)
        return response

    def presigned_url(self, key, mimetype=None, download_name=None, inline=True, cache="private, no-store"):
        """A URL that serves the object to whoever has it, for STORAGE_URL_SECONDS (signed
        locally: no request to the store)."""
        params = {"Bucket": self.bucket, "Key": self._key(key), "ResponseCacheControl": cache,
                  "ResponseContentDisposition": disposition(inline, download_name)}
        if mimetype:
            params["ResponseContentType"] = mimetype
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=self.url_seconds)

    def _redirect(self, key, mimetype, download_name, inline, cache):
        # No HEAD first: every row has its object (`flask storage check`), and a round trip
        # per image would cost what the redirect saves.
        response = redirect(self.presigned_url(key, mimetype, download_name, inline, cache), 302)
        response.headers["Cache-Control"] = redirect_cache(cache, self.url_seconds)
        return response

    def image_origin(self):
        if not self.redirects:
            return None
        if self._origin is None:
            try:
                parts = urlsplit(self.presigned_url("images/origin"))
            except Exception:  # noqa: BLE001 — no credentials found: the pages still work
                log.exception("storage: no presigned URL could be made (are the AWS_* settings there?)")
                return None
            self._origin = f"{parts.scheme}://{parts.netloc}"
        return self._origin

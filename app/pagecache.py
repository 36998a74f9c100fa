"""Rendered parent pages remembered per session until the database changes.

A page such as Home asks the database a dozen questions and renders a large template;
most of the time nothing has changed since the same parent last asked for it. Pages whose
view is decorated with `@cached_page` are kept, per web process, under a key of

- the *generation*: a counter in Redis, raised after every commit that wrote anything
  (any table, any process: web, worker or command line);
- the current minute, so what depends on the clock (upcoming agenda, a booking deadline,
  "vandaag") is never more than a minute behind, even if Redis lost an increment;
- the session's login (user id and session token) and CSRF secret, so a page (and the
  token in its forms) is only ever served to the session it was made for;
- the full URL and the htmx request headers (a fragment is not the whole page).

A hit answers without the database: the user was active and allowed to see the page at
this generation, and nothing has been written since. A session with messages to flash,
a response that changed the session, or anything but a 200 HTML answer is not kept.

Logging out (or any other ending of a login session, app/auth/sessions.py) writes, so it
empties the cache. A session that ends by itself (idle, or at the end of its absolute
lifetime) writes nothing: a kept page carries the moment its session ends
(`g.page_cache_until`, a Unix time, set when the session was loaded) and is not served
after it.

Only with REDIS_URL set (production, the benchmarks) and PAGE_CACHE not switched off;
without Redis (`make run`) every page is rendered, as before.
"""
import hashlib
import logging
import threading
from collections import OrderedDict
from functools import wraps

from flask import Response, current_app, g, has_app_context, make_response, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import clock

log = logging.getLogger(__name__)

_HTMX_HEADERS = ("HX-Request", "HX-Boosted", "HX-Target", "HX-Trigger", "HX-Current-URL")
_KEPT_HEADERS = ("Content-Type", "Vary", "Cache-Control")


class PageCache:
    """One process's pages of the current generation and minute (least recently used go)."""

    def __init__(self, app):
        self.app = app
        self.size = app.config.get("PAGE_CACHE_SIZE", 500)
        # One portal per database: two portals on one Redis don't share a counter.
        database = app.config["SQLALCHEMY_DATABASE_URI"].encode()
        self.key = f"ouderportaal:{hashlib.sha256(database).hexdigest()[:16]}:generation"
        self._redis = None
        self._pages = OrderedDict()
        self._epoch = None
        self._lock = threading.Lock()
        # The portal's one clock (app/clock.py): a pretended moment holds for the cache, the
        # login sessions and the content alike.
        self.clock = clock.timestamp

    @property
    def enabled(self):
        return bool(self.app.config.get("PAGE_CACHE", True) and self.app.config.get("REDIS_URL"))

    def redis(self):
        if self._redis is None:
            from redis import Redis

            # Short timeouts: a slow Redis means rendering the page, not waiting for it.
            self._redis = Redis.from_url(self.app.config["REDIS_URL"], socket_connect_timeout=0.5,
                                         socket_timeout=0.5)
        return self._redis

    def _first_generation(self):
        # Milliseconds since 1970: after a Redis restart (it may keep nothing on disk) the
        # counter starts above any value it had, so no old page can match a new generation.
        return int(self.clock() * 1000)

    def epoch(self):
        """(generation, minute) now, or None when Redis does not answer."""
        try:
            redis = self.redis()
            generation = redis.get(self.key)
            if generation is None:
                redis.set(self.key, self._first_generation(), nx=True)
                generation = redis.get(self.key)
        except Exception as exc:  # noqa: BLE001 - no cache is better than no page
            log.warning("page cache: Redis unavailable (%s), rendering", exc.__class__.__name__)
            return None
        return int(generation), int(self.clock() // 60)

    def bump(self):
        try:
            pipe = self.redis().pipeline(transaction=False)
            pipe.set(self.key, self._first_generation(), nx=True)
            pipe.incr(self.key)
            pipe.execute()
        except Exception as exc:  # noqa: BLE001 - the minute in the key bounds what is missed
            log.warning("page cache: could not raise the generation (%s)", exc.__class__.__name__)

    def get(self, epoch, key):
        with self._lock:
            if epoch != self._epoch:
                self._pages.clear()  # nothing of an older generation or minute is ever used again
                self._epoch = epoch
                return None
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, epoch, key, page):
        with self._lock:
            if epoch != self._epoch:
                return
            self._pages[key] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def init_app(app):
    app.extensions["page_cache"] = PageCache(app)


def _cache():
    cache = current_app.extensions.get("page_cache")
    return cache if cache is not None and cache.enabled else None


def _request_key():
    login = session.get("_user_id")
    secret = session.get("csrf_token")
    if not login or not secret or "_flashes" in session:
        return None
    headers = tuple(request.headers.get(name) for name in _HTMX_HEADERS)
    return (login, secret, request.url, headers)


def cached_page(view):
    """Serve this GET page from the cache when nothing changed; put it there otherwise.

    Place it above @login_required: a hit needs no user from the database.
    """
    @wraps(view)
    def wrapped(*args, **kwargs):
        cache = _cache()
        key = _request_key() if cache is not None and request.method == "GET" else None
        epoch = cache.epoch() if key is not None else None  # read before the first query
        if epoch is not None:
            page = cache.get(epoch, key)
            if page is not None and cache.clock() < page[2]:  # its session has not ended
                body, headers, _ = page
                response = Response(body, 200, headers)
                response.headers["X-Page-Cache"] = "hit"
                return response
        response = make_response(view(*args, **kwargs))
        if (epoch is not None and response.status_code == 200 and not session.modified
                and response.mimetype == "text/html" and not response.direct_passthrough
                and "Set-Cookie" not in response.headers and current_user.is_authenticated
                and session.get("_user_id") == key[0] and g.get("page_cache_until")):
            headers = [(name, value) for name, value in response.headers if name in _KEPT_HEADERS]
            cache.put(epoch, key, (response.get_data(), headers, g.page_cache_until))
        return response
    return wrapped


# --- the generation: raised after every commit that wrote ---------------------------------

@event.listens_for(Session, "after_flush")
def _flushed(session, flush_context):
    session.info["page_cache_wrote"] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state):
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["page_cache_wrote"] = True


@event.listens_for(Session, "after_commit")
def _committed(session):
    # After the commit: a request that reads the new generation also reads the new rows.
    if session.info.pop("page_cache_wrote", False) and has_app_context():
        cache = _cache()
        if cache is not None:
            cache.bump()
    # A flag left by a rolled-back write only costs one needless raise at the next commit.

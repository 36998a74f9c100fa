"""Load while the faults happen: parents browsing the portal in threads of their own, and
a supervisor that starts the worker again when it exits, as a platform restarts a
crashed dyno (systemd: Restart=always). Bounded: each loop stops when told, or at its
deadline.
"""
import threading
import time

import requests

from tests.e2e import day
from tests.e2e.records import query
from tests.e2e.web import links

PARENT_PAGES = ["/", "/berichten", "/fotoalbums", "/oudergesprekken/", "/kinderen/", "/agenda/", "/nieuws/"]


def demo_parents(database_url, count, skip=()):
    """Login names of activated demo parents with children (the demo's password)."""
    rows = query(database_url, "SELECT DISTINCT u.email, u.id FROM users u JOIN guardianships g ON g.parent_id = u.id "
                               "WHERE u.role::text IN ('ouder', 'PARENT') AND u.activated_at IS NOT NULL "
                               "AND u.deactivated_at IS NULL AND u.password_hash IS NOT NULL ORDER BY u.id")
    return [email for email, _ in rows if email not in skip][:count]


class ParentCrowd:
    """Parents browsing Home, Berichten, the albums (a page with its thumbnails), the
    meetings, … over and over, each in a thread, every answer recorded in `tally`."""

    def __init__(self, url, tally, logins, pause=0.3, deadline=1800):
        self.browsers = [day.logged_in(url, login, tally=tally, label="parent") for login in logins]
        self.pause = pause
        self.stop_at = time.monotonic() + deadline
        self.stopping = threading.Event()
        self.threads = []

    def start(self):
        for browser in self.browsers:
            thread = threading.Thread(target=self._browse, args=(browser,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _browse(self, browser):
        album = None
        while not self.stopping.is_set() and time.monotonic() < self.stop_at:
            for path in PARENT_PAGES + ([album] if album else []):
                if self.stopping.is_set():
                    return
                try:
                    page = browser.get(path)
                except requests.RequestException:
                    page = None  # recorded as no answer by the Browser
                if page is not None and page.status_code == 200 and path == "/fotoalbums":
                    album = (links(page.text, r"^/fotoalbums/\d+$") or [None])[0]
                elif page is not None and page.status_code == 200 and path == album:
                    for thumbnail in links(page.text, r"/miniatuur$")[:2]:
                        try:
                            browser.get(thumbnail)
                        except requests.RequestException:
                            pass
                time.sleep(self.pause)

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)


class WorkerSupervisor:
    """Starts the worker again (after a pause) whenever its honcho has exited while the
    supervisor runs, and counts the restarts."""

    def __init__(self, portal, pause=5):
        self.portal = portal
        self.pause = pause
        self.restarts = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def start(self):
        self.thread.start()

    def _watch(self):
        while not self.stopping.wait(1):
            if not self.portal.alive("worker"):
                self.restarts.append(time.monotonic())
                if self.stopping.wait(self.pause):
                    return
                self.portal.start("worker", wait=False)

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=30)

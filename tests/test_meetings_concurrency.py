"""Two parents clicking at the same moment: the database decides, exactly one wins.

Real concurrency needs a real database server: these tests run on PostgreSQL only
(`-m postgres_only`; they are deselected on SQLite runs). Each of 20 threads has its own
logged-in session (urllib with its own cookie jar) against a live, threaded server; a
barrier releases all POSTs at once.
"""
import re
import threading
from datetime import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import MeetingBooking, MeetingReservation, MeetingRound, NotificationEvent
from tests.factories import PASSWORD, AdminFactory, GroupFactory, family, teacher_of
from tests.meetings_data import make_round, pretend, slot_at

pytestmark = pytest.mark.postgres_only

THREADS = 20
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


@pytest.fixture(autouse=True)
def _clock(app):
    """Every slot of the test rounds lies ahead (the rounds are in March 2026)."""
    pretend(app)


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (run with TEST_DATABASE_URL); deselected on SQLite runs")
    # Twenty logins from one address within a minute are this test, not an attack.
    app.config["LOGIN_LIMIT_PER_IP"] = "1000 per minute"
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "1000 per minute"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 303 after a booking is an answer to look at, not to follow


class Browser:
    """One person's own session: a cookie jar, CSRF tokens from the pages, no redirects."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect)

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base_url + path, body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf(self, path):
        status, html = self.request(path)
        assert status == 200, (path, status)
        match = CSRF.search(html)
        return match.group(1) or match.group(2)

    def login(self, user):
        token = self.csrf("/login")
        status, _ = self.request("/login", {"username": user.login_name, "password": PASSWORD, "csrf_token": token})
        assert status == 302, "login failed"
        return self


def run_at_once(jobs):
    """Run the callables in threads released together; return their results."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(index, job):
        barrier.wait()
        results[index] = job()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _release_connection():
    """The test's own session must not hold a connection (or locks) while the server works."""
    db.session.commit()
    db.session.remove()


def test_twenty_families_click_the_same_slot(app, live_server):
    group = GroupFactory(name="3")
    families = [family(group) for _ in range(THREADS)]
    round_ = make_round(group, invite=[child for child, _ in families])
    slot_id = slot_at(round_, "10:40").id
    round_id = round_.id
    jobs = []
    for child, (parent,) in families:
        browser = Browser(live_server.url).login(parent)
        page = f"/oudergesprekken/{round_id}/kind/{child.id}"
        token = browser.csrf(page)  # every family sees 10:40 free
        data = {"slot": slot_id, "versie": "", "csrf_token": token}
        jobs.append(lambda browser=browser, page=page, data=data: browser.request(page + "/reserveren", data))
    _release_connection()

    results = run_at_once(jobs)

    statuses = [status for status, _ in results]
    assert statuses.count(303) == 1, statuses
    assert statuses.count(409) == THREADS - 1, statuses
    for status, html in results:
        if status == 409:
            assert "Dit tijdslot is zojuist door een andere ouder gereserveerd." in html
            assert "Gereserveerd" in html  # with the refreshed list
    assert db.session.scalar(select(func.count()).select_from(MeetingBooking)
                             .where(MeetingBooking.slot_id == slot_id)) == 1
    assert db.session.scalar(select(func.count()).select_from(MeetingBooking)
                             .where(MeetingBooking.round_id == round_id)) == 1


def test_twenty_clicks_on_different_slots_for_one_child(app, live_server):
    group = GroupFactory(name="3")
    sam, (parent, parent2) = family(group, parents=2, first_name="Sam")
    round_ = make_round(group, invite=[sam], end=time(14, 0))
    round_id = round_.id
    clocks = [f"{10 + i // 6}:{(i % 6) * 10:02d}" for i in range(THREADS)]
    slot_ids = [slot_at(round_, clock).id for clock in clocks]
    page = f"/oudergesprekken/{round_id}/kind/{sam.id}"
    jobs = []
    for index, slot_id in enumerate(slot_ids):
        # Both parents, each in several browser sessions of their own.
        browser = Browser(live_server.url).login(parent if index % 2 else parent2)
        token = browser.csrf(page)
        data = {"slot": slot_id, "versie": "", "csrf_token": token}
        jobs.append(lambda browser=browser, data=data: browser.request(page + "/reserveren", data))
    _release_connection()

    results = run_at_once(jobs)

    statuses = [status for status, _ in results]
    assert statuses.count(303) == 1, statuses
    assert statuses.count(409) == THREADS - 1, statuses
    for status, html in results:
        if status == 409:
            # Who won is known: the other parent, or this parent in another session.
            assert ("Voor Sam is zojuist al een tijd gereserveerd door de andere ouder." in html
                    or "De reservering voor Sam is zojuist gewijzigd" in html
                    or "U heeft de reservering voor Sam zojuist al gewijzigd" in html), html[:2000]
            assert "waarschijnlijk" not in html
    assert db.session.scalar(select(func.count()).select_from(MeetingReservation)
                             .where(MeetingReservation.round_id == round_id)) == 1
    assert db.session.scalar(select(func.count()).select_from(MeetingBooking)
                             .where(MeetingBooking.round_id == round_id)) == 1


def test_planning_sluiten_clicked_at_the_same_moment_closes_once(app, live_server):
    """Two staff members (and a double click each) on "Planning sluiten": one close, one
    final event, so every family gets one final mail."""
    group = GroupFactory(name="3")
    child, _ = family(group)
    round_ = make_round(group, invite=[child])
    round_id = round_.id
    page = f"/beheer/oudergesprekken/{round_id}/planning"
    jobs = []
    for user in (teacher_of(group), AdminFactory()):
        for _click in range(3):
            browser = Browser(live_server.url).login(user)
            data = {"csrf_token": browser.csrf(page)}  # every page still shows "Planning sluiten"
            jobs.append(lambda browser=browser, data=data: browser.request(
                f"/beheer/oudergesprekken/{round_id}/sluiten", data))
    _release_connection()

    results = run_at_once(jobs)

    statuses = [status for status, _ in results]
    assert statuses.count(303) == 1, statuses
    assert statuses.count(409) == len(jobs) - 1, statuses
    for status, html in results:
        if status == 409:
            assert "De planning is zojuist al gesloten." in html or "Alleen een geopende planning" in html
    assert db.session.scalar(select(func.count()).select_from(NotificationEvent).where(
        NotificationEvent.kind == "meeting_final", NotificationEvent.subject_id == round_id)) == 1
    assert db.session.get(MeetingRound, round_id).status == "closed"

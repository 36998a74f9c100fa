"""The page cache (app/pagecache.py) with a real Redis: a repeat visit is answered without
the database, whatever anyone writes shows on the next visit, and a page is only ever
served to the session it was made for."""
import re
from datetime import datetime, timezone

import pytest

from app.extensions import db
from app.models import AgendaItem, utcnow
from tests.fixtures.services import free_port
from tests.fixtures.users import Auth, csrf_from
from tests.content_helpers import count_queries, main_of, make_school, post_form, text_of
from tests.factories import AdminFactory, GroupFactory, MessageFactory, family
from tests.meetings_data import make_round, pretend
from tests.test_meetings import book, page_url, slot_texts


class Clock:
    """The portal's one clock (app/clock.py) held still, so a test does not straddle a
    minute; `clock.now += 60` moves it on (as seconds since 1970)."""

    def __init__(self, app, start=1_800_000_000.0):
        self.app = app
        self.now = start

    @property
    def now(self):
        return self._now

    @now.setter
    def now(self, seconds):
        self._now = seconds
        self.app.config["PRETEND_NOW"] = datetime.fromtimestamp(seconds, timezone.utc).isoformat()


@pytest.fixture
def cached(app, redis_url):
    """The app as in production: with Redis, so with the page cache. One clock for the
    cache and the login sessions (a kept page is not served after its session ends)."""
    app.config["REDIS_URL"] = redis_url
    app.extensions["pretend_clock"] = Clock(app)
    return app


@pytest.fixture
def school(cached):
    return make_school()


def from_cache(response):
    return response.headers.get("X-Page-Cache") == "hit"


def visit_until_cached(client, path, **kwargs):
    """Visit until the page comes from the cache (the first visit after logging in adds the
    session's CSRF secret, so it is not kept)."""
    for _ in range(3):
        response = client.get(path, **kwargs)
        assert response.status_code == 200, path
        if from_cache(response):
            return response
    raise AssertionError(f"{path} never came from the cache")


def test_a_repeat_visit_is_answered_without_the_database(school, login_as):
    client = login_as(school["people"]["parent_in"])
    for path in ["/", "/nieuws/", "/agenda/", "/documenten/", "/groepen/", "/berichten", "/fotoalbums",
                 "/oudergesprekken/", "/kinderen/"]:
        first = client.get(path)
        cached_page = visit_until_cached(client, path)
        assert main_of(cached_page) == main_of(first)
        assert count_queries(client, path) == 0, path


def test_a_page_is_never_more_than_a_minute_old(school, login_as, cached):
    """What depends on the clock (upcoming agenda, a booking deadline) changes without a write."""
    client = login_as(school["people"]["parent_in"])
    visit_until_cached(client, "/agenda/")
    cached.extensions["pretend_clock"].now += 60
    assert not from_cache(client.get("/agenda/"))


def test_news_a_teacher_publishes_shows_at_once(school, login_as):
    parent = login_as(school["people"]["parent_in"])
    visit_until_cached(parent, "/nieuws/")
    visit_until_cached(parent, "/")
    teacher = login_as(school["people"]["teacher_own"])
    response = post_form(teacher, "/beheer/nieuws/nieuw", {
        "title": "Gym op dinsdag", "body": "Denk aan gymschoenen.", "published_at": "2026-02-02T08:00",
        "groups": str(school["own"].id)})
    assert response.status_code == 302
    news = parent.get("/nieuws/")
    assert not from_cache(news) and "Gym op dinsdag" in main_of(news)
    assert "Gym op dinsdag" in main_of(parent.get("/"))


def test_a_change_made_outside_a_request_shows_too(school, login_as):
    """An import on the command line or a job in the worker writes without a web request."""
    parent = login_as(school["people"]["parent_in"])
    visit_until_cached(parent, "/agenda/")
    db.session.add(AgendaItem(title="Luizencontrole", date=utcnow().date(), school_wide=True))
    db.session.commit()
    assert "Luizencontrole" in main_of(parent.get("/agenda/"))


def test_reading_a_message_clears_its_unread_mark_on_home(school, login_as):
    message = MessageFactory(title="Schoolreis", groups=[school["own"]])
    parent = login_as(school["people"]["parent_in"])
    assert "1 ongelezen" in main_of(visit_until_cached(parent, "/"))
    assert parent.get(f"/berichten/{message.id}").status_code == 200  # opening it marks it read
    home = parent.get("/")
    assert not from_cache(home) and "ongelezen" not in main_of(home)


def test_a_deactivated_parent_gets_no_page_from_the_cache(school, login_as):
    parent = school["people"]["parent_in"]
    client = login_as(parent)
    visit_until_cached(client, "/")
    office = login_as(AdminFactory())
    assert post_form(office, f"/beheer/school/personen/{parent.id}/deactiveren", {},
                     form_page=f"/beheer/school/personen/{parent.id}").status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.location


def test_after_logging_out_the_cached_page_is_gone(school, login_as):
    client = login_as(school["people"]["parent_in"])
    visit_until_cached(client, "/")
    assert Auth(client).logout().status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.location


def test_each_session_gets_its_own_page_and_form_token(school, login_as):
    parent = school["people"]["parent_in"]
    phone, laptop = login_as(parent), login_as(parent)
    phone_token = csrf_from(text_of(visit_until_cached(phone, "/")))
    laptop_token = csrf_from(text_of(visit_until_cached(laptop, "/")))
    assert phone_token != laptop_token
    # The laptop's own (cached) page carries a token the server accepts for the laptop.
    assert laptop.post("/uitloggen", data={"csrf_token": laptop_token}).status_code == 302
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 200  # the phone stays logged in


def test_another_family_never_gets_this_familys_page(school, login_as):
    inside, outside = school["people"]["parent_in"], school["people"]["parent_out"]
    inside.guardianships[0].child.first_name = "Quirijn"  # names no generated person has
    outside.guardianships[0].child.first_name = "Zoë-Lynn"
    db.session.commit()
    first, second = login_as(inside), login_as(outside)
    assert "Quirijn" in main_of(visit_until_cached(first, "/"))
    home = main_of(visit_until_cached(second, "/"))
    assert "Zoë-Lynn" in home and "Quirijn" not in home


@pytest.fixture
def sam(cached):
    """Sam in groep 3, invited to a round of parent-teacher meetings; one parent."""
    pretend(cached)  # the round (March 2026) lies ahead
    group = GroupFactory(name="3")
    child, (parent,) = family(group, first_name="Sam")
    return {"child": child, "parent": parent, "round": make_round(group, invite=[child])}


def test_a_fragment_and_the_whole_page_are_kept_apart(sam, login_as):
    client = login_as(sam["parent"])
    url = page_url(sam["round"], sam["child"])
    whole = text_of(visit_until_cached(client, url))
    fragment = text_of(visit_until_cached(client, url, headers={"HX-Request": "true"}))
    assert "<html" in whole and 'class="slot-planning"' in whole
    assert "<html" not in fragment and 'class="slot-planning"' in fragment
    assert "<html" in text_of(client.get(url))


def test_a_booking_shows_its_confirmation_and_the_booked_slot(sam, login_as):
    round_, child = sam["round"], sam["child"]
    client = login_as(sam["parent"])
    visit_until_cached(client, page_url(round_, child))
    response = book(client, round_, child, "10:30")
    assert response.status_code == 303
    page = text_of(client.get(response.location))
    flash = "Gereserveerd voor Sam: dinsdag 10 maart 2026, 10:30–10:40."
    assert flash in page  # the flash message is not lost to the cache
    assert slot_texts(page)["10:30–10:40"] == "Gereserveerd – Annuleren"
    again = text_of(client.get(page_url(round_, child)))
    assert flash not in again  # shown once, as before
    assert slot_texts(again)["10:30–10:40"] == "Gereserveerd – Annuleren"


def test_pages_are_still_served_when_redis_is_down(school, login_as, app):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    app.extensions["page_cache"]._redis = None
    client = login_as(school["people"]["parent_in"])
    for _ in range(2):
        response = client.get("/")
        assert response.status_code == 200 and not from_cache(response)
        assert re.search(r"<h1[^>]*>", text_of(response))

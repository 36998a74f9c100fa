"""Login sessions (app/auth/sessions.py): a server-side record per login, so logging out,
ending a session from Mijn account › Apparaten, a password change, a reset and a
deactivation really end the sessions they should — also for a copy of the cookie — and
sessions end by themselves when idle or too old. From the outside: the HTTP test client,
the database's timestamps (no sleeping), and with Redis for the page cache."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from app.auth import services as auth_services
from app.auth.sessions import device_label
from app.extensions import db
from app.models import LoginSession, User, utcnow
from app.passwords import check_password
from tests.fixtures.users import Auth, csrf_from, login_client
from tests.content_helpers import main_of, make_school, post_form, text_of
from tests.factories import PASSWORD, AdminFactory, ParentFactory
from tests.fixtures.queries import recorded_statements

NEW_PASSWORD = "Nieuw!Wachtw00rd"
CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/131.0.0.0 Safari/537.36")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"


def reload(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def records(user=None):
    db.session.expire_all()
    query = select(LoginSession).order_by(LoginSession.id)
    if user is not None:
        query = query.where(LoginSession.user_id == user.id)
    return db.session.scalars(query).all()


def device(app, user, user_agent):
    """A logged-in client on a device with this browser."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    assert Auth(client).login(user).status_code == 302
    return client


def copy_cookie(app, client):
    """A second client holding a copy of `client`'s session cookie (as an attacker would)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def logged_out(client, path="/"):
    response = client.get(path)
    return response.status_code == 302 and response.location.startswith("/login")


def set_times(record_id, **values):
    """Move a session's timestamps, as if time had passed (outside the ORM session: like the
    passing of time, this raises no page-cache generation)."""
    with db.engine.begin() as connection:
        connection.execute(update(LoginSession).where(LoginSession.id == record_id).values(**values))


def flashes(client):
    return text_of(client.get("/login"))


# --- logging out ---------------------------------------------------------------------------

def test_a_cookie_copied_before_logging_out_no_longer_works(app, client, auth):
    parent = ParentFactory(email="marloes@example.nl")
    auth.login(parent)
    token = csrf_from(text_of(client.get("/account/bereikbaarheid")))
    thief = copy_cookie(app, client)
    assert thief.get("/").status_code == 200  # the copy works while the session lives

    assert auth.logout().status_code == 302

    assert logged_out(thief, "/") and logged_out(thief, "/account/")
    # A form post with the copied cookie and its (valid) CSRF token changes nothing.
    posted = thief.post("/account/bereikbaarheid", data={
        "csrf_token": token, "email": "dief@example.com", "phone_mobile": "", "phone_home": ""})
    assert posted.status_code == 302 and posted.location.startswith("/login")
    assert reload(parent).email == "marloes@example.nl"
    assert records(parent) == []


def test_logging_out_on_one_device_leaves_the_others(app):
    parent = ParentFactory()
    phone, laptop = device(app, parent, SAFARI_IPHONE), device(app, parent, CHROME_WINDOWS)
    assert Auth(phone).logout().status_code == 302
    assert logged_out(phone)
    assert laptop.get("/").status_code == 200
    assert [r.device for r in records(parent)] == ["Chrome op Windows"]


def test_the_session_record_holds_only_a_hash_a_label_two_times_and_kept(app):
    parent = ParentFactory()
    client = device(app, parent, CHROME_WINDOWS)
    secret = client.get_cookie("session")  # signed, readable by its owner
    (record,) = records(parent)
    assert record.device == "Chrome op Windows"
    assert len(record.token_hash) == 64 and record.created_at == record.last_seen_at
    assert {c.name for c in LoginSession.__table__.columns} == {
        "id", "user_id", "token_hash", "device", "created_at", "last_seen_at", "kept"}
    assert record.kept is False  # "Ingelogd blijven" was not ticked (tests/test_sessions_kept.py)
    assert record.token_hash not in secret.value


# --- Mijn account › Apparaten ----------------------------------------------------------------

def test_the_list_shows_each_device_with_dutch_times_and_this_device(app):
    parent = ParentFactory()
    device(app, parent, SAFARI_IPHONE)
    laptop = device(app, parent, CHROME_WINDOWS)
    phone_record = next(r for r in records(parent) if r.device == "Safari op iPhone")
    set_times(phone_record.id, created_at=utcnow() - timedelta(hours=1), last_seen_at=utcnow() - timedelta(minutes=30))
    page = main_of(laptop.get("/account/apparaten"))
    assert "Ingelogde apparaten" in page
    assert page.count(">dit apparaat<") == 1
    assert page.index("Chrome op Windows") < page.index(">dit apparaat<") < page.index("Safari op iPhone")
    months = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    assert len(re.findall(rf"Ingelogd: \w+dag \d+ ({months}) \d{{4}} \d\d:\d\d", page)) == 2
    assert "Laatst actief: nu" in page
    assert "na 2 uur zonder activiteit" in page and "uiterlijk 12 uur na het inloggen" in page
    # Only the other device has an "Uitloggen" button; every page has "Uitloggen op alle apparaten".
    assert page.count(">Uitloggen<") == 1 and "Uitloggen op alle apparaten" in page


def test_ending_one_session_from_the_list_leaves_the_others(app):
    parent = ParentFactory()
    phone = device(app, parent, SAFARI_IPHONE)
    laptop = device(app, parent, CHROME_WINDOWS)
    tablet = device(app, parent, FIREFOX_ANDROID)
    phone_record = next(r for r in records(parent) if r.device == "Safari op iPhone")

    response = post_form(tablet, f"/account/apparaten/{phone_record.id}/uitloggen", {}, form_page="/account/apparaten")
    assert response.status_code == 302 and response.location.endswith("/account/apparaten")
    assert "Dat apparaat is uitgelogd." in text_of(tablet.get("/account/apparaten"))
    assert logged_out(phone)
    assert laptop.get("/").status_code == 200 and tablet.get("/").status_code == 200
    assert sorted(r.device for r in records(parent)) == ["Chrome op Windows", "Firefox op Android"]


def test_another_accounts_session_cannot_be_ended(app):
    parent, other = ParentFactory(), ParentFactory()
    client = login_client(app, parent)
    victim = login_client(app, other)
    (theirs,) = records(other)
    response = post_form(client, f"/account/apparaten/{theirs.id}/uitloggen", {}, form_page="/account/apparaten")
    assert response.status_code == 404
    assert victim.get("/").status_code == 200
    assert client.get("/").status_code == 200


def test_ending_needs_a_post_with_csrf(app):
    parent = ParentFactory()
    client, other = login_client(app, parent), login_client(app, parent)
    other_id = records(parent)[1].id
    assert client.get(f"/account/apparaten/{other_id}/uitloggen").status_code == 405
    assert client.post(f"/account/apparaten/{other_id}/uitloggen").status_code == 400
    assert client.post("/account/apparaten/alle-uitloggen").status_code == 400
    assert other.get("/").status_code == 200 and len(records(parent)) == 2


def test_logging_out_everywhere_ends_every_session_this_one_too(app):
    parent, neighbour = ParentFactory(), ParentFactory()
    phone, laptop = login_client(app, parent), login_client(app, parent)
    thief = copy_cookie(app, laptop)
    unrelated = login_client(app, neighbour)
    response = post_form(laptop, "/account/apparaten/alle-uitloggen", {}, form_page="/account/apparaten")
    assert response.status_code == 302 and response.location.endswith("/login")
    assert "U bent op alle apparaten uitgelogd." in flashes(laptop)
    assert logged_out(laptop) and logged_out(phone) and logged_out(thief)
    assert records(parent) == []
    assert unrelated.get("/").status_code == 200
    assert Auth(app.test_client()).login(parent).status_code == 302  # and logging in again works


# --- deactivation, password change, reset ------------------------------------------------------

def test_deactivation_ends_every_session_and_reactivation_revives_none(app):
    parent = ParentFactory()
    phone, laptop = login_client(app, parent), login_client(app, parent)
    office = login_client(app, AdminFactory())
    path = f"/beheer/school/personen/{parent.id}"
    assert post_form(office, f"{path}/deactiveren", {}, form_page=path).status_code == 302
    assert logged_out(phone) and logged_out(laptop)
    assert records(parent) == []
    assert office.get("/").status_code == 200
    assert post_form(office, f"{path}/heractiveren", {}, form_page=path).status_code == 302
    assert reload(parent).deactivated_at is None
    assert logged_out(phone)  # the old cookie stays dead; the parent logs in anew
    assert Auth(app.test_client()).login(parent).status_code == 302


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app):
    parent = ParentFactory()
    here, other = login_client(app, parent), login_client(app, parent)
    thief = copy_cookie(app, other)
    here_record = records(parent)[0]
    response = post_form(here, "/account/wachtwoord",
                         {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert "Uw wachtwoord is gewijzigd." in text_of(here.get("/account/wachtwoord"))
    assert here.get("/").status_code == 200
    assert logged_out(other) and logged_out(thief)
    assert [r.id for r in records(parent)] == [here_record.id]


def test_a_refused_password_change_ends_nothing(app):
    parent = ParentFactory()
    here, other = login_client(app, parent), login_client(app, parent)
    response = post_form(here, "/account/wachtwoord",
                         {"current": "Fout!Wachtw00rd", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 422
    assert other.get("/").status_code == 200 and len(records(parent)) == 2


def test_a_reset_ends_every_session(app):
    parent = ParentFactory()
    phone, laptop = login_client(app, parent), login_client(app, parent)
    raw = auth_services.issue_token(parent, "reset", 1)
    db.session.commit()
    path = f"/wachtwoord-herstellen/{raw}"
    response = post_form(laptop, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert logged_out(phone) and logged_out(laptop)
    assert records(parent) == []
    assert check_password(NEW_PASSWORD, reload(parent).password_hash)


# --- ending by themselves ---------------------------------------------------------------------

def test_an_idle_session_ends_after_two_hours_without_a_request(app):
    parent = ParentFactory(email="marloes@example.nl")
    client = login_client(app, parent)
    token = csrf_from(text_of(client.get("/account/bereikbaarheid")))
    (record,) = records(parent)

    set_times(record.id, last_seen_at=utcnow() - timedelta(minutes=119))
    assert client.get("/").status_code == 200  # not yet: and the request counts as activity
    assert utcnow() - records(parent)[0].last_seen_at < timedelta(minutes=1)

    set_times(record.id, last_seen_at=utcnow() - timedelta(minutes=121))
    posted = client.post("/account/bereikbaarheid", data={
        "csrf_token": token, "email": "ander@example.com", "phone_mobile": "", "phone_home": ""})
    assert posted.status_code == 302 and posted.location.startswith("/login")
    assert reload(parent).email == "marloes@example.nl"
    assert "automatisch uitgelogd omdat u een tijd niets in het portaal heeft gedaan" in flashes(client)
    assert logged_out(client)
    assert records(parent) == []  # the ended record is cleared away


def test_the_idle_limit_is_a_setting(app):
    app.config["SESSION_IDLE_MINUTES"] = 30
    parent = ParentFactory()
    client = login_client(app, parent)
    set_times(records(parent)[0].id, last_seen_at=utcnow() - timedelta(minutes=31))
    assert logged_out(client)


def test_activity_does_not_extend_the_absolute_lifetime(app):
    parent = ParentFactory(phone_mobile="")
    client = login_client(app, parent)
    (record,) = records(parent)
    started = utcnow() - timedelta(hours=12) + timedelta(minutes=2)
    set_times(record.id, created_at=started, last_seen_at=utcnow() - timedelta(minutes=10))

    # Busy until the very end: pages and a form post work, and the start does not move.
    response = post_form(client, "/account/bereikbaarheid",
                         {"email": parent.email, "phone_mobile": "06-12345678", "phone_home": ""})
    assert response.status_code == 302 and response.location.endswith("/account/bereikbaarheid")
    assert reload(parent).phone_mobile == "06-12345678"
    assert records(parent)[0].created_at == started
    assert utcnow() - records(parent)[0].last_seen_at < timedelta(minutes=1)  # seen: yes

    token = csrf_from(text_of(client.get("/account/bereikbaarheid")))
    set_times(record.id, created_at=utcnow() - timedelta(hours=12, seconds=1))
    posted = client.post("/account/bereikbaarheid", data={
        "csrf_token": token, "email": parent.email, "phone_mobile": "06-99999999", "phone_home": ""})
    assert posted.status_code == 302 and posted.location.startswith("/login")
    assert reload(parent).phone_mobile == "06-12345678"
    assert "voor uw veiligheid automatisch uitgelogd" in flashes(client)
    assert logged_out(client)


def test_htmx_requests_of_an_ended_session_get_401_with_why_and_a_login_link(app):
    parent = ParentFactory()
    client = login_client(app, parent)
    set_times(records(parent)[0].id, last_seen_at=utcnow() - timedelta(hours=3))
    response = client.get("/", headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/berichten"})
    assert response.status_code == 401 and response.headers["X-Portal-Problem"] == "session"
    assert "automatisch uitgelogd omdat u een tijd niets in het portaal heeft gedaan" in text_of(response)
    assert 'href="/login?next=/berichten"' in text_of(response)


def test_last_seen_is_written_at_most_every_few_minutes(app):
    parent = ParentFactory()
    client = login_client(app, parent)
    (record,) = records(parent)

    def writes(statements):
        return [s for s in statements if s.lstrip().upper().startswith("UPDATE LOGIN_SESSIONS")]

    with recorded_statements() as statements:
        for _ in range(3):
            assert client.get("/").status_code == 200
        assert writes(statements) == []  # just logged in: nothing to record
        set_times(record.id, last_seen_at=utcnow() - timedelta(minutes=6))
        statements.clear()  # (that was the test's own)
        for _ in range(3):
            assert client.get("/").status_code == 200
        assert len(writes(statements)) == 1


# --- clearing away, erasure ------------------------------------------------------------------

def test_sessions_clean_removes_only_ended_records(app):
    parent, other = ParentFactory(), ParentFactory()
    living = login_client(app, parent)
    login_client(app, other)
    login_client(app, other)
    idle, old = records(other)
    set_times(idle.id, last_seen_at=utcnow() - timedelta(hours=3))
    set_times(old.id, created_at=utcnow() - timedelta(hours=13))
    result = app.test_cli_runner().invoke(args=["sessions", "clean"])
    assert result.exit_code == 0 and "2 verlopen sessie(s) verwijderd" in result.output
    assert [r.user_id for r in records()] == [parent.id]
    assert living.get("/").status_code == 200


def test_logging_in_clears_away_the_users_own_ended_records(app):
    parent = ParentFactory()
    login_client(app, parent)
    set_times(records(parent)[0].id, last_seen_at=utcnow() - timedelta(hours=3))
    login_client(app, parent)
    assert len(records(parent)) == 1


def test_erasure_takes_the_sessions_with_it(app):
    from app.admin.erasure import erase_account

    parent = ParentFactory()
    client = login_client(app, parent)
    erase_account(parent, AdminFactory())
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0
    assert logged_out(client)


# --- the device label -------------------------------------------------------------------------

@pytest.mark.parametrize("user_agent, label", [
    (CHROME_WINDOWS, "Chrome op Windows"),
    (SAFARI_IPHONE, "Safari op iPhone"),
    (FIREFOX_ANDROID, "Firefox op Android"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36 Edg/131.0.2903.86", "Edge op Windows"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
     "Safari/605.1.15", "Safari op Mac"),
    ("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 "
     "Mobile/15E148 Safari/604.1", "Chrome op iPad"),
    ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", "Samsung Internet op Android"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0 "
     "Safari/537.36", "Chrome op Linux"),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 "
     "Safari/537.36", "Chrome op ChromeOS"),
    ("Werkzeug/3.1", "Onbekende browser"),
    ("", "Onbekende browser"),
    ("x" * 5000, "Onbekende browser"),
])
def test_device_labels(user_agent, label):
    assert device_label(user_agent) == label
    assert len(label) <= 60


# --- as in production (Redis), with a pretend clock ------------------------------------------

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
    """As in production: Redis; one pretend clock for the sessions, held still at the start
    of a minute."""
    app.config["REDIS_URL"] = redis_url
    clock = app.extensions["pretend_clock"] = Clock(app)
    assert clock.now % 60 == 0
    return app


def test_a_session_ends_at_its_absolute_end_to_the_second(cached, login_as):
    """The absolute end falls inside a minute: a request 10 s after it is logged out."""
    school = make_school()
    parent = school["people"]["parent_in"]
    clock = cached.extensions["pretend_clock"]
    client = login_as(parent)
    (record,) = records(parent)
    from app.auth.sessions import now

    with cached.test_request_context():
        ends = now() + timedelta(seconds=30)
    set_times(record.id, created_at=ends - timedelta(hours=12))
    assert client.get("/").status_code == 200
    clock.now += 20
    assert client.get("/").status_code == 200  # still living
    clock.now += 20  # 10 s after the session's end
    response = client.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_an_idle_session_gets_the_login_page(cached, login_as):
    school = make_school()
    client = login_as(school["people"]["parent_in"])
    assert client.get("/").status_code == 200
    cached.extensions["pretend_clock"].now += 121 * 60
    assert logged_out(client)


def test_a_copied_cookie_is_logged_out_with_its_session(cached, login_as, app):
    school = make_school()
    client = login_as(school["people"]["parent_in"])
    assert client.get("/").status_code == 200
    thief = copy_cookie(app, client)
    assert thief.get("/").status_code == 200  # the same session
    assert Auth(client).logout().status_code == 302
    assert logged_out(thief)


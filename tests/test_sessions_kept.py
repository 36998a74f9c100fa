""""Ingelogd blijven" (app/auth/sessions.py, a flag on the login session's record): a parent's
kept session lives SESSION_KEEP_DAYS (30) from the login without an idle limit, in a cookie
that outlives the browser; it ends like any other when the password changes elsewhere, on
"Uitloggen op alle apparaten", a reset or logging out. Staff are never kept. Time passes on
the portal's pretend clock (PRETEND_NOW), in January (no daylight saving change)."""
from datetime import datetime, timedelta, timezone

import pytest

from app.auth import services as auth_services
from app.extensions import db
from tests.content_helpers import main_of, post_form, text_of
from tests.factories import PASSWORD, AdminFactory, ParentFactory, TeacherFactory
from tests.fixtures.users import Auth, csrf_from, login_client
from tests.test_sessions import NEW_PASSWORD, copy_cookie, flashes, logged_out, records

LOGIN = "2026-01-05 09:00"  # a Monday
DAY_29 = "2026-02-03 09:00"
LAST_MINUTE = "2026-02-04 08:59"
DAY_30 = "2026-02-04 09:00"  # 30 days after the login


@pytest.fixture
def clock(app):
    app.config["PRETEND_NOW"] = LOGIN

    def set_to(moment):
        app.config["PRETEND_NOW"] = moment
    return set_to


def kept_client(app, user, keep=True):
    client = app.test_client()
    response = Auth(client).login(user, keep=keep)
    assert response.status_code == 302, text_of(response)[:300]
    return client, response


def test_the_login_form_offers_it_with_what_it_means(client):
    page = main_of(client.get("/login"))
    assert '<input aria-describedby="keep-hint" id="keep" name="keep" type="checkbox" value="y">' in page
    assert '<label for="keep">Ingelogd blijven</label>' in page
    assert ("Alleen op uw eigen telefoon, tablet of computer: u blijft dan 30 dagen ingelogd, ook als u de "
            "browser sluit. Voor ouders; medewerkers van de school blijven niet ingelogd.") in page


def test_a_kept_session_has_a_cookie_that_outlives_the_browser(app, clock):
    parent = ParentFactory()
    client, response = kept_client(app, parent)
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The browser's clock is real: the cookie lasts the 30 days (and an hour) from now.
    lasts = client.get_cookie("session").expires - datetime.now(timezone.utc)
    assert timedelta(days=30) < lasts <= timedelta(days=30, hours=1)
    assert [r.kept for r in records(parent)] == [True]
    # Without the tick: a cookie that ends with the browser, a record that is not kept.
    other = ParentFactory()
    _, response = kept_client(app, other, keep=False)
    assert "Expires=" not in response.headers["Set-Cookie"]
    assert [r.kept for r in records(other)] == [False]


def test_a_kept_session_has_no_idle_limit_and_ends_after_thirty_days(app, clock):
    parent = ParentFactory()
    client, _ = kept_client(app, parent)
    clock(DAY_29)  # 29 days without a single request
    assert client.get("/").status_code == 200
    clock(LAST_MINUTE)
    assert client.get("/").status_code == 200  # activity does not extend it ...
    clock(DAY_30)
    assert logged_out(client)  # ... it ends 30 days after the login
    assert "U bent automatisch uitgelogd: de tijd dat u ingelogd bleef, is voorbij. Log opnieuw in." in flashes(client)
    assert records(parent) == []


def test_an_htmx_action_after_the_thirty_days_says_why(app, clock):
    parent = ParentFactory()
    client, _ = kept_client(app, parent)
    token = csrf_from(text_of(client.get("/account/privacy")))
    clock(DAY_30)
    response = client.post("/account/privacy", data={"phone_mobile": "group"}, headers={
        "HX-Request": "true", "HX-Current-URL": "http://localhost/account/privacy", "X-CSRFToken": token})
    assert response.status_code == 401
    assert "de tijd dat u ingelogd bleef, is voorbij" in text_of(response)


def test_the_number_of_days_is_a_setting(app, clock):
    app.config["SESSION_KEEP_DAYS"] = 7
    assert "u blijft dan 7 dagen ingelogd" in text_of(app.test_client().get("/login"))
    parent = ParentFactory()
    client, _ = kept_client(app, parent)
    clock("2026-01-12 08:59")
    assert client.get("/").status_code == 200
    clock("2026-01-12 09:00")
    assert logged_out(client)


def test_without_the_tick_the_idle_limit_still_holds(app, clock):
    client, _ = kept_client(app, ParentFactory(), keep=False)
    clock("2026-01-05 11:01")
    assert logged_out(client)


@pytest.mark.parametrize("factory", [TeacherFactory, AdminFactory])
def test_staff_are_never_kept_and_are_told_so(app, clock, factory):
    member = factory()
    client, response = kept_client(app, member)
    assert "Expires=" not in response.headers["Set-Cookie"]
    assert [r.kept for r in records(member)] == [False]
    assert ("U bent ingelogd. Ingelogd blijven kan alleen voor ouders: medewerkers van de school worden "
            "uiterlijk 12 uur na het inloggen automatisch uitgelogd.") in text_of(client.get("/"))
    clock("2026-01-05 11:01")  # the ordinary idle limit
    assert logged_out(client)


# --- revoked like any other session ----------------------------------------------------------

def test_a_password_change_elsewhere_ends_the_kept_session(app, clock):
    parent = ParentFactory()
    phone, _ = kept_client(app, parent)
    thief = copy_cookie(app, phone)
    laptop = login_client(app, parent)
    response = post_form(laptop, "/account/wachtwoord",
                         {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert logged_out(phone) and logged_out(thief)
    assert laptop.get("/").status_code == 200
    assert [r.kept for r in records(parent)] == [False]  # the laptop's


def test_a_password_change_on_the_kept_device_keeps_it(app, clock):
    parent = ParentFactory()
    phone, _ = kept_client(app, parent)
    other = login_client(app, parent)
    response = post_form(phone, "/account/wachtwoord",
                         {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert logged_out(other)
    clock(DAY_29)
    assert phone.get("/").status_code == 200


def test_logging_out_on_all_devices_ends_the_kept_sessions(app, clock):
    parent = ParentFactory()
    phone, _ = kept_client(app, parent)
    tablet, _ = kept_client(app, parent)
    laptop = login_client(app, parent)
    response = post_form(laptop, "/account/apparaten/alle-uitloggen", {}, form_page="/account/apparaten")
    assert response.status_code == 302 and response.location.endswith("/login")
    assert logged_out(phone) and logged_out(tablet) and logged_out(laptop)
    assert records(parent) == []


def test_a_reset_ends_the_kept_session(app, clock):
    parent = ParentFactory()
    phone, _ = kept_client(app, parent)
    raw = auth_services.issue_token(parent, "reset", 1)
    db.session.commit()
    response = post_form(app.test_client(), f"/wachtwoord-herstellen/{raw}",
                         {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert logged_out(phone) and records(parent) == []


def test_logging_out_kills_a_copy_of_the_kept_cookie(app, clock):
    parent = ParentFactory()
    phone, _ = kept_client(app, parent)
    thief = copy_cookie(app, phone)
    assert Auth(phone).logout().status_code == 302
    assert logged_out(thief)


# --- the list of devices, and clearing away --------------------------------------------------

def test_the_list_says_until_when_a_device_stays_logged_in(app, clock):
    parent = ParentFactory()
    kept_client(app, parent)
    laptop = login_client(app, parent)
    page = " ".join(main_of(laptop.get("/account/apparaten")).split())
    assert page.count("Blijft ingelogd tot") == 1
    assert "Blijft ingelogd tot woensdag 4 februari 2026 09:00" in page
    assert 'Heeft u bij het inloggen "Ingelogd blijven" gekozen, dan blijft u 30 dagen ingelogd' in page
    staff_page = main_of(login_client(app, TeacherFactory()).get("/account/apparaten"))
    assert "Ingelogd blijven" not in staff_page


def test_sessions_clean_keeps_a_living_kept_session(app, clock):
    parent, other = ParentFactory(), ParentFactory()
    living, _ = kept_client(app, parent)
    kept_client(app, other, keep=False)
    clock(DAY_29)
    result = app.test_cli_runner().invoke(args=["sessions", "clean"])
    assert result.exit_code == 0 and "1 verlopen sessie(s) verwijderd" in result.output
    assert [r.user_id for r in records()] == [parent.id]
    assert living.get("/").status_code == 200
    clock(DAY_30)
    result = app.test_cli_runner().invoke(args=["sessions", "clean"])
    assert "1 verlopen sessie(s) verwijderd" in result.output and records() == []

"""Accounts: login, logout, activation, forgotten password, password change, rate limits."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth import services
from app.extensions import db
from app.models import AccountToken, Role, User, utcnow
from app.passwords import check_password
from tests.fixtures.mail import first_link, mail_text, strict_subject
from tests.fixtures.users import Auth, login_client
from tests.factories import PASSWORD, AdminFactory, ParentFactory, UserFactory
from tests.fixtures.users import create_account

NEW_PASSWORD = "Nieuw!Wachtw00rd"


def form_post(client, path, data):
    """POST through the page's own form, CSRF token included."""
    auth = Auth(client)
    data = dict(data)
    data["csrf_token"] = auth.csrf(path)
    return client.post(path, data=data)


def reload(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


# --- login and logout -------------------------------------------------------------------

def test_mijnschool_leads_to_login_then_home(client, auth):
    assert client.get("/mijnschool").location.endswith("/login")
    user = ParentFactory()
    auth.login(user)
    assert client.get("/mijnschool").location.endswith("/")


def test_login_and_logout(client, auth):
    user = ParentFactory(first_name="Marloes")
    response = auth.login(user.login_name.upper())  # login name is case-insensitive
    assert response.status_code == 302
    assert "Welkom, Marloes" in client.get("/").get_data(as_text=True)
    assert reload(user).last_login_at is not None
    response = auth.logout()
    assert response.location.endswith("/login")
    assert client.get("/").location.startswith("/login")


def test_logout_needs_post_with_csrf(client, auth):
    auth.login(ParentFactory())
    assert client.get("/uitloggen").status_code == 405
    assert client.post("/uitloggen").status_code == 400  # no CSRF token
    assert client.get("/").status_code == 200  # still logged in


@pytest.mark.parametrize("case", ["wrong-password", "unknown-user", "not-activated", "deactivated"])
def test_login_failure_is_generic(client, auth, case):
    user = ParentFactory()
    name = user.login_name
    if case == "unknown-user":
        name = "niemand@example.com"
    if case == "not-activated":
        user.activated_at = None
    if case == "deactivated":
        user.deactivated_at = utcnow()
    db.session.commit()
    response = auth.login(name, "Fout!Wachtw00rd" if case == "wrong-password" else PASSWORD)
    assert response.status_code == 422
    assert "Gebruikersnaam of wachtwoord onjuist." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_starts_a_new_session(client, auth):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by-an-attacker"
    auth.login(ParentFactory())
    with client.session_transaction() as session:
        assert "planted" not in session


@pytest.mark.parametrize("target, expected", [
    ("/account/wachtwoord", "/account/wachtwoord"),
    ("https://evil.example/", "/"),
    ("//evil.example/pad", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_only_to_our_own_site(client, target, expected):
    user = ParentFactory()
    token = Auth(client).csrf("/login")
    response = client.post("/login", data={
        "username": user.login_name, "password": PASSWORD, "next": target, "csrf_token": token})
    assert response.status_code == 302
    assert response.location == expected


def test_deactivated_user_loses_session(client, auth):
    user = ParentFactory()
    auth.login(user)
    user.deactivated_at = utcnow()
    db.session.commit()
    assert client.get("/").status_code == 302


# --- activation -------------------------------------------------------------------------

def test_activation_mail_travels_through_redis_worker_and_smtp(app, client, pipeline):
    user = create_account("Nieuwe.Ouder@Example.com", "Nieuwe", "Ouder")
    assert user.login_name == "nieuwe.ouder@example.com"
    assert pipeline.smtp.messages == []  # nothing sent from the web request
    pipeline.drain()
    (received,) = pipeline.smtp.wait_for(1)
    message = received["message"]
    assert received["to"] == ["Nieuwe.Ouder@Example.com"]
    assert "Activeer uw account" in message["Subject"]
    assert "nieuwe.ouder@example.com" in mail_text(message)
    assert message.get_body(preferencelist=("html",)) is not None
    link = first_link(message, "/activeren/")
    path = link.split("localhost", 1)[1]

    page = client.get(path)
    assert page.status_code == 200 and "Account activeren" in page.get_data(as_text=True)
    response = form_post(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert reload(user).activated_at is not None
    assert check_password(NEW_PASSWORD, reload(user).password_hash)

    # The same link a second time: the manual's message, and nothing changes.
    second = client.get(path)
    assert second.status_code == 410
    assert "Dit account is al geactiveerd. Log in met uw gebruikersnaam en wachtwoord." in second.get_data(as_text=True)
    fresh = app.test_client()
    assert Auth(fresh).login(user.login_name, NEW_PASSWORD).status_code == 302


def test_activation_link_expired_or_altered(client):
    user = UserFactory(activated_at=None, password=None)
    raw = services.issue_token(user, "activate", 7 * 24)
    db.session.commit()
    altered = client.get(f"/activeren/{raw[:-2]}xx")
    assert altered.status_code == 404
    assert "Deze link is ongeldig" in altered.get_data(as_text=True)

    token = db.session.scalar(select(AccountToken))
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expired = client.get(f"/activeren/{raw}")
    assert expired.status_code == 410
    assert "verlopen" in expired.get_data(as_text=True)
    response = form_post(client, f"/activeren/{raw}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 410
    assert reload(user).activated_at is None


def test_activation_link_lives_seven_days(app):
    user = UserFactory(activated_at=None, password=None)
    services.issue_token(user, "activate", app.config["ACTIVATION_TOKEN_HOURS"])
    db.session.commit()
    token = db.session.scalar(select(AccountToken))
    assert timedelta(days=6, hours=23) < token.expires_at - utcnow() <= timedelta(days=7)


def test_activation_with_bad_password_changes_nothing(client):
    user = UserFactory(activated_at=None, password=None)
    raw = services.issue_token(user, "activate", 7 * 24)
    db.session.commit()
    response = form_post(client, f"/activeren/{raw}", {"password": "kort", "confirm": "kort"})
    assert response.status_code == 422
    assert "minimaal 8 tekens" in response.get_data(as_text=True)
    assert reload(user).activated_at is None and reload(user).password_hash is None
    # The link still works after a refused attempt.
    assert client.get(f"/activeren/{raw}").status_code == 200


# --- forgotten password -------------------------------------------------------------------

def test_reset_page_answers_identically_and_sends_nothing_for_unknown(app, pipeline):
    user = ParentFactory()
    known = form_post(app.test_client(), "/wachtwoord-vergeten", {"username": user.login_name})
    unknown = form_post(app.test_client(), "/wachtwoord-vergeten", {"username": "onbekend@example.com"})
    assert known.status_code == unknown.status_code == 200

    def body(response):
        return response.get_data(as_text=True).split('<main', 1)[1].split('</main>', 1)[0]

    assert body(known) == body(unknown)
    assert "spam" in body(known)
    pipeline.drain()
    pipeline.smtp.wait_for(1)
    time_for_more = pipeline.smtp.messages
    assert len(time_for_more) == 1
    assert time_for_more[0]["to"] == [user.email]


def test_a_long_mail_subject_reads_right_in_a_strict_mail_client(app, pipeline):
    """A long school name makes the subject fold: no fold may fall inside a word or eat a space."""
    from app.settings import set_setting

    # Long enough to fold, with a non-ASCII character inside the last word ("8:30–16:30").
    name = "Kindcentrum CBS De Schutkampen, locatie Twello, telefonisch bereikbaar 8:30–16:30"
    set_setting("school.name", name)
    db.session.commit()
    user = ParentFactory()
    form_post(app.test_client(), "/wachtwoord-vergeten", {"username": user.login_name})
    pipeline.drain()
    (received,) = pipeline.smtp.wait_for(1)
    assert strict_subject(received["raw"]).endswith(f" – {name}")
    assert strict_subject(received["raw"]) == str(received["message"]["Subject"])


def test_reset_link_works_once_and_ends_other_sessions(app, client, pipeline):
    user = ParentFactory()
    other_device = login_client(app, user)
    form_post(client, "/wachtwoord-vergeten", {"username": user.login_name})
    pipeline.drain()
    (received,) = pipeline.smtp.wait_for(1)
    link = first_link(received["message"], "/wachtwoord-herstellen/")
    path = link.split("localhost", 1)[1]
    assert PASSWORD not in mail_text(received["message"])  # no password is ever mailed

    response = form_post(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert check_password(NEW_PASSWORD, reload(user).password_hash)
    assert other_device.get("/").status_code == 302  # the other session has ended

    again = client.get(path)
    assert again.status_code == 410
    assert "al gebruikt" in again.get_data(as_text=True)


def test_reset_link_expires_after_an_hour(client):
    user = ParentFactory()
    raw = services.issue_token(user, "reset", 1)
    db.session.commit()
    token = db.session.scalar(select(AccountToken))
    assert timedelta(minutes=59) < token.expires_at - utcnow() <= timedelta(hours=1)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = form_post(client, f"/wachtwoord-herstellen/{raw}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 410
    assert "verlopen" in response.get_data(as_text=True)
    assert check_password(PASSWORD, reload(user).password_hash)


def test_activation_token_cannot_reset_a_password(client):
    user = ParentFactory()
    raw = services.issue_token(user, "activate", 24)
    db.session.commit()
    assert client.get(f"/wachtwoord-herstellen/{raw}").status_code == 404


# --- password change and rules --------------------------------------------------------------

@pytest.mark.parametrize("password, message", [
    ("Kort!1a", "minimaal 8 tekens"),
    ("ALLEENHOOFD!1", "kleine letter"),
    ("alleenklein!1", "hoofdletter"),
    ("GeenCijfer!!", "cijfer"),
    ("GeenTeken123", "speciaal teken"),
    ("Zonnebloem7!", None),  # meets every rule: accepted
    ("x" * 129, "maximaal 128"),
    ("P@ssw0rd", "te algemeen"),  # meets the rule but is in the common list
    ("Welkom01!", "te algemeen"),  # a common word dressed up
    ("Password1!", "te algemeen"),
])
def test_password_rules(app, password, message):
    from app.passwords import password_problems

    problems = " ".join(password_problems(password))
    if message is None:
        assert problems == ""
    else:
        assert message in problems


def test_passphrase_of_fifteen_allowed_without_symbols():
    from app.passwords import password_problems

    assert password_problems("paard batterij nietje correct") == []
    assert "speciaal teken" in " ".join(password_problems("paardbatterij1A"[:14]))  # 14: the rule applies
    assert "te algemeen" in " ".join(password_problems("Iloveyou!1"))


def test_long_password_beyond_bcrypt_limit_counts_every_character(app):
    from app.passwords import hash_password

    base = "Lange-zin-" + "a" * 100
    stored = hash_password(base + "X")
    assert check_password(base + "X", stored)
    assert not check_password(base + "Y", stored)  # differs only after byte 72
    assert check_password("x" * 128, hash_password("x" * 128))


def test_change_password_ends_other_sessions(app, client, auth):
    user = ParentFactory()
    auth.login(user)
    other = login_client(app, user)
    response = form_post(client, "/account/wachtwoord",
                         {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session stays
    assert other.get("/").status_code == 302  # the other is logged out
    assert check_password(NEW_PASSWORD, reload(user).password_hash)


@pytest.mark.parametrize("data, message", [
    ({"current": "Fout!Wachtw00rd", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, "huidige wachtwoord is niet juist"),
    ({"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"}, "niet gelijk"),
    ({"current": PASSWORD, "password": "zwak", "confirm": "zwak"}, "minimaal 8 tekens"),
    ({"current": PASSWORD, "password": "Zonnebloem7!", "confirm": "Zonnebloem7!"}, None),
    ({"current": PASSWORD, "password": "", "confirm": ""}, "Kies een wachtwoord"),
])
def test_change_password_refusals_change_nothing(client, auth, data, message):
    user = ParentFactory()
    auth.login(user)
    response = form_post(client, "/account/wachtwoord", data)
    if message is None:  # accepted: a sanity check that the refusals are real
        assert response.status_code == 302
        return
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert check_password(PASSWORD, reload(user).password_hash)


def test_common_password_refused_on_change(client, auth):
    user = ParentFactory()
    auth.login(user)
    response = form_post(client, "/account/wachtwoord",
                         {"current": PASSWORD, "password": "P@ssw0rd", "confirm": "P@ssw0rd"})
    assert response.status_code == 422
    assert "te algemeen" in response.get_data(as_text=True)
    assert check_password(PASSWORD, reload(user).password_hash)


# --- rate limiting ------------------------------------------------------------------------

def test_login_rate_limit_per_address(app):
    user = ParentFactory()
    statuses = []
    for attempt in range(7):
        client = app.test_client()  # each attempt from a fresh session
        token = Auth(client).csrf("/login")
        statuses.append(client.post("/login", data={
            "username": user.login_name, "password": "Fout!Wachtw00rd", "csrf_token": token}).status_code)
    assert statuses[:5] == [422] * 5
    assert statuses[5] == 429
    client = app.test_client()
    token = Auth(client).csrf("/login")
    blocked = client.post("/login", data={"username": user.login_name, "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429
    assert "Te veel pogingen" in blocked.get_data(as_text=True)
    # Another address from the same IP is not blocked by this address's limit.
    other = ParentFactory()
    assert Auth(app.test_client()).login(other).status_code == 302


def test_login_rate_limit_per_ip(app):
    app.config["LOGIN_LIMIT_PER_IP"] = "8 per minute"
    statuses = []
    for attempt in range(10):
        client = app.test_client()
        token = Auth(client).csrf("/login")
        statuses.append(client.post("/login", data={
            "username": f"iemand{attempt}@example.com", "password": "x", "csrf_token": token}).status_code)
    assert 429 in statuses and statuses.index(429) == 8


def test_reset_is_rate_limited(app):
    statuses = []
    for attempt in range(7):
        statuses.append(form_post(app.test_client(), "/wachtwoord-vergeten",
                                  {"username": "iemand@example.com"}).status_code)
    assert statuses[-1] == 429


# --- roles ------------------------------------------------------------------------------

def test_beheer_is_for_staff_only(client, auth, login_as):
    parent = ParentFactory()
    assert login_as(parent).get("/beheer/").status_code == 403
    admin = AdminFactory()
    assert login_as(admin).get("/beheer/").status_code == 200
    assert client.get("/beheer/").status_code == 302  # anonymous: to the login page


def test_login_name_unique_without_regard_to_case(app):
    ParentFactory(login_name="dubbel@example.com")
    assert services.login_name_taken("DUBBEL@example.com")
    count = db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.PARENT))
    assert count == 1

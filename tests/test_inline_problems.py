"""An inline (htmx) action that comes too late is never silent (issue 17): an ended
session answers 401 with a short Dutch message and "Opnieuw inloggen" back to the page the
action was on, a stale CSRF token 400 with "Pagina opnieuw laden", an error page a message
too — each marked X-Portal-Problem for static/js/portal.js, and nothing is stored. Plain
form posts and boosted navigations keep their pages and redirects."""
import re
from html import unescape

import pytest

from app import create_app
from app.htmx import PROBLEM_HEADER
from config import TestConfig
from tests.content_helpers import text_of
from tests.fixtures.users import Auth, csrf_from, login_client
from tests.inline_actions import actions, expire, inline_school

ACTIONS = ["privacy", "notifications", "booking", "reply"]


@pytest.fixture
def school(app):
    return inline_school(app)


def htmx_headers(page, **extra):
    return {"HX-Request": "true", "HX-Current-URL": f"http://localhost{page}", **extra}


def send(client, action, token):
    """What htmx sends for the action: the form after the change, the CSRF header."""
    return client.post(action.path, data=action.data,
                       headers=htmx_headers(action.page, **{"X-CSRFToken": token}))


def login_link(response):
    found = re.search(r'<a href="([^"]+)">Opnieuw inloggen</a>', text_of(response))
    assert found, text_of(response)
    return unescape(found.group(1))


def words(response):
    return " ".join(re.sub(r"<[^>]+>", " ", text_of(response)).split())


# --- an ended session ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ACTIONS)
def test_an_action_after_the_session_ended_gets_a_message_and_stores_nothing(app, school, name):
    client = login_client(app, school["parent"])
    action = actions(school)[name]
    token = csrf_from(text_of(client.get(action.page)))
    expire(app)

    response = send(client, action, token)
    assert response.status_code == 401
    assert response.headers[PROBLEM_HEADER] == "session"
    assert "HX-Redirect" not in response.headers  # htmx would leave the page at once
    assert words(response) == (
        "Niet opgeslagen. U bent automatisch uitgelogd omdat u een tijd niets in het portaal heeft "
        "gedaan. Log opnieuw in; daarna komt u terug op deze pagina. Opnieuw inloggen")
    assert "<html" not in text_of(response)  # a fragment, not a page
    assert login_link(response) == f"/login?next={action.page}"
    assert action.stored() == action.unchanged


def test_the_login_link_returns_to_the_page_with_its_query(app, school):
    client = login_client(app, school["parent"])
    expire(app)
    response = client.get("/account/inzage", headers=htmx_headers("/berichten?pagina=2"))
    assert response.status_code == 401 and response.headers[PROBLEM_HEADER] == "session"
    # A refused poll or search is not "niet opgeslagen": nothing was being saved.
    assert "Niet opgeslagen" not in text_of(response)
    link = login_link(response)
    assert link == "/login?next=/berichten?pagina%3D2"
    assert 'name="next" type="hidden" value="/berichten?pagina=2"' in text_of(client.get(link))


@pytest.mark.parametrize("current, expected", [
    ("http://evil.example/account/privacy", "/account/privacy"),  # only the path is taken
    ("https://evil.example//evil.example/x", "/"),  # protocol-relative: Home instead
    ("javascript:alert(1)", "/"),
    ("", "/"),
])
def test_the_page_to_return_to_is_a_path_on_this_site(app, school, current, expected):
    client = login_client(app, school["parent"])
    expire(app)
    response = client.get("/account/inzage", headers={"HX-Request": "true", "HX-Current-URL": current})
    assert login_link(response) == f"/login?next={expected}"


def test_following_the_link_and_logging_in_returns_to_the_page(app, school):
    from tests.factories import PASSWORD

    client = login_client(app, school["parent"])
    action = actions(school)["privacy"]
    token = csrf_from(text_of(client.get(action.page)))
    expire(app)
    link = login_link(send(client, action, token))
    login_page = text_of(client.get(link))
    response = client.post(link, data={"username": school["parent"].login_name, "password": PASSWORD,
                                       "next": "/account/privacy", "csrf_token": csrf_from(login_page)})
    assert response.status_code == 302 and response.location == "/account/privacy"
    page = text_of(client.get("/account/privacy"))
    field = page.split('id="veld-phone_mobile"')[1].split("</fieldset>")[0]
    assert re.search(r'<input checked[^>]*value="(\w+)"', field).group(1) == "staff"  # as stored


def test_a_session_ended_elsewhere_says_so(app, school):
    client, other = login_client(app, school["parent"]), login_client(app, school["parent"])
    action = actions(school)["privacy"]
    token = csrf_from(text_of(client.get(action.page)))
    Auth(other).post("/account/apparaten/alle-uitloggen", csrf_page="/account/apparaten")
    response = send(client, action, token)
    assert response.status_code == 401
    assert "U bent niet meer ingelogd, bijvoorbeeld omdat u in een ander tabblad of op een ander apparaat " \
           "bent uitgelogd." in words(response)
    assert action.stored() == action.unchanged


def test_a_boosted_navigation_still_goes_to_the_login_page(app, school):
    client = login_client(app, school["parent"])
    expire(app)
    response = client.get("/berichten", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login?next=")
    assert PROBLEM_HEADER not in response.headers


# --- a stale CSRF token ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ACTIONS)
def test_an_action_with_a_stale_csrf_token_gets_a_message_and_stores_nothing(app, school, name):
    client = login_client(app, school["parent"])
    action = actions(school)[name]
    stale = csrf_from(text_of(client.get(action.page)))
    # Logged out and in again in another tab: a new session, so the page's token is stale.
    Auth(client).logout()
    Auth(client).login(school["parent"])

    response = send(client, action, stale)
    assert response.status_code == 400
    assert response.headers[PROBLEM_HEADER] == "csrf"
    assert words(response) == (
        "Niet opgeslagen. Deze pagina is verlopen, bijvoorbeeld omdat u in een ander tabblad opnieuw heeft "
        "ingelogd. Laad de pagina opnieuw en probeer het nog eens. Pagina opnieuw laden")
    assert f'<a href="{action.page}">Pagina opnieuw laden</a>' in text_of(response)
    assert action.stored() == action.unchanged


@pytest.mark.parametrize("name", ["privacy", "reply"])
def test_a_broken_token_of_a_logged_out_browser_offers_to_log_in(app, school, name):
    """Logged out in another tab: the cookie lost its session and its CSRF secret; the action
    fails the CSRF check first, and the message is the one of an ended session."""
    client = login_client(app, school["parent"])
    action = actions(school)[name]
    stale = csrf_from(text_of(client.get(action.page)))
    Auth(client).logout()
    response = send(client, action, stale)
    assert response.status_code == 401 and response.headers[PROBLEM_HEADER] == "session"
    assert login_link(response) == f"/login?next={action.page}"
    assert action.stored() == action.unchanged


def test_a_plain_form_post_with_a_stale_token_keeps_its_page(app, school):
    client = login_client(app, school["parent"])
    response = client.post("/account/privacy", data=actions(school)["privacy"].data)
    assert response.status_code == 400 and PROBLEM_HEADER not in response.headers
    assert "<html" in text_of(response) and "Formulier verlopen" in text_of(response)


# --- other error pages --------------------------------------------------------------------

def test_an_error_page_of_an_htmx_action_is_a_message(app, school):
    client = login_client(app, school["parent"])
    token = csrf_from(text_of(client.get("/")))
    response = client.post("/berichten/2147483647/reageren", data={"text": "Hallo"},
                           headers=htmx_headers("/berichten", **{"X-CSRFToken": token}))
    assert response.status_code == 404 and response.headers[PROBLEM_HEADER] == "error"
    assert words(response) == "Niet opgeslagen. Deze pagina bestaat niet of u heeft er geen toegang toe."
    assert client.get("/berichten/2147483647").status_code == 404  # the page itself: the page


@pytest.fixture
def failing_app(database_uri):
    """An app of its own with a view that fails, as a bug would (errors not propagated, as in
    production, so the 500 handler answers)."""
    from tests.fixtures.app_db import engine_options

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_uri, PROPAGATE_EXCEPTIONS=False,
                     SQLALCHEMY_ENGINE_OPTIONS=engine_options(database_uri))

    @app.post("/kapot")
    def broken():
        raise RuntimeError("a bug")

    app.config["WTF_CSRF_ENABLED"] = False
    return app


def test_a_server_error_of_an_htmx_action_is_a_message(failing_app):
    client = failing_app.test_client()
    response = client.post("/kapot", headers=htmx_headers("/account/privacy"))
    assert response.status_code == 500 and response.headers[PROBLEM_HEADER] == "error"
    assert words(response) == "Niet opgeslagen. Er ging iets mis. Probeer het later nog eens."
    page = client.post("/kapot")
    assert page.status_code == 500 and "<html" in text_of(page) and "Er ging iets mis" in text_of(page)

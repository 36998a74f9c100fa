"""Account security: the notices by mail (password changed or reset, login name changed —
also to the old address), the change-password rate limit, "Wachtwoord vergeten" doing the
same work for known and unknown addresses, the password rule naming every unmet
requirement, HSTS and the secret key in production, and the replaced activation link.

Mail goes through Redis, the real worker and the test SMTP server (`pipeline`)."""
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.jobs import get_queue
from app.models import AccountToken, User
from app.passwords import check_password, password_problems
from app.settings import set_setting
from config import DEVELOPMENT_SECRET_KEY, TestConfig
from tests.fixtures.mail import first_link, mail_text
from tests.fixtures.services import ROOT
from tests.fixtures.users import Auth, login_client
from tests.content_helpers import post_form, text_of
from tests.factories import PASSWORD, AdminFactory, ParentFactory, UserFactory
from tests.fixtures.queries import recorded_statements

NEW_PASSWORD = "Nieuw!Wachtw00rd"


def reload(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def path_of(link, app):
    return link.replace(app.config["PORTAL_URL"], "")


@pytest.fixture
def school_phone(app):
    set_setting("school.phone", "0571-270 000")
    db.session.commit()
    return "0571-270 000"


# --- notices by mail ---------------------------------------------------------------------------

def test_a_password_change_is_mailed_with_what_to_do_if_it_was_not_them(app, pipeline, school_phone):
    parent = ParentFactory(first_name="Marloes", last_name="Jansen", login_name="marloes@example.nl",
                           email="marloes.thuis@example.nl")
    client = login_client(app, parent)
    response = post_form(client, "/account/wachtwoord",
                         {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert pipeline.smtp.messages == []  # not from the web request
    pipeline.drain()
    (received,) = pipeline.smtp.wait_for(1)
    assert received["to"] == ["marloes.thuis@example.nl"]  # the account's (contact) address
    message = received["message"]
    assert message["Subject"].startswith("Uw wachtwoord is gewijzigd")
    text = mail_text(message)
    assert "Beste Marloes Jansen" in text and "is zojuist gewijzigd" in text
    assert "Was u dit niet?" in text and "telefoon 0571-270 000" in text
    assert first_link(message, "/wachtwoord-vergeten")
    assert NEW_PASSWORD not in text and PASSWORD not in text


def test_a_reset_is_mailed_after_the_new_password_is_set(app, pipeline):
    parent = ParentFactory(email="ouder@example.nl", login_name="ouder@example.nl")
    client = app.test_client()
    post_form(client, "/wachtwoord-vergeten", {"username": parent.login_name})
    pipeline.drain()
    (link_mail,) = pipeline.smtp.wait_for(1)
    path = path_of(first_link(link_mail["message"], "/wachtwoord-herstellen/"), app)
    pipeline.smtp.clear()

    assert post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    pipeline.drain()
    (received,) = pipeline.smtp.wait_for(1)
    assert received["to"] == ["ouder@example.nl"]
    assert received["message"]["Subject"].startswith("Uw wachtwoord is opnieuw ingesteld")
    text = mail_text(received["message"])
    assert "op al uw apparaten uitgelogd" in text and "Was u dit niet?" in text
    assert "contact op met de school" in text  # without a phone number set


def test_the_parents_own_login_name_change_is_mailed_to_the_old_and_the_new_address(app, pipeline):
    parent = ParentFactory(first_name="Marloes", login_name="marloes@example.nl", email="marloes@example.nl")
    client = login_client(app, parent)
    post_form(client, "/account/bereikbaarheid", {"phone_mobile": "", "phone_home": "", "email": "m.nieuw@example.nl"})
    assert post_form(client, "/account/inlognaam", {}, form_page="/account/bereikbaarheid").status_code == 302
    pipeline.drain()
    (confirmation,) = pipeline.smtp.wait_for(1)
    path = path_of(first_link(confirmation["message"], "/account/inlognaam/"), app)
    pipeline.smtp.clear()

    assert post_form(client, path, {}).status_code == 302  # "Inlognaam ook wijzigen" confirmed
    assert reload(parent).login_name == "m.nieuw@example.nl"
    pipeline.drain()
    received = pipeline.smtp.wait_for(2)
    assert sorted(m["to"][0] for m in received) == ["m.nieuw@example.nl", "marloes@example.nl"]
    for mail in received:
        assert mail["message"]["Subject"].startswith("Uw inlognaam is gewijzigd")
        text = mail_text(mail["message"])
        assert "Uw inlognaam is nu: m.nieuw@example.nl" in text
        assert "Was u dit niet?" in text and "oude en op uw nieuwe adres" in text


def test_the_office_changing_a_login_name_mails_the_old_and_the_new_address(app, pipeline):
    parent = ParentFactory(login_name="oud@example.nl", email="oud@example.nl")
    office = login_client(app, AdminFactory())
    path = f"/beheer/school/personen/{parent.id}/inlognaam"
    assert post_form(office, path, {"login_name": "Nieuw@Example.nl", "also_contact": "y"}).status_code == 302
    pipeline.drain()
    received = pipeline.smtp.wait_for(2)
    assert sorted(m["to"][0] for m in received) == ["nieuw@example.nl", "oud@example.nl"]
    for mail in received:
        text = mail_text(mail["message"])
        assert "De school heeft uw inlognaam" in text and "Uw nieuwe inlognaam is: nieuw@example.nl" in text
        assert "Heeft u hier niet om gevraagd?" in text


# --- the change-password form is rate-limited like login -----------------------------------------

def test_the_change_password_form_is_rate_limited(app):
    parent, other = ParentFactory(), ParentFactory()
    client = login_client(app, parent)
    statuses = [post_form(client, "/account/wachtwoord", {
        "current": f"Fout!Wachtw00rd{n}", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        for n in range(6)]
    assert statuses == [422] * 5 + [429]
    blocked = post_form(client, "/account/wachtwoord",
                        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert blocked.status_code == 429
    page = text_of(blocked)
    assert "Te veel pogingen" in page and "Wacht een paar minuten" in page and 'lang="nl"' in page
    assert check_password(PASSWORD, reload(parent).password_hash)
    assert client.get("/account/wachtwoord").status_code == 200  # the page itself still opens
    # Another account (from the same address) is not blocked by this account's limit.
    assert post_form(login_client(app, other), "/account/wachtwoord", {
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_the_change_password_form_has_a_limit_per_ip_too(app):
    clients = [login_client(app, ParentFactory()) for _ in range(4)]  # a different account each time
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"
    statuses = []
    for client in clients:
        statuses.append(post_form(client, "/account/wachtwoord", {
            "current": "Fout!Wachtw00rd", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code)
    assert statuses == [422, 422, 422, 429]


# --- "Wachtwoord vergeten": the same work for every address ------------------------------------

def test_forgot_password_does_the_same_work_for_known_and_unknown_addresses(app, pipeline):
    user = ParentFactory(login_name="bekend@example.nl", email="bekend@example.nl")
    queue = get_queue("mail")

    def request_reset(address):
        client = app.test_client()
        token = Auth(client).csrf("/wachtwoord-vergeten")
        jobs_before = queue.count
        with recorded_statements() as statements:
            response = client.post("/wachtwoord-vergeten", data={"username": address, "csrf_token": token})
        assert response.status_code == 200
        assert queue.count == jobs_before + 1
        return response, statements, queue.jobs[-1]

    known, known_sql, known_job = request_reset("Bekend@Example.nl")
    unknown, unknown_sql, unknown_job = request_reset("onbekend@example.nl")

    def main(response):
        return response.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]

    assert main(known) == main(unknown)
    # The same statements inline — no lookup of the account, no token, no write — and one job
    # holding the typed address each: the lookup, the token and the mail happen in the worker.
    assert known_sql == unknown_sql
    assert not [s for s in known_sql if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert not any("users" in s for s in known_sql)
    assert (known_job.func_name, known_job.args) == ("app.auth.services.send_password_reset", ("bekend@example.nl",))
    assert (unknown_job.func_name, unknown_job.args) == ("app.auth.services.send_password_reset", ("onbekend@example.nl",))
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 0
    assert pipeline.smtp.messages == []

    pipeline.drain()
    (received,) = pipeline.smtp.wait_for(1)
    assert received["to"] == ["bekend@example.nl"]
    assert "/wachtwoord-herstellen/" in mail_text(received["message"])
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 1
    assert user.id  # (the account was there all along)


def test_forgot_password_sends_nothing_to_deactivated_or_unactivated_accounts(app, pipeline):
    from app.models import utcnow

    ParentFactory(login_name="weg@example.nl", deactivated_at=utcnow())
    UserFactory(login_name="nieuw@example.nl", activated_at=None, password=None)
    for address in ("weg@example.nl", "nieuw@example.nl"):
        post_form(app.test_client(), "/wachtwoord-vergeten", {"username": address})
    pipeline.drain()
    assert pipeline.smtp.messages == []
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 0


# --- the password rule: every unmet requirement at once --------------------------------------------

LENGTH, LOWER, UPPER, DIGIT, SPECIAL = ("minimaal 8 tekens", "kleine letter", "hoofdletter", "1 cijfer",
                                        "speciaal teken")
REPEATED, DIGITS, WORD_YEAR, COMMON = ("steeds hetzelfde teken", "alleen uit cijfers",
                                       "bekend woord met een jaartal", "te algemeen")
ALL = (LENGTH, LOWER, UPPER, DIGIT, SPECIAL, REPEATED, DIGITS, WORD_YEAR, COMMON)


@pytest.mark.parametrize("password, unmet", [
    ("abc", {LENGTH, UPPER, DIGIT, SPECIAL}),
    ("ABC1", {LENGTH, LOWER, SPECIAL}),
    ("aaaaaa", {LENGTH, UPPER, DIGIT, SPECIAL, REPEATED}),
    ("aaaaaaaaaaaaaaaaaaaa", {REPEATED}),  # a "passphrase" of one character
    ("!!!!!!!!!!!!!!!!", {REPEATED}),
    ("1234567890123456", {DIGITS}),  # a "passphrase" of digits
    ("2026 2026 2026 2026", {DIGITS}),
    ("20262026", {LOWER, UPPER, SPECIAL, DIGITS}),
    ("Zomer2026!", {WORD_YEAR}),  # meets the manual's rule, yet a word with a year and a symbol
    ("!Voetbal2025", {WORD_YEAR}),
    ("Schutkampen2026!!", {WORD_YEAR}),  # 17 characters: a passphrase by length only
    ("2026-Sinterklaas!", {WORD_YEAR}),
    ("summer2026", {UPPER, SPECIAL, WORD_YEAR}),
    ("Marloes1987!", {WORD_YEAR}),  # the own name from the login name
    ("Welkom01!", {COMMON}),
    ("Zonnebloem7!", set()),
    ("paard batterij nietje correct", set()),
    ("Brandweerauto2026!", set()),  # not a common word
])
def test_the_password_rule_names_every_unmet_requirement(password, unmet, app):
    found = " ".join(password_problems(password, login_name="marloes.jansen@example.nl"))
    assert {part for part in ALL if part in found} == unmet


@pytest.mark.parametrize("password, unmet", [
    ("abc", {LENGTH, UPPER, DIGIT, SPECIAL}),
    ("aaaaaaaaaaaaaaaaaaaa", {REPEATED}),
    ("1234567890123456", {DIGITS}),
    ("Zomer2026!", {WORD_YEAR}),
    ("zomer2026", {UPPER, SPECIAL, WORD_YEAR}),
])
def test_each_refusal_names_every_unmet_requirement_on_the_form(app, password, unmet):
    parent = ParentFactory()
    client = login_client(app, parent)
    response = post_form(client, "/account/wachtwoord", {"current": PASSWORD, "password": password, "confirm": password})
    assert response.status_code == 422
    error = text_of(response).split('id="password-error">', 1)[1].split("</p>", 1)[0]
    assert {part for part in ALL if part in error} == unmet
    assert check_password(PASSWORD, reload(parent).password_hash)
    # The same rule on the reset form.
    from app.auth.services import issue_token

    raw = issue_token(parent, "reset", 1)
    db.session.commit()
    reset = post_form(app.test_client(), f"/wachtwoord-herstellen/{raw}", {"password": password, "confirm": password})
    assert reset.status_code == 422
    assert {part for part in ALL if part in text_of(reset)} >= unmet


def test_the_form_lists_what_is_refused_up_front(client, auth):
    auth.login(ParentFactory())
    page = text_of(client.get("/account/wachtwoord"))
    assert "steeds hetzelfde teken, alleen cijfers, en een bekend woord met een jaartal" in page


# --- production: HSTS and the secret key ------------------------------------------------------

def test_hsts_only_in_production(app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    production = create_app(TestConfig, ENV_NAME="production", SECRET_KEY="een-lange-willekeurige-waarde",
                            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    response = production.test_client().get("/login")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize("secret", [DEVELOPMENT_SECRET_KEY, ""])
def test_production_refuses_the_development_secret_key(secret):
    with pytest.raises(RuntimeError, match="Refusing to start.*SECRET_KEY"):
        create_app(TestConfig, ENV_NAME="production", SECRET_KEY=secret)


def test_the_production_process_does_not_start_without_a_secret_key(tmp_path):
    """As gunicorn or the worker would start it: `wsgi` with PORTAL_ENV=production."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "TEST_DATABASE_URL")}
    env.update(PORTAL_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite'}",
               INSTANCE_PATH=str(tmp_path))
    start = [sys.executable, "-c", "import wsgi; print('started')"]
    refused = subprocess.run(start, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "started" not in refused.stdout
    assert "Refusing to start" in refused.stderr and "SECRET_KEY" in refused.stderr
    env["SECRET_KEY"] = DEVELOPMENT_SECRET_KEY
    assert "Refusing to start" in subprocess.run(start, cwd=ROOT, env=env, capture_output=True, text=True,
                                                 timeout=60).stderr
    env["SECRET_KEY"] = "een-lange-willekeurige-waarde-voor-productie"
    started = subprocess.run(start, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert started.returncode == 0 and "started" in started.stdout, started.stderr[-2000:]


# --- a replaced activation link -------------------------------------------------------------

def test_a_replaced_activation_link_says_so_and_how_to_get_a_new_one(app, pipeline):
    from tests.fixtures.users import create_account

    user = create_account("nieuw@example.nl", "Nieuwe", "Ouder")
    pipeline.drain()
    (first,) = pipeline.smtp.wait_for(1)
    old_path = path_of(first_link(first["message"], "/activeren/"), app)
    pipeline.smtp.clear()
    office = login_client(app, AdminFactory())
    person = f"/beheer/school/personen/{user.id}"
    assert post_form(office, f"{person}/activatiemail", {}, form_page=person).status_code == 302
    pipeline.drain()
    (second,) = pipeline.smtp.wait_for(1)
    new_path = path_of(first_link(second["message"], "/activeren/"), app)

    client = app.test_client()
    for response in (client.get(old_path),
                     post_form(client, old_path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                               form_page="/login")):
        page = text_of(response)
        assert response.status_code == 410
        assert "Deze activatielink is niet meer geldig" in page and "nieuwste e-mail" in page
        assert "Vraag de school om een nieuwe activatielink" in page
        assert "al geactiveerd" not in page
    assert reload(user).activated_at is None

    assert post_form(client, new_path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    # Once the account is active, every old link gives the manual's message.
    page = text_of(app.test_client().get(old_path))
    assert "Dit account is al geactiveerd. Log in met uw gebruikersnaam en wachtwoord." in page

"""E-mail addresses with non-ASCII characters, at every entry point (app/email_address.py).

The rule: the domain is stored as its IDNA A-label (`exämple.org` -> `xn--exmple-cua.org`),
whichever form is typed, and a login finds the account from either form; a non-ASCII local
part (`bé.midden@…`) is refused with a Dutch message unless MAIL_SMTPUTF8 says the relay
offers SMTPUTF8, and then the mail asks the server for it (its EHLO decides).
"""
import pytest
from sqlalchemy import select

from app.email_address import NOT_DELIVERABLE_HERE, AddressError, login_key, normalise_address
from app.extensions import db
from app.models import NotificationDelivery, User
from tests.fixtures.mail import first_link, use_smtp
from tests.fixtures.users import Auth, login_client
from tests.factories import AdminFactory, ParentFactory
from tests.test_admin_import import commit, make_csv, row, upload

A_LABEL = "xn--exmple-cua.org"
ACCENT_MESSAGE = "letters met accenten (zoals é of ü) vóór de @"


@pytest.fixture
def school(app):
    from app.models import Group

    db.session.add(Group(name="3", level=3, sort_order=0, school_year="2026-2027"))
    db.session.commit()


@pytest.fixture
def office(app, school):
    return login_client(app, AdminFactory())


def post(client, path, data, page=None):
    return Auth(client).post(path, data, csrf_page=page or path)


def the_import(client):
    rows = [
        row("L001", first="Bram", p1=("Bé", "Midden", "bé.midden@exämple.org")),
        row("L002", first="Anna", p1=("Ouder", "Unicode", "ouder@exämple.org")),
        row("L003", first="Cas", p1=("Ouder", "Gewoon", "gewoon@example.nl")),
    ]
    return upload(client, make_csv(rows)).get_data(as_text=True)


# --- the rule ----------------------------------------------------------------------------

@pytest.mark.parametrize("typed,stored", [
    ("ouder@exämple.org", f"ouder@{A_LABEL}"),
    ("ouder@EXÄMPLE.org", f"ouder@{A_LABEL}"),
    (f"ouder@{A_LABEL}", f"ouder@{A_LABEL}"),
    ("Marloes@Example.nl", "Marloes@Example.nl"),
])
def test_the_domain_is_stored_as_a_label(app, typed, stored):
    assert normalise_address(typed) == stored


@pytest.mark.parametrize("typed", ["bé.midden@exämple.org", "ü@example.nl"])
def test_a_non_ascii_local_part_needs_smtputf8(app, typed):
    with pytest.raises(AddressError) as refused:
        normalise_address(typed)
    assert refused.value.message == NOT_DELIVERABLE_HERE
    app.config["MAIL_SMTPUTF8"] = True
    assert normalise_address(typed).split("@")[0] == typed.split("@")[0]


@pytest.mark.parametrize("typed", ["geen-adres", "a@b", "a..b@example.nl", "a@b.nl\r\nBcc: x@example.org",
                                   "Naam <a@example.nl>", "a@[127.0.0.1]", "a@gewist.invalid", "\x00@example.nl",
                                   "a@" + "x" * 250 + ".nl"])
def test_what_is_not_one_address_is_refused(app, typed):
    with pytest.raises(AddressError) as refused:
        normalise_address(typed)
    assert refused.value.message == "Vul een geldig e-mailadres in."


# --- the CSV import ------------------------------------------------------------------------

def test_an_import_with_a_non_ascii_local_part_gives_a_dutch_row_error(app, office, inline_smtp):
    preview = the_import(office)
    assert "Ouder 1: &#39;bé.midden@exämple.org&#39; heeft " + ACCENT_MESSAGE in preview
    assert db.session.scalar(select(User).where(User.first_name == "Bé")) is None
    response = commit(office, preview, skip=True)
    assert response.status_code in (200, 302)
    # Every other parent gets their mail; the Unicode domain goes as its A-label.
    received = inline_smtp.wait_for(2)
    assert sorted(m["to"][0] for m in received) == ["gewoon@example.nl", f"ouder@{A_LABEL}"]
    assert db.session.scalar(select(User.login_name).where(User.last_name == "Unicode")) == f"ouder@{A_LABEL}"
    assert db.session.scalar(select(User).where(User.first_name == "Bé")) is None


def test_with_smtputf8_the_import_takes_the_address_and_the_mail_asks_for_it(app, office, smtp_utf8):
    app.config["MAIL_SMTPUTF8"] = True
    use_smtp(app, smtp_utf8)
    preview = the_import(office)
    assert ACCENT_MESSAGE not in preview
    assert commit(office, preview).status_code in (200, 302)
    received = smtp_utf8.wait_for(3)
    utf8 = next(m for m in received if m["to"][0].startswith("bé."))
    assert utf8["to"] == [f"bé.midden@{A_LABEL}"] and "SMTPUTF8" in utf8["mail_options"]
    assert first_link(utf8["message"], "/activeren/")
    assert "SMTPUTF8" not in [m for m in received if m["to"][0] == "gewoon@example.nl"][0]["mail_options"]
    assert {r.state for r in db.session.scalars(select(NotificationDelivery))} == {"sent"}


def test_with_smtputf8_set_but_a_server_without_it_the_mail_fails_visibly(app, office, inline_smtp):
    """MAIL_SMTPUTF8 on while the relay does not offer it: the import commits, the other
    parents get their mail, the one that cannot go is failed with a Dutch reason."""
    app.config["MAIL_SMTPUTF8"] = True
    response = commit(office, the_import(office))
    assert response.status_code in (200, 302)
    received = inline_smtp.wait_for(2)
    assert sorted(m["to"][0] for m in received) == ["gewoon@example.nl", f"ouder@{A_LABEL}"]
    failed = db.session.scalars(select(NotificationDelivery).where(NotificationDelivery.state == "failed")).one()
    assert "SMTPUTF8" in failed.last_error and "é" in failed.last_error
    page = office.get("/beheer/e-mail/").get_data(as_text=True)
    assert "bé.midden@" in page and "biedt geen SMTPUTF8" in page


# --- Beheer, Mijn account, login-name changes --------------------------------------------

def test_beheer_new_account_applies_the_rule(app, office):
    page = "/beheer/school/personen/nieuw"
    refused = post(office, page, {"login_name": "bé.midden@exämple.org", "first_name": "Bé", "last_name": "Midden",
                                  "role": "ouder"})
    assert refused.status_code == 422 and ACCENT_MESSAGE in refused.get_data(as_text=True)
    created = post(office, page, {"login_name": "Ouder@Exämple.org", "first_name": "Uni", "last_name": "Code",
                                  "role": "ouder"})
    assert created.status_code == 302
    user = db.session.scalar(select(User).where(User.last_name == "Code"))
    assert user.login_name == f"ouder@{A_LABEL}" and user.email == f"Ouder@{A_LABEL}"


def test_beheer_login_name_change_applies_the_rule(app, office):
    parent = ParentFactory(login_name="oud@example.nl")
    path = f"/beheer/school/personen/{parent.id}/inlognaam"
    refused = post(office, path, {"login_name": "bé@example.nl"})
    assert refused.status_code == 422 and ACCENT_MESSAGE in refused.get_data(as_text=True)
    assert post(office, path, {"login_name": "nieuw@exämple.org", "also_contact": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, parent.id).login_name == f"nieuw@{A_LABEL}"


def test_mijn_account_contact_address_and_login_change(app, login_as):
    parent = ParentFactory(login_name="ouder@example.nl")
    client = login_as(parent)
    path = "/account/bereikbaarheid"
    refused = post(client, path, {"phone_mobile": "", "phone_home": "", "email": "bé@example.nl"})
    assert refused.status_code == 422 and ACCENT_MESSAGE in refused.get_data(as_text=True)
    assert post(client, path, {"phone_mobile": "", "phone_home": "", "email": "ouder@exämple.org"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, parent.id).email == f"ouder@{A_LABEL}"

    # An address stored before the rule: asking the login name to follow is refused in Dutch.
    user = db.session.get(User, parent.id)
    user.email = "bé@example.nl"
    db.session.commit()
    response = post(client, "/account/inlognaam", {}, page=path)
    assert response.status_code == 422 and ACCENT_MESSAGE in response.get_data(as_text=True)


def test_login_finds_the_account_whichever_form_is_typed(app, client):
    ParentFactory(login_name=f"ouder@{A_LABEL}")
    assert Auth(app.test_client()).login("ouder@exämple.org").status_code == 302
    assert Auth(app.test_client()).login(f"Ouder@{A_LABEL.upper()}").status_code == 302
    assert login_key("  Ouder@EXÄMPLE.org ") == f"ouder@{A_LABEL}"


@pytest.mark.parametrize("typed", ["bé.midden@exämple.org", "ö", "ouder@exämple..org", "@", "ü" * 300])
def test_a_non_ascii_login_name_or_reset_request_never_fails(app, client, typed):
    assert Auth(app.test_client()).login(typed, "Wachtwoord!1").status_code == 422
    fresh = app.test_client()
    token = Auth(fresh).csrf("/wachtwoord-vergeten")
    response = fresh.post("/wachtwoord-vergeten", data={"username": typed, "csrf_token": token})
    assert response.status_code in (200, 302, 422)

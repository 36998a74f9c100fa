"""Mijn account: personal data with "Wijzigen", photo, Bereikbaarheid with extra numbers,
moving the login name through a confirmation mail, Notificaties and the audit log."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AccountToken, AuditEntry, ContactNumber, NotificationPreference, User, utcnow
from app.notifications.services import preferences_for
from tests.fixtures.mail import first_link, mail_text
from tests.fixtures.users import Auth
from tests.factories import PASSWORD, ParentFactory


def reload(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def form_post(client, path, data, page=None, **kwargs):
    data = dict(data)
    data["csrf_token"] = Auth(client).csrf(page or path)
    return client.post(path, data=data, **kwargs)


def htmx_post(client, path, data, page):
    token = Auth(client).csrf(page)
    return client.post(path, data=data, headers={"HX-Request": "true", "X-CSRFToken": token})


def audit_entries(subject_id=None):
    query = select(AuditEntry).order_by(AuditEntry.id)
    if subject_id is not None:
        query = query.where(AuditEntry.subject_id == subject_id)
    return db.session.scalars(query).all()


@pytest.fixture
def parent(app):
    return ParentFactory(first_name="Marloes", last_name="Jansen", login_name="marloes@example.nl",
                         email="marloes@example.nl")


@pytest.fixture
def client_of(parent, login_as):
    return login_as(parent)


# --- Persoonlijke gegevens ---------------------------------------------------------------

def test_account_opens_on_the_profile_with_tabs(client_of):
    html = client_of.get("/account/").get_data(as_text=True)
    assert "Persoonlijke gegevens" in html and "Marloes" in html
    for tab in ("Bereikbaarheid", "Notificaties", "Privacy", "Wachtwoord"):
        assert f">{tab}</a>" in html
    assert 'href="/account/gegevens/wijzigen"' in html and ">Wijzigen</a>" in html
    assert 'type="file"' in html and "Foto uploaden" in html  # the "+" button
    assert client_of.get("/account/gegevens").status_code == 200


def test_login_required(client):
    for path in ("/account/", "/account/bereikbaarheid", "/account/notificaties", "/account/privacy"):
        assert client.get(path).location.startswith("/login")


def test_change_personal_data(client_of, parent):
    response = form_post(client_of, "/account/gegevens/wijzigen", {
        "first_name": "Marloes", "last_name": "Jansen-de Vries", "street": "Kastanjelaan",
        "house_number": "17a", "postcode": "7461ab", "city": "Rijssen",
    })
    assert response.status_code == 302
    user = reload(parent)
    assert (user.last_name, user.street, user.house_number, user.postcode, user.city) == (
        "Jansen-de Vries", "Kastanjelaan", "17a", "7461 AB", "Rijssen")
    html = client_of.get("/account/").get_data(as_text=True)
    assert "Uw gegevens zijn opgeslagen." in html and "7461 AB" in html
    [entry] = audit_entries(parent.id)
    assert (entry.actor_id, entry.subject_type, entry.action) == (parent.id, "user", "gewijzigd")
    assert entry.fields == ["city", "house_number", "last_name", "postcode", "street"]


@pytest.mark.parametrize("field,value,message", [
    ("first_name", "", "Vul uw voornaam in."),
    ("postcode", "12345", "Vul een geldige postcode in"),
    ("house_number", "achter", "Vul een huisnummer in"),
    ("city", "x" * 81, "Maximaal 80 tekens."),
])
def test_invalid_personal_data_changes_nothing(client_of, parent, field, value, message):
    data = {"first_name": "Marloes", "last_name": "Jansen", "street": "", "house_number": "",
            "postcode": "", "city": ""}
    data[field] = value
    response = form_post(client_of, "/account/gegevens/wijzigen", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert reload(parent).first_name == "Marloes"
    assert audit_entries() == []


def test_forms_need_csrf(client_of, parent):
    response = client_of.post("/account/gegevens/wijzigen", data={"first_name": "X", "last_name": "Y"})
    assert response.status_code == 400
    assert reload(parent).first_name == "Marloes"


def test_photo_upload_and_remove(app, client_of, parent):
    from tests.test_storage import jpeg_bytes, upload

    assert upload(client_of, jpeg_bytes()).status_code == 302
    user = reload(parent)
    assert user.photo_id
    html = client_of.get("/account/").get_data(as_text=True)
    assert f'src="/groepen/foto/{user.photo_id}/klein"' in html and "Foto verwijderen" in html
    assert client_of.get(f"/groepen/foto/{user.photo_id}").status_code == 200
    old_id = user.photo_id
    response = form_post(client_of, "/account/foto/verwijderen", {}, page="/account/")
    assert response.status_code == 302
    assert reload(parent).photo_id is None
    assert client_of.get(f"/groepen/foto/{old_id}").status_code == 404
    assert [e.action for e in audit_entries(parent.id)] == ["foto", "foto verwijderd"]


# --- Bereikbaarheid ----------------------------------------------------------------------

def test_change_phone_numbers(client_of, parent):
    response = form_post(client_of, "/account/bereikbaarheid", {
        "phone_mobile": "06-12345678", "phone_home": "+31 548 123456", "email": "marloes@example.nl"})
    assert response.status_code == 302
    user = reload(parent)
    assert (user.phone_mobile, user.phone_home) == ("06-12345678", "+31 548 123456")
    assert audit_entries(parent.id)[0].fields == ["phone_home", "phone_mobile"]


@pytest.mark.parametrize("field,value,message", [
    ("phone_mobile", "bel me maar", "Vul een geldig telefoonnummer in"),
    ("phone_mobile", "12", "Vul een geldig telefoonnummer in"),
    ("phone_home", "06+123456789", "Vul een geldig telefoonnummer in"),
    ("email", "geen-adres", "Vul een geldig e-mailadres in."),
    ("email", "", "Vul uw e-mailadres in."),
])
def test_invalid_contact_data_changes_nothing(client_of, parent, field, value, message):
    data = {"phone_mobile": "", "phone_home": "", "email": "marloes@example.nl"}
    data[field] = value
    response = form_post(client_of, "/account/bereikbaarheid", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    user = reload(parent)
    assert (user.phone_mobile, user.email) == ("", "marloes@example.nl")


def test_changing_the_contact_email_leaves_the_login_name(client_of, parent):
    response = form_post(client_of, "/account/bereikbaarheid", {
        "phone_mobile": "", "phone_home": "", "email": "Marloes.Nieuw@Example.nl"})
    assert response.status_code == 302
    user = reload(parent)
    assert user.email == "Marloes.Nieuw@Example.nl"
    assert user.login_name == "marloes@example.nl"
    html = client_of.get("/account/bereikbaarheid").get_data(as_text=True)
    assert "Uw inlognaam is niet veranderd" in html
    assert "Inlognaam ook wijzigen" in html
    assert audit_entries(parent.id)[0].fields == ["email"]
    # Logging in still works with the old login name, not yet with the new address.
    fresh = client_of.application.test_client()
    assert Auth(fresh).login("marloes.nieuw@example.nl").status_code == 422
    assert Auth(fresh).login("marloes@example.nl").status_code == 302


def test_login_name_moves_after_the_confirmation_link(app, pipeline, parent, client_of):
    """The whole path: contact e-mail changed, confirmation asked, the mail goes through
    Redis, the real worker and SMTP to the NEW address, the link changes the login name."""
    form_post(client_of, "/account/bereikbaarheid", {"phone_mobile": "", "phone_home": "",
                                                     "email": "marloes.nieuw@example.nl"})
    response = form_post(client_of, "/account/inlognaam", {}, page="/account/bereikbaarheid")
    assert response.status_code == 302
    page = client_of.get("/account/bereikbaarheid").get_data(as_text=True)
    assert "bevestigingslink gestuurd naar marloes.nieuw@example.nl" in page
    assert reload(parent).login_name == "marloes@example.nl"  # not yet

    pipeline.drain()
    [mail] = pipeline.smtp.wait_for(1)
    assert mail["to"] == ["marloes.nieuw@example.nl"]
    message = mail["message"]
    assert "Bevestig uw nieuwe inlognaam" in message["Subject"]
    link = first_link(message, "/account/inlognaam/")
    assert "Beste Marloes Jansen" in mail_text(message)
    token = db.session.scalars(select(AccountToken).where(AccountToken.purpose == "email")).one()
    assert token.new_email == "marloes.nieuw@example.nl" and link.rsplit("/", 1)[1] not in token.token_hash

    # Opening the link (a mail scanner, or the parent) changes nothing yet.
    path = link.replace(app.config["PORTAL_URL"], "")
    anonymous = app.test_client()
    confirm_page = anonymous.get(path)
    assert confirm_page.status_code == 200 and "marloes.nieuw@example.nl" in confirm_page.get_data(as_text=True)
    assert reload(parent).login_name == "marloes@example.nl"
    response = form_post(anonymous, path, {})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert reload(parent).login_name == "marloes.nieuw@example.nl"
    assert audit_entries(parent.id)[-1].action == "inlognaam"

    # New name logs in, old one does not; the link works once.
    assert Auth(app.test_client()).login("marloes.nieuw@example.nl", PASSWORD).status_code == 302
    assert Auth(app.test_client()).login("marloes@example.nl", PASSWORD).status_code == 422
    assert anonymous.get(path).status_code == 410
    # The logged-in session survives the change.
    assert client_of.get("/account/").status_code == 200


def test_login_name_change_refused_when_the_address_is_taken(app, client_of, parent, smtp):
    ParentFactory(login_name="bezet@example.nl")
    form_post(client_of, "/account/bereikbaarheid", {"phone_mobile": "", "phone_home": "", "email": "Bezet@example.nl"})
    response = form_post(client_of, "/account/inlognaam", {}, page="/account/bereikbaarheid")
    assert response.status_code == 422
    assert "kan niet als inlognaam worden gebruikt" in response.get_data(as_text=True)
    assert db.session.scalar(select(AccountToken).where(AccountToken.purpose == "email")) is None
    assert reload(parent).login_name == "marloes@example.nl"


def test_login_name_taken_between_request_and_confirmation(app, client_of, parent):
    form_post(client_of, "/account/bereikbaarheid", {"phone_mobile": "", "phone_home": "", "email": "later@example.nl"})
    form_post(client_of, "/account/inlognaam", {}, page="/account/bereikbaarheid")
    # The mail went to the outbox (no Redis here): read the link from it.
    import email
    from pathlib import Path

    [eml] = list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    path = first_link(message, "/account/inlognaam/").replace(app.config["PORTAL_URL"], "")
    ParentFactory(login_name="later@example.nl")
    response = form_post(client_of, path, {})
    assert response.status_code == 422
    assert "kan niet als inlognaam worden gebruikt" in response.get_data(as_text=True)
    assert reload(parent).login_name == "marloes@example.nl"


@pytest.mark.parametrize("case", ["unknown", "expired"])
def test_bad_confirmation_links(app, client, parent, case):
    from app.auth import services

    raw = services.issue_token(parent, "email", -1 if case == "expired" else 48, new_email="x@example.nl")
    db.session.commit()
    path = f"/account/inlognaam/{raw if case == 'expired' else 'verzonnen'}"
    response = client.get(path)
    assert response.status_code == (410 if case == "expired" else 404)
    assert "Deze link" in response.get_data(as_text=True)
    assert reload(parent).login_name == "marloes@example.nl"


def test_reset_token_cannot_confirm_a_login_change(app, client, parent):
    from app.auth import services

    raw = services.issue_token(parent, "reset", 1)
    db.session.commit()
    assert client.get(f"/account/inlognaam/{raw}").status_code == 404


# --- extra numbers --------------------------------------------------------------------------

def test_extra_numbers_add_change_remove_plain(client_of, parent):
    page = "/account/bereikbaarheid"
    response = form_post(client_of, "/account/bereikbaarheid/nummers",
                         {"new-label": "werk", "new-number": "0548-123456"}, page=page)
    assert response.status_code == 302
    number = db.session.scalars(select(ContactNumber)).one()
    assert (number.user_id, number.label, number.number, number.is_emergency) == (parent.id, "werk", "0548-123456", False)
    assert "werk is toegevoegd." in client_of.get(page).get_data(as_text=True)

    response = form_post(client_of, f"/account/bereikbaarheid/nummers/{number.id}",
                         {f"n{number.id}-label": "werk (Ten Cate)", f"n{number.id}-number": "0548-654321"}, page=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert (number.label, number.number) == ("werk (Ten Cate)", "0548-654321")

    response = form_post(client_of, f"/account/bereikbaarheid/nummers/{number.id}/verwijderen", {}, page=page)
    assert response.status_code == 302
    assert db.session.scalars(select(ContactNumber)).all() == []
    assert [e.action for e in audit_entries(parent.id)] == ["nummer toegevoegd", "nummer gewijzigd", "nummer verwijderd"]


def test_extra_numbers_inline_with_htmx(client_of, parent):
    page = "/account/bereikbaarheid"
    response = htmx_post(client_of, "/account/bereikbaarheid/nummers",
                         {"new-label": "oma", "new-number": "06 98765432"}, page)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<section") and "<html" not in html
    assert 'value="oma"' in html and "oma is toegevoegd." in html
    response = htmx_post(client_of, "/account/bereikbaarheid/nummers", {"new-label": "", "new-number": "abc"}, page)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Vul een omschrijving in" in html and "Vul een geldig telefoonnummer in" in html
    assert len(db.session.scalars(select(ContactNumber)).all()) == 1


def test_someone_elses_number_id_is_a_404(app, client_of, parent, login_as):
    other = ParentFactory()
    theirs = ContactNumber(user_id=other.id, label="geheim", number="06-55555555")
    db.session.add(theirs)
    db.session.commit()
    page = "/account/bereikbaarheid"
    for path, data in [
        (f"/account/bereikbaarheid/nummers/{theirs.id}", {f"n{theirs.id}-label": "x", f"n{theirs.id}-number": "0612345678"}),
        (f"/account/bereikbaarheid/nummers/{theirs.id}/verwijderen", {}),
    ]:
        assert form_post(client_of, path, data, page=page).status_code == 404
    db.session.expire_all()
    assert (theirs.label, theirs.number) == ("geheim", "06-55555555")
    assert "06-55555555" not in client_of.get(page).get_data(as_text=True)


# --- Notificaties ----------------------------------------------------------------------------

def test_notifications_default_on_and_switch_off_plain(client_of, parent):
    html = client_of.get("/account/notificaties").get_data(as_text=True)
    for label in ("Spoedberichten", "Berichten en oproepen", "Nieuws", "Nieuwe fotoalbums",
                  "Vragen om toestemming (beeldmateriaal)", "Oudergesprekken"):
        assert label in html
    assert html.count('role="switch"') == 6 and html.count(" checked") == 6
    assert "zelf verantwoordelijk" not in html

    response = form_post(client_of, "/account/notificaties",
                         {"aan": ["urgent", "messages", "albums", "consent", "meetings"]})
    assert response.status_code == 302
    assert preferences_for(parent) == {"urgent": True, "messages": True, "news": False, "albums": True,
                                       "consent": True, "meetings": True}
    html = client_of.get("/account/notificaties").get_data(as_text=True)
    assert "zelf verantwoordelijk" in html and "u heeft e-mail uitgezet voor: Nieuws" in html


def test_notifications_switch_inline_with_htmx(client_of, parent):
    response = htmx_post(client_of, "/account/notificaties", {"aan": ["news"]}, "/account/notificaties")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<form") and "<html" not in html
    assert "zelf verantwoordelijk" in html and 'hx-swap-oob="innerHTML">Opgeslagen.' in html
    stored = {p.kind: p.enabled for p in db.session.scalars(select(NotificationPreference))}
    assert stored == {"urgent": False, "messages": False, "albums": False, "consent": False, "meetings": False}
    # Back on: no warning any more.
    html = htmx_post(client_of, "/account/notificaties",
                     {"aan": ["urgent", "messages", "news", "albums", "consent", "meetings"]},
                     "/account/notificaties").get_data(as_text=True)
    assert "zelf verantwoordelijk" not in html
    assert all(preferences_for(parent).values())


def test_unknown_notification_types_are_ignored(client_of, parent):
    form_post(client_of, "/account/notificaties", {"aan": ["news", "hack"]})
    assert preferences_for(parent)["news"] is True
    assert db.session.scalar(select(NotificationPreference).where(NotificationPreference.kind == "hack")) is None


# --- Wachtwoord stays where it was ---------------------------------------------------------

def test_password_tab_still_works(client_of):
    html = client_of.get("/account/wachtwoord").get_data(as_text=True)
    assert "Wachtwoord wijzigen" in html and 'aria-current="page">Wachtwoord' in html


def test_deactivated_user_loses_access(app, parent, client_of):
    parent.deactivated_at = utcnow()
    db.session.commit()
    assert client_of.get("/account/").status_code == 302


def test_login_change_mails_are_rate_limited(app, client_of, parent):
    form_post(client_of, "/account/bereikbaarheid", {"phone_mobile": "", "phone_home": "", "email": "ander@example.nl"})
    for _ in range(5):
        assert form_post(client_of, "/account/inlognaam", {}, page="/account/bereikbaarheid").status_code == 302
    response = form_post(client_of, "/account/inlognaam", {}, page="/account/bereikbaarheid")
    assert response.status_code == 429
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 5

"""Beheer for the school office: permissions, groups, pupils, parents and staff, accounts,
settings and the audit log."""
from datetime import date

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from app.extensions import db
from app.models import AccountToken, AuditEntry, Child, Group, Guardianship, Role, User
from tests.fixtures.mail import mail_text
from tests.fixtures.users import Auth, csrf_from, login_client
from tests.factories import (
    AdminFactory,
    ChildFactory,
    GroupFactory,
    GuardianshipFactory,
    ParentFactory,
    TeacherFactory,
    family,
    teacher_of,
)
from tests.fixtures.queries import count_queries


def post(client, path, data=None, page="/beheer/", **kwargs):
    """POST with the CSRF token of the logged-in session."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_from(client.get(page).get_data(as_text=True)))
    return client.post(path, data=data, **kwargs)


def reload(model, key):
    db.session.expire_all()
    return db.session.get(model, key)


@pytest.fixture
def office(app):
    user = AdminFactory(first_name="Karin", last_name="Administratie")
    return user, login_client(app, user)


# --- the permission matrix over every /beheer route of the app ------------------------------------

def _example_url(rule):
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        if kind == "AnyConverter":
            values[name] = sorted(converter.items)[0] if hasattr(converter, "items") else "x"
        elif kind.endswith(("IntegerConverter", "NumberConverter")):
            values[name] = 1
        elif kind == "UUIDConverter":
            values[name] = "00000000-0000-0000-0000-000000000001"
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def _beheer_routes(app):
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/beheer"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule, method, _example_url(rule)))
    return routes


def _call(client, method, url, token):
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": token})


def test_permission_matrix_over_every_beheer_route(app):
    """Parent: nothing under /beheer. Teacher: nothing under /beheer/school. Office: never 403."""
    group = GroupFactory(name="3", level=3)
    child, (parent,) = family(group)
    teacher = teacher_of(group)
    office = AdminFactory()
    routes = _beheer_routes(app)
    school_routes = [r for r in routes if r[0].rule.startswith("/beheer/school")]
    assert len(school_routes) >= 20  # every page of this issue is in the matrix

    clients = {}
    for name, user in (("parent", parent), ("teacher", teacher), ("office", office)):
        client = login_client(app, user)
        clients[name] = (client, csrf_from(client.get("/").get_data(as_text=True)))

    failures = []
    for rule, method, url in routes:
        client, token = clients["parent"]
        status = _call(client, method, url, token).status_code
        if status not in (403, 404):
            failures.append(f"parent {method} {url} → {status}")
        client, token = clients["teacher"]
        status = _call(client, method, url, token).status_code
        if rule.rule.startswith("/beheer/school") and status != 403:
            failures.append(f"teacher {method} {url} → {status}")
        if status >= 500:
            failures.append(f"teacher {method} {url} → {status}")
    # The office last: its POSTs may change something, which must not affect the others.
    for rule, method, url in routes:
        client, token = clients["office"]
        status = _call(client, method, url, token).status_code
        if status == 403 or status >= 500:
            failures.append(f"office {method} {url} → {status}")
    assert not failures, "\n".join(failures)


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/beheer/school/personen")
    assert response.status_code == 302 and "/login" in response.location


def test_beheer_home_lists_office_sections_only_for_the_office(app):
    group = GroupFactory(name="3", level=3)
    teacher_page = login_client(app, teacher_of(group)).get("/beheer/").get_data(as_text=True)
    office_page = login_client(app, AdminFactory()).get("/beheer/").get_data(as_text=True)
    for label in ("Leerlingen", "Ouders en personeel", "Importeren", "Nieuw schooljaar", "Instellingen", "Logboek"):
        assert label in office_page
        assert f">{label}<" not in teacher_page


# --- groups ---------------------------------------------------------------------------------------

def test_office_creates_and_edits_a_group_with_teachers(office):
    admin, client = office
    anna = TeacherFactory(first_name="Anna", last_name="de Vries")
    response = post(client, "/beheer/school/groepen/nieuw", {
        "name": "5b", "level": "5", "school_year": "2026-2027", "teachers": [str(anna.id)]})
    assert response.status_code == 302
    group = db.session.scalar(select(Group).where(Group.name == "5b"))
    assert group.level == 5 and [t.id for t in group.teachers] == [anna.id]
    page = client.get("/beheer/school/groepen").get_data(as_text=True)
    assert "Groep 5b" in page and "Anna de Vries" in page

    response = post(client, f"/beheer/school/groepen/{group.id}", {
        "name": "5b", "level": "5", "school_year": "2027-2028"})
    assert response.status_code == 302
    group = reload(Group, group.id)
    assert group.school_year == "2027-2028" and group.teachers == []


@pytest.mark.parametrize("data, message", [
    ({"name": "", "level": "3", "school_year": "2026-2027"}, "Vul de naam van de groep in."),
    ({"name": "3", "level": "3", "school_year": "2026-2027"}, "Er is al een groep met deze naam."),
    ({"name": "9", "level": "9", "school_year": "2026-2027"}, "Het leerjaar is een getal van 1 tot en met 8."),
    ({"name": "4", "level": "4", "school_year": "2026-2028"}, "twee opeenvolgende jaren"),
    ({"name": "4", "level": "4", "school_year": "volgend jaar"}, "Schrijf het schooljaar als 2026-2027."),
])
def test_group_form_validates_in_dutch(office, data, message):
    _, client = office
    GroupFactory(name="3", level=3)
    response = post(client, "/beheer/school/groepen/nieuw", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Group)) == 1


def test_group_with_pupils_cannot_be_deleted(office):
    _, client = office
    group = GroupFactory(name="4", level=4)
    ChildFactory(group=group)
    empty = GroupFactory(name="7b", level=7)
    response = post(client, f"/beheer/school/groepen/{group.id}/verwijderen", follow_redirects=True)
    assert "Deze groep heeft nog leerlingen" in response.get_data(as_text=True)
    assert reload(Group, group.id) is not None
    assert post(client, f"/beheer/school/groepen/{empty.id}/verwijderen").status_code == 302
    assert reload(Group, empty.id) is None


# --- pupils ---------------------------------------------------------------------------------------

def test_office_creates_and_edits_a_pupil_with_every_field(office):
    admin, client = office
    group3, group4 = GroupFactory(name="3", level=3), GroupFactory(name="4", level=4)
    response = post(client, "/beheer/school/leerlingen/nieuw", {
        "first_name": "Sam", "last_name": "Jansen", "birth_date": "2019-10-03", "gender": "jongen",
        "group_id": str(group3.id), "student_number": "12345", "street": "Schutkamp", "house_number": "12",
        "postcode": "3851ab", "city": "Ermelo", "phone": "", "email": "", "left_at": ""})
    assert response.status_code == 302
    child = db.session.scalar(select(Child).where(Child.student_number == "12345"))
    assert (child.name, child.group_id, child.postcode, str(child.birth_date)) == \
        ("Sam Jansen", group3.id, "3851 AB", "2019-10-03")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.subject_id == child.id))
    assert entry.actor_id == admin.id and entry.subject_type == "child"

    response = post(client, f"/beheer/school/leerlingen/{child.id}", {
        "first_name": "Sam", "last_name": "Jansen", "birth_date": "2019-10-03", "gender": "jongen",
        "group_id": str(group4.id), "student_number": "12345", "street": "Schutkamp", "house_number": "14",
        "postcode": "3851 AB", "city": "Ermelo"})
    assert response.status_code == 302
    assert reload(Child, child.id).group_id == group4.id
    last = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert last.action == "gewijzigd" and last.fields == ["group", "house_number"]


@pytest.mark.parametrize("field, value, message", [
    ("birth_date", "31-02-2019", "Vul een geldige datum in."),
    ("student_number", "999", "Dit leerlingnummer hoort al bij een andere leerling."),
    ("first_name", "", "Vul de roepnaam in."),
    ("email", "geen-adres", "Vul een geldig e-mailadres in."),
])
def test_pupil_form_refuses_bad_input(office, field, value, message):
    _, client = office
    ChildFactory(student_number="999")
    child = ChildFactory(first_name="Lotte", student_number="1000")
    data = {"first_name": "Lotte", "last_name": child.last_name, "birth_date": "2016-04-21", "gender": "",
            "group_id": str(child.group_id), "student_number": "1000"}
    data[field] = value
    response = post(client, f"/beheer/school/leerlingen/{child.id}", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert reload(Child, child.id).student_number == "1000" and reload(Child, child.id).first_name == "Lotte"


def test_pupil_search_and_filters(office):
    _, client = office
    group3, group6 = GroupFactory(name="3", level=3), GroupFactory(name="6", level=6)
    ChildFactory(first_name="Sam", last_name="Jansen", group=group3, student_number="111")
    ChildFactory(first_name="Lotte", last_name="Jansen", group=group6)
    ChildFactory(first_name="Oud", last_name="Leerling", group=None, left_at=date.today())
    page = client.get("/beheer/school/leerlingen?q=jansen").get_data(as_text=True)
    assert "Sam Jansen" in page and "Lotte Jansen" in page and "Oud Leerling" not in page
    page = client.get(f"/beheer/school/leerlingen?q=jan&groep={group3.id}").get_data(as_text=True)
    assert "Sam Jansen" in page and "Lotte Jansen" not in page
    assert "Sam Jansen" in client.get("/beheer/school/leerlingen?q=111").get_data(as_text=True)
    page = client.get("/beheer/school/leerlingen?status=oud").get_data(as_text=True)
    assert "Oud Leerling" in page and "Sam Jansen" not in page
    # The htmx request gets only the result list.
    fragment = client.get("/beheer/school/leerlingen?q=sam", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="leerlingen-resultaat"') and "<html" not in fragment


def test_list_pages_use_a_bounded_number_of_queries(office):
    _, client = office
    group = GroupFactory(name="3", level=3)
    for _ in range(3):
        child, parents = family(group, parents=2)
        db.session.add(AuditEntry(actor_id=parents[0].id, subject_type="child", subject_id=child.id,
                                  action="gewijzigd", fields=["birth_date"]))
        db.session.add(AuditEntry(actor_id=parents[1].id, subject_type="user", subject_id=parents[1].id,
                                  action="gewijzigd", fields=["email"]))
    db.session.commit()
    few = {url: count_queries(client, url) for url in
           ("/beheer/school/leerlingen", "/beheer/school/personen", "/beheer/school/groepen", "/beheer/school/logboek")}
    for index in range(40):
        child, parents = family(GroupFactory(name=f"x{index}", level=4) if index % 10 == 0 else group, parents=2)
        teacher_of(child.group)
        db.session.add(AuditEntry(actor_id=parents[0].id, subject_type="user", subject_id=parents[0].id,
                                  action="gewijzigd", fields=["email"]))
        db.session.add(AuditEntry(actor_id=parents[1].id, subject_type="child", subject_id=child.id,
                                  action="gewijzigd", fields=["city"]))
    db.session.commit()
    many = {url: count_queries(client, url) for url in few}
    assert many == few


# --- links parent–pupil ---------------------------------------------------------------------------

def test_link_parent_read_only_and_unlink(office):
    admin, client = office
    child = ChildFactory(first_name="Sam")
    mother = ParentFactory(login_name="moeder@example.nl", first_name="Marloes")
    father = ParentFactory(login_name="vader@example.nl", first_name="Peter")
    path = f"/beheer/school/leerlingen/{child.id}/ouders"
    assert post(client, path, {"parent_email": "Moeder@Example.nl"}).status_code == 302
    assert post(client, path, {"parent_email": "vader@example.nl", "read_only": "y"}).status_code == 302
    assert reload(Guardianship, (mother.id, child.id)).read_only is False
    assert reload(Guardianship, (father.id, child.id)).read_only is True

    # The read-only parent sees the child but may not change it; this is the office's switch.
    response = post(client, f"{path}/{father.id}", {"read_only": "0"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'id="ouders"' in response.get_data(as_text=True)
    assert "<html" not in response.get_data(as_text=True)
    assert reload(Guardianship, (father.id, child.id)).read_only is False

    assert post(client, f"{path}/{mother.id}/ontkoppelen").status_code == 302
    assert reload(Guardianship, (mother.id, child.id)) is None
    assert db.session.get(User, mother.id) is not None  # unlinking deletes no account


@pytest.mark.parametrize("email, message", [
    ("onbekend@example.nl", "Er is geen account met dit e-mailadres"),
    ("juf@school.example", "Dit account is van een medewerker"),
    ("al@example.nl", "Deze ouder is al aan deze leerling gekoppeld."),
])
def test_link_parent_refusals(office, email, message):
    _, client = office
    child = ChildFactory()
    TeacherFactory(login_name="juf@school.example")
    GuardianshipFactory(child=child, parent=ParentFactory(login_name="al@example.nl"))
    response = post(client, f"/beheer/school/leerlingen/{child.id}/ouders", {"parent_email": email})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Guardianship)) == 1


def test_link_routes_404_for_a_link_that_does_not_exist(office):
    _, client = office
    child = ChildFactory()
    stranger = ParentFactory()
    assert post(client, f"/beheer/school/leerlingen/{child.id}/ouders/{stranger.id}", {"read_only": "1"}).status_code == 404
    assert post(client, f"/beheer/school/leerlingen/{child.id}/ouders/{stranger.id}/ontkoppelen").status_code == 404


# --- accounts -------------------------------------------------------------------------------------

def test_create_parent_account_sends_activation_mail_through_the_queue(app, office, pipeline):
    admin, client = office
    child = ChildFactory(first_name="Sam")
    response = post(client, f"/beheer/school/personen/nieuw?leerling={child.id}", {
        "login_name": "Nieuwe.Ouder@Example.nl", "first_name": "Nieuwe", "last_name": "Ouder",
        "phone_mobile": "06-11112222", "role": "ouder", "read_only": "y"})
    assert response.status_code == 302 and response.location.endswith(f"/leerlingen/{child.id}#ouders")
    user = db.session.scalar(select(User).where(User.login_name == "nieuwe.ouder@example.nl"))
    assert user.role == Role.PARENT and user.activated_at is None and user.phone_mobile == "06-11112222"
    assert reload(Guardianship, (user.id, child.id)).read_only is True
    assert pipeline.smtp.messages == []  # nothing sent inside the request
    pipeline.drain()
    (received,) = pipeline.smtp.wait_for(1)
    assert received["to"] == ["Nieuwe.Ouder@Example.nl"]
    assert "/activeren/" in mail_text(received["message"])


def test_one_email_address_is_one_account(office):
    _, client = office
    ParentFactory(login_name="gezin@example.nl")
    response = post(client, "/beheer/school/personen/nieuw", {
        "login_name": "GEZIN@example.nl", "first_name": "Tweede", "last_name": "Ouder", "role": "ouder"})
    assert response.status_code == 422
    assert "Eén e-mailadres is één account" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.first_name == "Tweede")) == 0


def test_account_states_and_actions(app, office):
    admin, client = office
    never = ParentFactory(activated_at=None, password=None, first_name="Nooit")
    active = ParentFactory(first_name="Actief")
    page = client.get("/beheer/school/personen").get_data(as_text=True)
    assert "Nooit geactiveerd" in page and "Geactiveerd" in page

    # Resend activation: a new link, earlier ones stop working (inline outbox without Redis).
    from app.auth.services import issue_token

    issue_token(never, "activate", 24)
    db.session.commit()
    assert post(client, f"/beheer/school/personen/{never.id}/activatiemail").status_code == 302
    tokens = db.session.scalars(select(AccountToken).where(AccountToken.user_id == never.id)).all()
    assert len(tokens) == 2 and sum(1 for t in tokens if t.used_at is None) == 1
    refused = post(client, f"/beheer/school/personen/{active.id}/activatiemail", follow_redirects=True)
    assert "al geactiveerd" in refused.get_data(as_text=True)

    # Deactivate: cannot log in, every session ends, nothing deleted.
    parent_client = login_client(app, active)
    assert post(client, f"/beheer/school/personen/{active.id}/deactiveren").status_code == 302
    assert reload(User, active.id).deactivated_at is not None
    assert parent_client.get("/").status_code == 302
    assert Auth(app.test_client()).login(active).status_code == 422
    page = client.get(f"/beheer/school/personen/{active.id}").get_data(as_text=True)
    assert "Gedeactiveerd" in page and "Weer activeren" in page
    assert post(client, f"/beheer/school/personen/{active.id}/heractiveren").status_code == 302
    assert Auth(app.test_client()).login(active).status_code == 302

    # The office cannot lock itself out.
    response = post(client, f"/beheer/school/personen/{admin.id}/deactiveren", follow_redirects=True)
    assert "eigen account niet deactiveren" in response.get_data(as_text=True)
    assert reload(User, admin.id).deactivated_at is None


def test_last_login_is_shown(app, office):
    _, client = office
    parent = ParentFactory()
    login_client(app, parent)
    page = client.get(f"/beheer/school/personen/{parent.id}").get_data(as_text=True)
    assert "Laatst ingelogd" in page and "Nog nooit" not in page


def test_change_login_name_with_notice_to_the_new_and_the_old_address(app, office, pipeline):
    admin, client = office
    parent = ParentFactory(login_name="oud@example.nl", email="nieuw@example.nl")
    form = client.get(f"/beheer/school/personen/{parent.id}/inlognaam").get_data(as_text=True)
    assert 'value="nieuw@example.nl"' in form  # suggests the new contact address
    ParentFactory(login_name="bezet@example.nl")
    taken = post(client, f"/beheer/school/personen/{parent.id}/inlognaam", {"login_name": "bezet@example.nl"})
    assert taken.status_code == 422 and "Er is al een account met dit e-mailadres" in taken.get_data(as_text=True)

    response = post(client, f"/beheer/school/personen/{parent.id}/inlognaam",
                    {"login_name": "Nieuw@Example.nl", "also_contact": "y"})
    assert response.status_code == 302
    assert reload(User, parent.id).login_name == "nieuw@example.nl"
    assert Auth(app.test_client()).login("nieuw@example.nl").status_code == 302
    assert Auth(app.test_client()).login("oud@example.nl").status_code == 422
    pipeline.drain()
    received = pipeline.smtp.wait_for(2)  # the new address, and the old one in case it was not asked for
    assert sorted(m["to"][0] for m in received) == ["nieuw@example.nl", "oud@example.nl"]
    assert all("Uw nieuwe inlognaam is: nieuw@example.nl" in mail_text(m["message"]) for m in received)


def test_office_edits_personal_data_and_it_is_audited(office):
    admin, client = office
    parent = ParentFactory(first_name="Marloes", last_name="Jansen")
    response = post(client, f"/beheer/school/personen/{parent.id}", {
        "first_name": "Marloes", "last_name": "Jansen-de Vries", "email": parent.email,
        "phone_mobile": "06-12345678", "postcode": "3851ab"})
    assert response.status_code == 302
    parent = reload(User, parent.id)
    assert parent.last_name == "Jansen-de Vries" and parent.postcode == "3851 AB"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.subject_id == parent.id))
    assert entry.actor_id == admin.id
    assert set(entry.fields) == {"last_name", "phone_mobile", "postcode"}
    assert "06-12345678" not in str(entry.fields)  # names of fields, never values


def test_people_search(office):
    _, client = office
    ParentFactory(first_name="Marloes", last_name="Jansen", login_name="m.jansen@example.nl")
    TeacherFactory(first_name="Anna", last_name="de Vries")
    page = client.get("/beheer/school/personen?q=marloes+jansen").get_data(as_text=True)
    assert "Marloes Jansen" in page and "Anna de Vries" not in page
    page = client.get("/beheer/school/personen?rol=leerkracht").get_data(as_text=True)
    assert "Anna de Vries" in page and "Marloes Jansen" not in page
    assert "Marloes Jansen" in client.get("/beheer/school/personen?q=m.jansen@").get_data(as_text=True)


# --- settings and the audit log -------------------------------------------------------------------

def test_settings_change_school_name_contact_and_modules(app, office, pipeline):
    admin, client = office
    page = client.get("/beheer/school/instellingen").get_data(as_text=True)
    assert 'name="modules" type="checkbox" value="resultaten"' in page
    assert 'value="resultaten" checked' not in page  # Resultaten off for this school
    response = post(client, "/beheer/school/instellingen", {
        "name": "CBS De Testschool", "address": "Schoolstraat 1", "postcode_city": "3851 AA Ermelo",
        "phone": "0341-123456", "email": "info@testschool.example", "website": "https://testschool.example",
        "modules": ["resultaten"]})
    assert response.status_code == 302
    from app.settings import module_enabled

    assert module_enabled("resultaten") is True
    home = ParentFactory()
    page = login_client(app, home).get("/").get_data(as_text=True)
    assert "CBS De Testschool" in page and "0341-123456" in page and "info@testschool.example" in page

    # Mails carry the name too.
    from tests.fixtures.users import create_account

    create_account("nieuw@example.nl", "Nieuw", "Ouder")
    pipeline.drain()
    (received,) = pipeline.smtp.wait_for(1)
    assert "CBS De Testschool" in received["message"]["Subject"]
    assert "CBS De Testschool" in mail_text(received["message"])
    html = received["message"].get_body(preferencelist=("html",)).get_content()
    assert "0341-123456" in html

    bad = post(client, "/beheer/school/instellingen", {"name": "", "website": "testschool"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Vul de naam van de school in." in text and "Begin de website met https://" in text


def test_audit_log_shows_staff_and_parents_own_edits(app, office):
    admin, client = office
    child, (parent,) = family(GroupFactory(name="3", level=3), first_name="Sam")
    from app.audit import record_change

    record_change(parent, "user", parent.id, "gewijzigd", ["phone_mobile"])
    record_change(parent, "child", child.id, "gewijzigd", ["birth_date"])
    record_change(admin, "user", parent.id, "gedeactiveerd", ["deactivated_at"])
    db.session.commit()
    page = client.get("/beheer/school/logboek").get_data(as_text=True)
    assert "mobiel nummer" in page and "geboortedatum" in page and ">zelf<" in page
    assert str(escape(parent.name)) in page and "Sam" in page  # as HTML shows it ("d'Heripon")
    only_child = client.get(f"/beheer/school/logboek?soort=child&id={child.id}").get_data(as_text=True)
    assert "geboortedatum" in only_child and "mobiel nummer" not in only_child
    # Never for teachers or parents.
    teacher = teacher_of(child.group)
    assert login_client(app, teacher).get("/beheer/school/logboek").status_code == 403
    assert login_client(app, parent).get("/beheer/school/logboek").status_code == 403


# --- demo data ------------------------------------------------------------------------------------

def test_demo_data_shows_every_account_state_and_is_idempotent(app):
    from app.admin.services import account_state
    from app.demo import run_demo
    from app.settings import module_enabled, school_details

    run_demo(echo=lambda *_: None)
    counts = {m.__name__: db.session.scalar(select(func.count()).select_from(m))
              for m in (User, Child, AuditEntry, AccountToken, Guardianship)}
    run_demo(echo=lambda *_: None)
    assert {m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (User, Child, AuditEntry, AccountToken, Guardianship)} == counts
    states = {account_state(user)[0] for user in db.session.scalars(select(User))}
    assert {"geactiveerd", "nooit-geactiveerd", "gedeactiveerd"} <= states
    assert school_details()["phone"] and not module_enabled("resultaten")
    numbers = list(db.session.scalars(select(Child.student_number)))
    assert None not in numbers and len(set(numbers)) == len(numbers)
    assert db.session.scalar(select(func.count()).select_from(Child).where(Child.left_at.is_not(None))) >= 1
    office = login_client(app, "beheer@schutkampen.example", "Demo!2026")
    page = office.get("/beheer/school/personen?status=nooit-geactiveerd").get_data(as_text=True)
    assert "Yvonne Willemsen" in page
    assert "0341-123456" in page  # the school's contact details in the footer

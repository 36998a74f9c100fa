"""Input rules (issue 12): every form message in Dutch, no NUL byte or line break where it
does not belong, no number too large for the database, no attribute rendered as "None".

The fuzz over every route is tests/test_input_fuzz.py; these are the rules one by one.
"""
import io
import json

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import SelectFieldBase

from app.people.forms import privacy_form
from app.extensions import db
from app.forms import DUTCH, FLASK_WTF_CSRF, PortalForm, is_single_line
from app.models import AgendaItem, Message, NewsItem, User
from app.privacy import CHILD_FIELDS, PARENT_FIELDS
from app.request_input import MAX_ID
from tests.fixtures.users import csrf_from
from tests.content_helpers import post_form, text_of
from tests.factories import AdminFactory, GroupFactory, ParentFactory, family, teacher_of
from tests.input_fuzz import ENGLISH, english_in

# What a person (or a script) might put in any field.
BAD_VALUES = ["", "   ", "abc", "-1", "0", "12", "2026-13-45", "31-02-2027", "25:99", str(2**31), str(10**30),
              "x" * 100_000, "a\r\nb", "a\u2028b", "é€😀"]


def all_form_classes():
    """Every form class of the app: the subclasses of FlaskForm the app's modules define,
    and those its factories make."""
    made = [privacy_form(PARENT_FIELDS, {}), privacy_form(CHILD_FIELDS, {})]
    found, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    classes = {cls for cls in found if cls.__module__.startswith("app.")} | set(made)
    return sorted(classes, key=lambda cls: (cls.__module__, cls.__qualname__))


@pytest.fixture
def form_classes(app):
    classes = all_form_classes()
    assert len(classes) >= 40  # the app's forms were imported (create_app imports every blueprint)
    return classes


def test_every_form_derives_from_the_portal_form(form_classes):
    # One base gives every form the Dutch messages and the single-line rule.
    strays = [f"{cls.__module__}.{cls.__qualname__}" for cls in form_classes
              if not issubclass(cls, PortalForm) and cls is not PortalForm]
    assert not strays


def test_every_wtforms_message_has_portal_dutch():
    # Read from the installed WTForms and Flask-WTF: an upgrade that adds a message fails here.
    missing = [message for message in ENGLISH if message not in DUTCH and message not in FLASK_WTF_CSRF]
    assert not missing
    for english, dutch in DUTCH.items():
        assert dutch != english and not english_in(dutch), english


def _errors(form):
    for messages in form.errors.values():
        for message in messages:
            yield message if isinstance(message, str) else str(message)
    yield from form.form_errors


def _fill(form, value):
    """Formdata with `value` in every field (for a choice field also as a list item)."""
    data = MultiDict()
    for field in form:
        data.add(field.name, value)
    return data


def _ints_in(data):
    if isinstance(data, bool):
        return []
    if isinstance(data, int):
        return [data]
    if isinstance(data, (list, tuple, set)):
        return [item for item in data if isinstance(item, int) and not isinstance(item, bool)]
    return []


def test_no_field_of_any_form_answers_in_english_or_keeps_a_line_break_or_a_huge_number(app, form_classes):
    """Every form, every field, each bad value: every message Dutch; a single-line field
    never holds a line break afterwards; a field that validated holds no number beyond
    the database's integer."""
    problems = []
    for cls in form_classes:
        name = f"{cls.__module__}.{cls.__qualname__}"
        for value in BAD_VALUES + [None]:
            with app.test_request_context("/", method="POST"):
                empty = cls(formdata=None, meta={"csrf": False})
                formdata = MultiDict() if value is None else _fill(empty, value)
                # With CSRF on and no token too: the (unreachable, CSRFProtect comes first) message.
                form = cls(formdata=formdata, meta={"csrf": value is None})
                for field in form:
                    if isinstance(field, SelectFieldBase) and getattr(field, "choices", None) is None:
                        field.choices = []  # the views fill them; an empty list is the strictest case
                form.validate()
                for message in _errors(form):
                    english = english_in(message)
                    if english or not message.strip():
                        problems.append(f"{name} with {str(value)[:20]!r}: {message!r}")
                for field in form:
                    if is_single_line(field) and isinstance(field.data, str) and any(
                            c in field.data for c in "\r\n\u2028"):
                        problems.append(f"{name}.{field.name}: a line break stayed in {field.data[:20]!r}")
                    if not field.errors and any(abs(n) > MAX_ID for n in _ints_in(field.data)):
                        problems.append(f"{name}.{field.name}: accepted {str(value)[:20]} as a number")
    assert not problems, "\n".join(problems[:50])


@pytest.mark.parametrize("message, expected", [
    ("Not a valid date value.", "Vul een geldige datum in, bijvoorbeeld 12-03-2027."),
    ("Not a valid time value.", "Vul een geldige tijd in, bijvoorbeeld 08:30."),
    ("Invalid Choice: could not coerce.", "Kies een van de mogelijkheden uit de lijst."),
    ("This field is required.", "Vul dit veld in."),
])
def test_the_messages_a_school_saw_in_english(app, message, expected):
    assert DUTCH[message] == expected


# --- through the real routes ---------------------------------------------------------------------

@pytest.fixture
def school(app):
    group = GroupFactory(name="3", level=3)
    child, (parent,) = family(group)
    return {"group": group, "child": child, "parent": parent, "teacher": teacher_of(group),
            "office": AdminFactory()}


def test_a_date_in_dutch_order_is_read_and_a_bad_one_is_refused_in_dutch(school, login_as):
    client = login_as(school["office"])
    data = {"title": "Sportdag", "date": "12-03-2027", "school_wide": "y"}
    assert post_form(client, "/beheer/agenda/nieuw", data).status_code == 302
    assert db.session.scalar(select(AgendaItem)).date.isoformat() == "2027-03-12"
    response = post_form(client, "/beheer/agenda/nieuw", {**data, "date": "32-13-2027", "start_time": "8 uur"})
    assert response.status_code == 422
    page = text_of(response)
    assert "Vul een geldige datum in" in page and "Vul een geldige tijd in, bijvoorbeeld 08:30." in page
    assert not english_in(page)


def test_a_choice_that_is_not_a_number_is_refused_in_dutch(school, login_as):
    client = login_as(school["office"])
    response = post_form(client, "/beheer/school/leerlingen/nieuw",
                         {"first_name": "Sam", "last_name": "Jansen", "group_id": "drie", "gender": ""})
    assert response.status_code == 422
    page = text_of(response)
    assert "Kies een van de mogelijkheden uit de lijst." in page
    assert "could not coerce" not in page


@pytest.mark.parametrize("path, field, data", [
    ("/beheer/nieuws/nieuw", "title", {"body": "Tekst", "published_at": "2026-02-02T08:00", "school_wide": "y"}),
    ("/beheer/agenda/nieuw", "title", {"date": "2027-03-12", "school_wide": "y", "location": "Aula\nZaal 2"}),
])
def test_a_line_break_in_a_title_becomes_a_space(school, login_as, path, field, data):
    client = login_as(school["office"])
    response = post_form(client, path, {**data, field: "Sportdag\r\nBcc: iemand@example.com\n\n"})
    assert response.status_code == 302, text_of(response)[:500]
    model = NewsItem if "nieuws" in path else AgendaItem
    item = db.session.scalar(select(model))
    assert item.title == "Sportdag Bcc: iemand@example.com"
    if model is AgendaItem:
        assert item.location == "Aula Zaal 2"


def test_a_line_break_in_a_name_becomes_a_space_but_a_text_keeps_its_lines(school, login_as):
    parent = school["parent"]
    client = login_as(parent)
    response = post_form(client, "/account/gegevens/wijzigen", {
        "first_name": "Marloes\r\n", "last_name": "van\nDijk", "postcode": "", "city": "Zwolle\u2028"})
    assert response.status_code in (302, 303), text_of(response)[:500]
    db.session.expire_all()
    user = db.session.get(User, parent.id)
    assert (user.first_name, user.last_name, user.city) == ("Marloes", "van Dijk", "Zwolle")
    # A message's text is several lines and stays so.
    office = login_as(school["office"])
    assert post_form(office, "/beheer/berichten/nieuw",
                     {"title": "Titel", "text": "Regel een\r\nRegel twee", "school_wide": "y"}).status_code == 302
    assert db.session.scalar(select(Message)).text.splitlines() == ["Regel een", "Regel twee"]


# --- NUL bytes ---------------------------------------------------------------------------------

def _is_invalid_character_page(response):
    page = text_of(response)
    return response.status_code == 400 and "<title>Ongeldig teken" in page and "nul-teken" in page


def test_a_nul_byte_anywhere_is_refused_with_the_dutch_page_and_changes_nothing(school, login_as, client):
    parent = school["parent"]
    assert _is_invalid_character_page(client.get("/login?next=/%00"))
    assert _is_invalid_character_page(client.get("/activeren/abc%00def"))
    assert _is_invalid_character_page(client.get("/static/css/%00.css"))
    user_client = login_as(parent)
    page = "/account/gegevens/wijzigen"
    good = {"first_name": "Marloes", "last_name": "Jansen"}
    for data in ({**good, "first_name": "Mar\x00loes"}, {**good, "veld\x00": "x"}):
        assert _is_invalid_character_page(post_form(user_client, page, data))
    token = csrf_from(user_client.get(page).get_data(as_text=True))
    upload = user_client.post("/account/foto", data={"csrf_token": token, "photo": (io.BytesIO(b"x"), "a\x00.png")},
                              content_type="multipart/form-data")
    assert _is_invalid_character_page(upload)
    as_json = user_client.post(page, data=json.dumps({**good, "first_name": "A\u0000"}),
                               headers={"X-CSRFToken": token}, content_type="application/json")
    assert _is_invalid_character_page(as_json)
    db.session.expire_all()
    assert db.session.get(User, parent.id).first_name == parent.first_name


# --- numbers too large for the database ------------------------------------------------------------

@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_an_id_beyond_the_database_is_a_dutch_404(school, login_as, number):
    client = login_as(school["parent"])
    for path in (f"/nieuws/{number}", f"/kinderen/{number}", f"/fotoalbums/1/foto/{number}"):
        response = client.get(path)
        assert response.status_code == 404 and "Pagina niet gevonden" in text_of(response), path
    office = login_as(school["office"])
    assert office.get(f"/beheer/school/personen/{number}").status_code == 404


def test_the_largest_id_the_database_holds_is_still_looked_up(school, login_as):
    client = login_as(school["parent"])
    assert client.get(f"/nieuws/{MAX_ID}").status_code == 404
    assert client.get(f"/kinderen/{school['child'].id}").status_code == 200


@pytest.mark.parametrize("value", [str(2**31), str(10**30), "-5", "twee"])
def test_page_numbers_and_ids_in_the_query_string_beyond_the_database_are_ignored(school, login_as, value):
    parent = login_as(school["parent"])
    for path in ("/nieuws/", "/agenda/", "/berichten", "/fotoalbums"):
        assert parent.get(f"{path}?pagina={value}").status_code == 200, path
    office = login_as(school["office"])
    for path in ("/beheer/school/leerlingen", "/beheer/school/personen", "/beheer/school/logboek",
                 "/beheer/documenten/", "/beheer/berichten", "/beheer/fotoalbums"):
        response = office.get(f"{path}?pagina={value}&groep={value}&id={value}&soort=user")
        assert response.status_code == 200, path
    assert office.get(f"/beheer/school/personen/nieuw?leerling={value}").status_code == 200


def test_a_group_id_beyond_the_database_in_an_audience_is_refused_in_dutch(school, login_as):
    client = login_as(school["teacher"])
    response = post_form(client, "/beheer/nieuws/nieuw", {
        "title": "Nieuws", "body": "Tekst", "published_at": "2026-02-02T08:00", "groups": str(10**30)})
    assert response.status_code == 422
    assert "Kies een groep uit de lijst." in text_of(response)
    assert db.session.scalar(select(NewsItem)) is None


# --- rendering -------------------------------------------------------------------------------------

def test_no_attribute_is_rendered_as_none(school, login_as):
    office = login_as(school["office"])
    other = ParentFactory()
    for path in (f"/beheer/school/personen/{other.id}/wissen", f"/beheer/school/personen/{other.id}/inlognaam",
                 "/beheer/school/personen/nieuw", f"/beheer/school/leerlingen/{school['child'].id}"):
        page = text_of(office.get(path))
        assert 'aria-describedby="None"' not in page and '="None"' not in page, path
    # With an error the checkbox points at it.
    response = post_form(office, f"/beheer/school/personen/{other.id}/wissen", {})
    assert 'aria-describedby="confirm-error"' in text_of(response)

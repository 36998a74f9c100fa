"""Dutch names: one display ("Jip van Dam") and one order (on the main surname: "'t Hart" under
H, "van den Berg" under B) on every page that lists people, as a user sees them; on SQLite and
PostgreSQL, whose collations differ."""
import csv
import html
import io
import re

import pytest
from markupsafe import escape
from sqlalchemy import inspect, text

from app.extensions import db
from app.models import User
from app.names import display_name, normalise_surname, sort_key, split_surname
from tests.fixtures.users import csrf_from, login_client
from tests.factories import (
    AdminFactory,
    ChildFactory,
    GroupFactory,
    GuardianshipFactory,
    MessageFactory,
    ParentFactory,
    teacher_of,
)
from tests.meetings_data import make_round

# (pupil, parent first name, surname as stored: typed by hand, so "Van Dam" with a capital)
CLASS = [("Daan", "Karin", "de Vries"), ("Jip", "Ruud", "Van Dam"), ("Eva", "Ayşe", "Öztürk"),
         ("Anna", "Tom", "'t Hart"), ("Sem", "Els", "Bergen"), ("Zoë", "Lex", "Berg"),
         ("Bo", "Ida", "van den Berg"), ("Mila", "Noor", "Bakker")]
PUPILS_IN_ORDER = ["Mila Bakker", "Bo van den Berg", "Zoë Berg", "Sem Bergen", "Jip van Dam", "Anna 't Hart",
                   "Eva Öztürk", "Daan de Vries"]
PARENTS_IN_ORDER = ["Noor Bakker", "Ida van den Berg", "Lex Berg", "Els Bergen", "Ruud van Dam", "Tom 't Hart",
                    "Ayşe Öztürk", "Karin de Vries"]


# --- the rules ---------------------------------------------------------------------------------

@pytest.mark.parametrize("first, last, shown, surname_alone", [
    ("Jip", "Van Dam", "Jip van Dam", "Van Dam"),
    ("Jip", "van dam", "Jip van dam", "Van dam"),
    ("Anna", "'t Hart", "Anna 't Hart", "'t Hart"),
    ("Anna", "’t Hart", "Anna 't Hart", "'t Hart"),      # typographic apostrophe
    ("Anna", "t Hart", "Anna 't Hart", "'t Hart"),       # Excel ate the apostrophe
    ("Bo", "Van Den Berg", "Bo van den Berg", "Van den Berg"),
    ("Kees", "In 'T Veld", "Kees in 't Veld", "In 't Veld"),
    ("Lies", "Op De Beeck", "Lies op de Beeck", "Op de Beeck"),
    ("Mila", "Jansen-Van Dijk", "Mila Jansen-van Dijk", "Jansen-van Dijk"),
    ("Ruud", "Dekker", "Ruud Dekker", "Dekker"),          # "De" of Dekker is no particle
    ("Ruud", "Van", "Ruud Van", "Van"),                   # a surname that is only a particle
    ("Yara", "El Amrani", "Yara El Amrani", "El Amrani"),  # foreign particles stay as registered
    ("Luca", "Di Stefano", "Luca Di Stefano", "Di Stefano"),
    ("Jip", "  Van   Dam ", "Jip van Dam", "Van Dam"),
])
def test_display_name_puts_the_particle_in_lower_case_after_a_first_name(first, last, shown, surname_alone):
    assert display_name(first, last) == shown
    assert display_name("", last) == surname_alone


@pytest.mark.parametrize("last, particle, main", [
    ("van den Berg", "van den", "Berg"), ("'t Hart", "'t", "Hart"), ("Bakker", "", "Bakker"),
    ("de la Rosa", "de", "la Rosa"), ("Van Der Meer", "van der", "Meer"), ("ter Horst", "ter", "Horst"),
])
def test_split_surname(last, particle, main):
    assert split_surname(last) == (particle, main)
    assert normalise_surname(last) == (f"{particle} {main}" if particle else main)


def test_sort_key_orders_on_the_main_surname_then_first_name_then_particle():
    people = [("Daan", "de Vries"), ("Zoë", "Berg"), ("Anna", "Bergen"), ("Bob", "Berg-Jansen"),
              ("Anna", "van den Berg"), ("Anna", "Berg"), ("Tom", "'t Hart"), ("Ida", "Haan"),
              ("Ayşe", "Öztürk"), ("Jan", "Oud"), ("Piet", "van Aken")]
    ordered = [display_name(*p) for p in sorted(people, key=lambda p: sort_key(*p))]
    assert ordered == ["Piet van Aken", "Anna Berg", "Anna van den Berg", "Zoë Berg", "Bob Berg-Jansen",
                       "Anna Bergen", "Ida Haan", "Tom 't Hart", "Jan Oud", "Ayşe Öztürk", "Daan de Vries"]
    assert sort_key("Jip", "Van Dam") == sort_key("Jip", "van Dam") == "dam jip van"
    assert sort_key("", "", "Zz@Example.nl") == "zz-example-nl"


# --- the stored key ------------------------------------------------------------------------------

def test_the_stored_key_follows_every_write_of_a_name(app):
    child = ChildFactory(first_name="Jip", last_name="Van Dam")
    parent = ParentFactory(first_name="", last_name="", login_name="zonder.naam@example.nl")
    assert (child.sort_name, parent.sort_name) == ("dam jip van", "zonder-naam-example-nl")
    child.last_name = "'t Hart"
    parent.first_name, parent.last_name = "Ida", "van den Berg"
    db.session.commit()
    db.session.expire_all()
    stored = db.session.execute(text("SELECT sort_name FROM children")).scalar()
    assert stored == "hart jip t"
    assert db.session.get(User, parent.id).sort_name == "berg ida van-den"


@pytest.mark.postgres_only
def test_sort_keys_compare_byte_by_byte_in_postgresql_too(app):
    """A language collation ignores spaces ('berg zoe' after 'bergen anna'); the column is "C"."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite compares bytes anyway; deselected on SQLite runs")
    for table in ("users", "children"):
        collation = db.session.execute(text(
            "SELECT collation_name FROM information_schema.columns WHERE table_name = :t AND column_name = 'sort_name'"
        ), {"t": table}).scalar()
        assert collation == "C", table
    assert {ix["name"] for ix in inspect(db.engine).get_indexes("children")} >= {"ix_children_sort_name"}


# --- lists as a user sees them --------------------------------------------------------------------

@pytest.fixture
def klas(app):
    group = GroupFactory(name="3", level=3, school_year="2026-2027")
    teachers = [teacher_of(group, first_name="Anna", last_name="Aarts"),
                teacher_of(group, first_name="Wim", last_name="Van Aalst")]
    pupils, parents = {}, {}
    for first, parent_first, last in CLASS:
        pupils[first] = ChildFactory(first_name=first, last_name=last, group=group)
        parents[first] = ParentFactory(first_name=parent_first, last_name=last,
                                       login_name=f"{parent_first.lower()}@example.nl")
        GuardianshipFactory(parent=parents[first], child=pupils[first])
    return {"group": group, "teachers": teachers, "pupils": pupils, "parents": parents,
            "office": login_client(app, AdminFactory(first_name="Karin", last_name="Administratie"))}


def names_in(page, pattern):
    return [html.unescape(re.sub(r"<[^>]+>", "", name)).strip() for name in re.findall(pattern, page, re.S)]


def between(page, start, end):
    return page.split(start, 1)[1].split(end, 1)[0]


def test_groepen_group_page(app, klas):
    client = login_client(app, klas["parents"]["Jip"])
    page = client.get(f"/groepen/{klas['group'].id}").get_data(as_text=True)
    assert names_in(between(page, 'id="leerkrachten-kop"', "</section>"), r'<h3 class="person-name">(.*?)</h3>') == \
        ["Wim van Aalst", "Anna Aarts"]
    assert names_in(between(page, 'id="leerlingen-kop"', "</section>"), r'<h3 class="person-name">(.*?)</h3>') == \
        PUPILS_IN_ORDER
    assert "Van Dam" not in page


def test_beheer_pupils_people_and_group_page(klas):
    office = klas["office"]
    page = office.get("/beheer/school/leerlingen").get_data(as_text=True)
    assert names_in(page, r'<th scope="row" data-label="Naam">(.*?)</th>') == PUPILS_IN_ORDER
    assert "Ruud van Dam" in page and "Van Dam" not in page  # the parents' column too
    page = office.get("/beheer/school/personen?rol=ouder").get_data(as_text=True)
    assert names_in(page, r'<th scope="row" data-label="Naam">(.*?)</th>') == PARENTS_IN_ORDER
    page = office.get(f"/beheer/school/groepen/{klas['group'].id}").get_data(as_text=True)
    assert names_in(between(page, 'id="leerlingen-kop"', "</ul>"), r"<li>(.*?)</li>") == PUPILS_IN_ORDER
    page = office.get("/beheer/school/groepen").get_data(as_text=True)
    assert names_in(between(page, 'data-label="Leerkrachten"', "</td>"), r"<a [^>]*>(.*?)</a>") == \
        ["Wim van Aalst", "Anna Aarts"]


def test_a_renamed_pupil_moves_in_the_list(klas):
    office = klas["office"]
    mila = klas["pupils"]["Mila"]
    token = csrf_from(office.get(f"/beheer/school/leerlingen/{mila.id}").get_data(as_text=True))
    response = office.post(f"/beheer/school/leerlingen/{mila.id}", data={
        "csrf_token": token, "first_name": "Mila", "last_name": "Van Der Zee", "birth_date": "2019-05-17",
        "gender": "", "group_id": str(klas["group"].id), "student_number": ""})
    assert response.status_code == 302
    page = office.get("/beheer/school/leerlingen").get_data(as_text=True)
    assert names_in(page, r'<th scope="row" data-label="Naam">(.*?)</th>') == PUPILS_IN_ORDER[1:] + ["Mila van der Zee"]


def test_beheer_lists_sort_in_the_database_across_pages(app):
    """50 per page: the order is the database's, so page 1 and 2 continue each other."""
    group = GroupFactory(name="5", level=5)
    for n in range(50):
        ChildFactory(first_name=f"Kind{n:02d}", last_name="Jansen", group=group)
    ChildFactory(first_name="Piet", last_name="van Aken", group=group)   # under A, first
    ChildFactory(first_name="Zoë", last_name="'t Zand", group=group)     # under Z, last
    office = login_client(app, AdminFactory())
    first = names_in(office.get("/beheer/school/leerlingen").get_data(as_text=True),
                     r'<th scope="row" data-label="Naam">(.*?)</th>')
    second = names_in(office.get("/beheer/school/leerlingen?pagina=2").get_data(as_text=True),
                      r'<th scope="row" data-label="Naam">(.*?)</th>')
    assert first[:2] == ["Piet van Aken", "Kind00 Jansen"] and len(first) == 50
    assert second == ["Kind49 Jansen", "Zoë 't Zand"]


def test_meeting_planning_its_export_and_print(app, klas):
    round_ = make_round(klas["group"], invite=list(klas["pupils"].values()))
    client = login_client(app, klas["teachers"][0])
    rows = list(csv.reader(io.StringIO(
        client.get(f"/beheer/oudergesprekken/{round_.id}/planning.csv").get_data(as_text=True).lstrip("\ufeff")),
        delimiter=";"))
    assert [row[3] for row in rows if row[4] == "Nog geen tijd"] == PUPILS_IN_ORDER
    planning = client.get(f"/beheer/oudergesprekken/{round_.id}/planning").get_data(as_text=True)
    shown = [name for name in PUPILS_IN_ORDER if str(escape(name)) in planning]
    assert shown == PUPILS_IN_ORDER
    positions = [planning.find(str(escape(name))) for name in PUPILS_IN_ORDER]
    assert positions == sorted(positions)
    printed = client.get(f"/beheer/oudergesprekken/{round_.id}/afdrukken").get_data(as_text=True)
    assert names_in(printed.split("</table>", 1)[1], r"<li>(.*?)</li>")[:8] == PUPILS_IN_ORDER
    invitations = client.get(f"/beheer/oudergesprekken/{round_.id}").get_data(as_text=True)
    positions = [invitations.find(str(escape(name))) for name in PUPILS_IN_ORDER]
    assert -1 not in positions and positions == sorted(positions)


def test_who_read_a_message_and_who_did_not(app, klas):
    message = MessageFactory(groups=[klas["group"]], title="Schoolreis")
    for first in ("Jip", "Anna", "Bo", "Mila"):
        assert login_client(app, klas["parents"][first]).get(f"/berichten/{message.id}").status_code == 200
    page = klas["office"].get(f"/beheer/berichten/{message.id}").get_data(as_text=True)
    read = names_in(between(page, 'class="plain-list read-list"', "</ul>"), r"<li>(.*?)<span")
    unread = names_in(between(page, 'class="plain-list unread-list"', "</ul>"), r"<li>(.*?)</li>")
    assert read == ["Noor Bakker", "Ida van den Berg", "Ruud van Dam", "Tom 't Hart"]
    assert unread == ["Lex Berg", "Els Bergen", "Ayşe Öztürk", "Karin de Vries"]


def test_beheer_notes_pupil_choice(app, klas):
    page = login_client(app, klas["teachers"][0]).get("/beheer/notities/").get_data(as_text=True)
    options = names_in(between(page, "<optgroup", "</optgroup>"), r"<option [^>]*>(.*?)</option>")
    assert options == PUPILS_IN_ORDER


def test_school_year_preview(klas):
    GroupFactory(name="4", level=4, school_year="2026-2027")
    page = klas["office"].get("/beheer/school/nieuw-schooljaar").get_data(as_text=True)
    assert names_in(between(page, "Namen<span", "</ul>"), r"<li>(.*?)</li>") == PUPILS_IN_ORDER


def test_sort_names_command_repairs_keys_written_around_the_orm(app):
    child = ChildFactory(first_name="Jip", last_name="van Dam")
    db.session.execute(text("UPDATE children SET last_name = 't Hart', sort_name = 'stale'"))  # a Core write
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["sort-names"])
    assert "sort-names: 1 sorteersleutels bijgewerkt." in result.output
    db.session.expire_all()
    assert db.session.execute(text("SELECT sort_name FROM children")).scalar() == "hart jip t"
    assert child.id

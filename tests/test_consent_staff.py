"""Beheer › Toestemming: the overview per group (page and CSV), the yearly request and the
office's purposes (adding, rewording = a new version, years, order, deleting)."""
import csv
import io
import re
from html import unescape

import pytest
from sqlalchemy import func, insert, select

from app import clock
from app.extensions import db
from app.models import (
    ALBUMS_PURPOSE, AuditEntry, ConsentAnswer, ConsentPurpose, ConsentPurposeVersion, ConsentRequest,
    consent_purpose_years,
)
from app.privacy.consent import save_answer
from tests.factories import AdminFactory, GroupFactory, family, teacher_of
from tests.fixtures.queries import count_queries
from tests.fixtures.users import csrf_from

PURPOSES = "/beheer/toestemming/doelen"


def this_year():
    return clock.school_year()


def next_year():
    start = int(this_year()[:4]) + 1
    return f"{start}-{start + 1}"


def make_purpose(name, explanation="Uitleg.", years=None, code=None, position=0):
    """A purpose with its first version, asked in `years` (this school year by default)."""
    purpose = ConsentPurpose(code=code, position=position)
    purpose.versions.append(ConsentPurposeVersion(number=1, name=name, explanation=explanation))
    db.session.add(purpose)
    db.session.flush()
    for year in (this_year(),) if years is None else years:
        db.session.execute(insert(consent_purpose_years).values(purpose_id=purpose.id, school_year=year))
    db.session.commit()
    return purpose


def post(client, url, data=None, page=PURPOSES):
    data = dict(data or {})
    data["csrf_token"] = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data=data)


def text(response):
    """The page as a person reads it: tags gone, spaces folded."""
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(unescape(body).split())


def cells(response):
    """{pupil name: [cell text per purpose]} from the overview table."""
    html = response.get_data(as_text=True)
    body = html.split('<table class="consent-table">', 1)[1].split("</table>", 1)[0]
    result = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S):
        heading = re.search(r"<th[^>]*>(.*?)</th>", row, re.S).group(1)
        name = " ".join(unescape(re.sub(r"<[^>]+>", " ", heading)).split())
        result[name] = [" ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())
                        for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
    return result


def csv_rows(response):
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


@pytest.fixture
def school(app):
    """Group 3 with a teacher and three pupils (two parents for Bram), group 5 with one pupil;
    the albums purpose and "Website van de school" asked this year. Fixed, unusual names."""
    group3, group5 = GroupFactory(name="3", sort_order=3), GroupFactory(name="5", sort_order=5)
    bram, (bram_mum, bram_dad) = family(group3, parents=2, first_name="Bramwald", last_name="Quist")
    bram_mum.first_name, bram_dad.first_name = "Ottilie", "Reinout"
    cato, (cato_parent,) = family(group3, first_name="Catootje", last_name="Quist")
    dirk, _ = family(group3, first_name="Dirkjan", last_name="Quist")
    eva, (eva_parent,) = family(group5, first_name="Evalien", last_name="Zwaantje")
    db.session.commit()
    albums = make_purpose("Foto's in de fotoalbums", code=ALBUMS_PURPOSE, position=0)
    website = make_purpose("Website van de school", position=1)
    return {
        "group3": group3, "group5": group5, "teacher": teacher_of(group3), "admin": AdminFactory(),
        "bram": bram, "bram_mum": bram_mum, "bram_dad": bram_dad, "cato": cato, "cato_parent": cato_parent,
        "dirk": dirk, "eva": eva, "eva_parent": eva_parent, "albums": albums, "website": website,
    }


# --- access --------------------------------------------------------------------------------

def test_parents_reach_none_of_it(school, login_as):
    client = login_as(school["bram_mum"])
    for path in ("/beheer/toestemming", f"/beheer/toestemming/groep/{school['group3'].id}.csv", PURPOSES,
                 f"{PURPOSES}/{school['albums'].id}"):
        assert client.get(path).status_code == 403, path


def test_a_teacher_sees_only_their_own_groups(school, login_as):
    client = login_as(school["teacher"])
    page = client.get("/beheer/toestemming")
    assert page.status_code == 200
    assert "Bramwald Quist" in text(page) and "Evalien" not in text(page)
    assert "Toestemming vragen voor schooljaar" not in text(page)  # the office's button
    assert client.get(f"/beheer/toestemming?groep={school['group5'].id}").status_code == 404
    assert client.get(f"/beheer/toestemming/groep/{school['group5'].id}.csv").status_code == 404
    assert client.get("/beheer/toestemming?groep=99999999999").status_code == 200  # not a number: the default
    assert client.get(PURPOSES).status_code == 403
    assert post(client, "/beheer/toestemming/vragen", page="/beheer/toestemming").status_code == 403
    assert post(client, PURPOSES, {"name": "Nieuwsbrief"}, page="/beheer/toestemming").status_code == 403
    assert db.session.scalar(select(func.count(ConsentPurpose.id))) == 2


def test_the_office_sees_every_group(school, login_as):
    client = login_as(school["admin"])
    page = client.get(f"/beheer/toestemming?groep={school['group5'].id}")
    assert "Evalien Zwaantje" in text(page) and "Bramwald" not in text(page)
    assert 'value="%d"' % school["group3"].id in page.get_data(as_text=True)  # the group chooser
    assert client.get(f"/beheer/toestemming/groep/{school['group3'].id}.csv").status_code == 200
    assert client.get(PURPOSES).status_code == 200


# --- the overview and the CSV --------------------------------------------------------------

def test_the_stricter_answer_counts_and_silence_is_no(school, login_as):
    save_answer(school["bram_mum"], school["bram"], school["albums"], True)
    save_answer(school["bram_dad"], school["bram"], school["albums"], False)
    save_answer(school["bram_mum"], school["bram"], school["website"], True)
    save_answer(school["cato_parent"], school["cato"], school["albums"], True)
    page = login_as(school["teacher"]).get("/beheer/toestemming")
    table = cells(page)
    assert table["Bramwald Quist"][0].startswith("nee")  # one "nee" is "nee"
    assert "Ottilie Quist: ja" in table["Bramwald Quist"][0] and "Reinout Quist: nee" in table["Bramwald Quist"][0]
    assert table["Bramwald Quist"][1].startswith("ja")
    assert table["Catootje Quist"][0].startswith("ja")
    assert table["Catootje Quist"][1] == "geen antwoord"
    assert table["Dirkjan Quist"] == ["geen antwoord", "geen antwoord"]
    summary = text(page)
    assert "Foto's in de fotoalbums fotoalbums 1 ja · 1 nee · 1 geen antwoord" in summary  # with its badge
    assert "Website van de school 1 ja · 0 nee · 2 geen antwoord" in summary


def test_csv_has_the_same_values(school, login_as):
    save_answer(school["bram_mum"], school["bram"], school["albums"], True)
    save_answer(school["bram_dad"], school["bram"], school["albums"], False)
    save_answer(school["cato_parent"], school["cato"], school["website"], True)
    rows = csv_rows(login_as(school["teacher"]).get(f"/beheer/toestemming/groep/{school['group3'].id}.csv"))
    assert rows[0] == ["Leerling", "Groep", "Foto's in de fotoalbums", "Website van de school"]
    assert rows[1:] == [
        ["Bramwald Quist", "3", "nee", "geen antwoord"],
        ["Catootje Quist", "3", "geen antwoord", "ja"],
        ["Dirkjan Quist", "3", "geen antwoord", "geen antwoord"],
    ]


def test_csv_neutralises_formulas(school, login_as):
    school["dirk"].first_name = "=HYPERLINK(\"x\")"
    db.session.commit()
    make_purpose("+Nieuwsbrief", position=2)
    body = login_as(school["admin"]).get(f"/beheer/toestemming/groep/{school['group3'].id}.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body and "'+Nieuwsbrief" in body
    assert "\n=" not in body and ";=" not in body and ";+" not in body


def test_pupils_who_left_are_not_in_the_overview(school, login_as):
    school["dirk"].left_at = clock.today()
    db.session.commit()
    assert "Dirkjan" not in text(login_as(school["teacher"]).get("/beheer/toestemming"))


def test_the_overview_queries_do_not_grow_with_the_pupils(school, login_as):
    save_answer(school["bram_mum"], school["bram"], school["albums"], True)
    client = login_as(school["teacher"])
    url = f"/beheer/toestemming?groep={school['group3'].id}"
    client.get(url)  # warm up (session, settings)
    few = count_queries(client, url)
    for index in range(12):
        child, (parent,) = family(school["group3"], first_name=f"Extra{index}")
        save_answer(parent, child, school["albums"], index % 2 == 0)
    many = count_queries(client, url)
    assert many == few
    assert many <= 20
    assert count_queries(client, f"/beheer/toestemming/groep/{school['group3'].id}.csv") <= many


# --- the purposes ----------------------------------------------------------------------------

def test_the_office_adds_a_purpose(school, login_as):
    client = login_as(school["admin"])
    response = post(client, PURPOSES, {"name": "Nieuwsbrief", "explanation": "Foto's in de\r\nnieuwsbrief.",
                                       "years": [next_year()]})
    assert response.status_code == 302
    purpose = db.session.scalar(select(ConsentPurpose).where(ConsentPurpose.position == 2))
    assert purpose.name == "Nieuwsbrief" and purpose.current.explanation == "Foto's in de\nnieuwsbrief."
    assert purpose.current.created_by_id == school["admin"].id
    listing = text(client.get(PURPOSES))
    assert "Nieuwsbrief" in listing and "1 versie · 0 antwoorden" in listing
    years = db.session.scalars(select(consent_purpose_years.c.school_year)
                               .where(consent_purpose_years.c.purpose_id == purpose.id)).all()
    assert years == [next_year()]
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.subject_type, entry.fields, entry.actor_id) == ("school", ["consent"], school["admin"].id)


@pytest.mark.parametrize("name, explanation, message", [
    ("", "", "Vul de naam van het doel in."),
    ("   ", "", "Vul de naam van het doel in."),
    ("x" * 121, "", "De naam mag maximaal 120 tekens zijn."),
    ("Nieuwsbrief", "y" * 2001, "De uitleg mag maximaal 2000 tekens zijn."),
])
def test_a_bad_purpose_gets_a_dutch_message_and_nothing_is_saved(school, login_as, name, explanation, message):
    response = post(login_as(school["admin"]), PURPOSES, {"name": name, "explanation": explanation})
    assert response.status_code == 422
    assert message in text(response)
    assert db.session.scalar(select(func.count(ConsentPurpose.id))) == 2


def test_a_year_that_is_not_offered_is_refused(school, login_as):
    response = post(login_as(school["admin"]), PURPOSES, {"name": "Nieuwsbrief", "years": ["1999-2000"]})
    assert response.status_code == 422
    assert "Kies alleen uit de getoonde mogelijkheden." in text(response)
    assert db.session.scalar(select(func.count(ConsentPurpose.id))) == 2


def test_a_line_break_in_the_name_becomes_a_space_and_nul_is_refused(school, login_as):
    client = login_as(school["admin"])
    assert post(client, PURPOSES, {"name": "Sociale\r\nmedia"}).status_code == 302
    assert "Sociale media" in [purpose.name for purpose in db.session.scalars(select(ConsentPurpose))]
    response = post(client, PURPOSES, {"name": "Schoolgids\x00"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(ConsentPurpose.id))) == 3


def test_rewording_makes_a_new_version_and_old_answers_stop_counting(school, login_as):
    save_answer(school["cato_parent"], school["cato"], school["website"], True)
    client = login_as(school["admin"])
    edit = f"{PURPOSES}/{school['website'].id}"
    form = text(client.get(edit))
    assert "De ouders worden dan opnieuw om toestemming gevraagd" in form
    assert "antwoorden op de oude tekst tellen niet meer (nu 1 antwoord voor dit schooljaar)" in form
    assert cells(client.get(f"/beheer/toestemming?groep={school['group3'].id}"))["Catootje Quist"][1].startswith("ja")

    response = post(client, edit, {"name": "Website van de school", "explanation": "Ook video's."}, page=edit)
    assert response.status_code == 302
    db.session.expire_all()
    website = db.session.get(ConsentPurpose, school["website"].id)
    assert [(v.number, v.explanation) for v in website.versions] == [(1, "Uitleg."), (2, "Ook video's.")]
    assert website.current.created_by_id == school["admin"].id
    assert cells(client.get(f"/beheer/toestemming?groep={school['group3'].id}"))["Catootje Quist"][1] == "geen antwoord"
    assert db.session.scalar(select(func.count(ConsentAnswer.id))) == 1  # the old answer stays as proof


def test_an_unchanged_save_adds_no_version(school, login_as):
    school["website"].versions[0].explanation = "Twee\nregels."
    db.session.commit()
    client = login_as(school["admin"])
    edit = f"{PURPOSES}/{school['website'].id}"
    # The browser sends the textarea's line break as CRLF.
    response = post(client, edit, {"name": " Website van de school ", "explanation": "Twee\r\nregels."}, page=edit)
    assert response.status_code == 302
    assert "Er was niets gewijzigd." in text(client.get(PURPOSES))
    assert db.session.scalar(select(func.count(ConsentPurposeVersion.id))) == 2


def test_a_purpose_without_answers_can_be_deleted(school, login_as):
    client = login_as(school["admin"])
    edit = f"{PURPOSES}/{school['website'].id}"
    assert "Doel verwijderen" in text(client.get(edit))
    assert post(client, f"{edit}/verwijderen", page=edit).status_code == 302
    assert db.session.scalars(select(ConsentPurpose.id)).all() == [school["albums"].id]
    assert "verwijderd" in text(client.get(PURPOSES))


def test_a_purpose_with_answers_or_the_albums_purpose_is_never_deleted(school, login_as):
    save_answer(school["cato_parent"], school["cato"], school["website"], False)
    client = login_as(school["admin"])
    for purpose, message in ((school["website"], "Die antwoorden bewaren we als bewijs"),
                             (school["albums"], "Het doel voor de fotoalbums kan niet weg")):
        edit = f"{PURPOSES}/{purpose.id}"
        assert "Doel verwijderen" not in text(client.get(edit))
        response = post(client, f"{edit}/verwijderen", page=edit)
        assert response.status_code == 302
        assert message in text(client.get(response.headers["Location"]))
    assert db.session.scalar(select(func.count(ConsentPurpose.id))) == 2


def test_the_office_switches_years_and_earlier_years_stay(school, login_as):
    website = school["website"]
    db.session.execute(insert(consent_purpose_years).values(purpose_id=website.id, school_year="2019-2020"))
    db.session.commit()
    client = login_as(school["admin"])
    listing = client.get(PURPOSES).get_data(as_text=True)
    assert "2019-2020" in listing and f'value="{website.id}:2019-2020"' not in listing  # read-only
    asked = [f"{school['albums'].id}:{this_year()}", f"{website.id}:{next_year()}"]
    assert post(client, f"{PURPOSES}/jaren", {"asked": asked}).status_code == 302

    def years(purpose):
        return db.session.scalars(select(consent_purpose_years.c.school_year)
                                  .where(consent_purpose_years.c.purpose_id == purpose.id)
                                  .order_by(consent_purpose_years.c.school_year)).all()
    assert years(website) == ["2019-2020", next_year()]
    assert years(school["albums"]) == [this_year()]
    assert "Website" not in text(client.get("/beheer/toestemming"))  # no longer asked this year

    bad = post(client, f"{PURPOSES}/jaren", {"asked": [f"{website.id}:2019-2020"]})
    assert bad.status_code == 422 and "Kies alleen uit de getoonde mogelijkheden." in text(bad)


def test_the_order_moves_up_and_down(school, login_as):
    client = login_as(school["admin"])
    assert post(client, f"{PURPOSES}/{school['website'].id}/verplaatsen", {"richting": "omhoog"}).status_code == 302
    listing = text(client.get(PURPOSES))
    assert listing.index("Website van de school") < listing.index("Foto's in de fotoalbums")
    assert post(client, f"{PURPOSES}/{school['website'].id}/verplaatsen", {"richting": "opzij"}).status_code == 400


def test_the_albums_purpose_is_labelled_and_offered_when_missing(app, login_as):
    admin = AdminFactory()
    client = login_as(admin)
    listing = text(client.get(PURPOSES))
    assert "Nog geen doel voor de fotoalbums" in listing
    assert post(client, f"{PURPOSES}/albums").status_code == 302
    purpose = db.session.scalar(select(ConsentPurpose))
    assert purpose.code == ALBUMS_PURPOSE and "fotoalbums" in purpose.name
    listing = text(client.get(PURPOSES))
    assert "Nog geen doel voor de fotoalbums" not in listing and "het portaal handhaaft dit doel" in listing
    # Rewording it keeps its code.
    edit = f"{PURPOSES}/{purpose.id}"
    post(client, edit, {"name": "Foto's in de albums", "explanation": "Nieuw."}, page=edit)
    db.session.expire_all()
    assert db.session.get(ConsentPurpose, purpose.id).code == ALBUMS_PURPOSE


def test_a_missing_purpose_is_404(school, login_as):
    client = login_as(school["admin"])
    assert client.get(f"{PURPOSES}/999999").status_code == 404
    assert post(client, f"{PURPOSES}/999999/verwijderen").status_code == 404


# --- the yearly request ----------------------------------------------------------------------

def test_the_yearly_request_needs_purposes(app, login_as):
    client = login_as(AdminFactory())
    response = post(client, "/beheer/toestemming/vragen", page="/beheer/toestemming")
    assert response.status_code == 302
    assert "nog geen doelen om toestemming voor te vragen" in text(client.get("/beheer/toestemming"))
    assert db.session.scalar(select(func.count(ConsentRequest.id))) == 0


def test_the_office_sends_the_yearly_request_once(school, login_as):
    # Needs the notification kinds "consent_request"/"consent_reminder" that app/consent/mail.py
    # (the parents' side of this issue) registers: run after that branch is merged.
    client = login_as(school["admin"])
    page = text(client.get("/beheer/toestemming"))
    assert f"Toestemming vragen voor schooljaar {this_year()}" in page
    assert post(client, "/beheer/toestemming/vragen", page="/beheer/toestemming").status_code == 302
    page = text(client.get("/beheer/toestemming"))
    assert f"Het verzoek voor schooljaar {this_year()} is verstuurd op" in page
    assert "een herinnering" in page and f"Toestemming vragen voor schooljaar {this_year()}" not in page
    request = db.session.scalar(select(ConsentRequest))
    assert (request.school_year, request.created_by_id) == (this_year(), school["admin"].id)
    post(client, "/beheer/toestemming/vragen", page="/beheer/toestemming")
    assert "is al gevraagd" in text(client.get("/beheer/toestemming"))
    assert db.session.scalar(select(func.count(ConsentRequest.id))) == 1


def test_two_rewordings_at_once_give_a_message_not_an_error(school):
    from app.consent.purposes import reword_purpose
    from app.privacy.consent import ConsentRefused

    website = school["website"]
    assert len(website.versions) == 1  # loaded: this "tab" knows only version 1
    with db.engine.begin() as other_tab:
        other_tab.execute(insert(ConsentPurposeVersion).values(purpose_id=website.id, number=2, name="Andere tab",
                                                               explanation=""))
    with pytest.raises(ConsentRefused, match="Iemand anders wijzigde dit doel tegelijk"):
        reword_purpose(school["admin"], website, "Mijn tekst", "")
    assert db.session.scalars(select(ConsentPurposeVersion.name).where(ConsentPurposeVersion.purpose_id == website.id)
                              .order_by(ConsentPurposeVersion.number)).all() == ["Website van de school", "Andere tab"]


def test_every_change_to_the_purposes_is_audited(school, login_as):
    client = login_as(school["admin"])
    edit = f"{PURPOSES}/{school['website'].id}"
    post(client, PURPOSES, {"name": "Nieuwsbrief"})
    post(client, edit, {"name": "Website", "explanation": ""}, page=edit)
    post(client, f"{PURPOSES}/{school['website'].id}/verplaatsen", {"richting": "omhoog"})
    post(client, f"{PURPOSES}/jaren", {"asked": [f"{school['albums'].id}:{next_year()}"]})
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "school")
                                 .order_by(AuditEntry.id)).all()
    assert [entry.action for entry in entries] == [
        "toestemmingsdoel toegevoegd", "toestemmingsdoel gewijzigd (versie 2)", "volgorde toestemmingsdoelen",
        "schooljaren toestemmingsdoelen",
    ]
    assert all(entry.fields == ["consent"] and entry.actor_id == school["admin"].id for entry in entries)

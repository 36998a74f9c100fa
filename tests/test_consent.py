"""Toestemming, the parents' side: the tab "Toestemming" of a child (the stricter answer
counts, no answer is no, a changed text asks again, the history is only ever added to),
who may change what (read-only guardian, staff, another family), bad input, the overview
the mails link to, and the Home prompt with its "Later" (with the page cache on)."""
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, ConsentAnswer
from app.privacy.consent import save_answer, states_for
from tests.content_helpers import main_of, post_form, text_of
from tests.fixtures.users import Auth
from tests.factories import (AdminFactory, GroupFactory, consent_purpose, family, new_consent_text,
                             teacher_of)


@pytest.fixture
def school(app, login_as):
    """Sam (groep 3) with two writable parents and a read-only third; Noor of another family."""
    group = GroupFactory(name="3")
    sam, (mother, father, reader) = family(group, parents=3, first_name="Sam", last_name="Jansen")
    # Fixed, unusual names: nothing on a page can be a random look-alike.
    mother.first_name, father.first_name, reader.first_name = "Marloes", "Peter", "Wibo"
    from app.models import Guardianship

    db.session.get(Guardianship, (reader.id, sam.id)).read_only = True
    noor, (other,) = family(GroupFactory(name="6"), first_name="Noor", last_name="Bakker")
    db.session.commit()
    albums = consent_purpose("Besloten fotoalbums in het ouderportaal", "Foto's van activiteiten in de albums.",
                             code="albums", position=1)
    website = consent_purpose("Website van de school", "Foto's op de openbare website.", position=2)
    return {"group": group, "sam": sam, "mother": mother, "father": father, "reader": reader, "noor": noor,
            "other": other, "albums": albums, "website": website, "login_as": login_as}


def tab(client, child):
    return client.get(f"/kinderen/{child.id}/toestemming")


def answer(client, child, purpose, value, htmx=False):
    path = f"/kinderen/{child.id}/toestemming"
    data = {"purpose": purpose if isinstance(purpose, str) else str(purpose.id), "answer": value}
    if htmx:
        return client.post(path, data=data, headers={"HX-Request": "true", "X-CSRFToken": Auth(client).csrf(path)})
    return post_form(client, path, data, form_page=path)


def block_of(html, purpose):
    """The text of one purpose's block on the tab (tags stripped)."""
    found = re.search(rf'<section class="card consent-purpose" id="doel-{purpose.id}".*?</section>', html, re.S)
    assert found, f"no block for purpose {purpose.id}"
    return plain(found.group(0))


def plain(html):
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def answers():
    db.session.expire_all()
    return [(a.id, a.child_id, a.version_id, a.parent_id, a.given, a.created_at)
            for a in db.session.scalars(select(ConsentAnswer).order_by(ConsentAnswer.id))]


def counts_as(school, purpose):
    db.session.expire_all()
    state = next(s for s in states_for([school["sam"].id])[school["sam"].id] if s.purpose.id == purpose.id)
    return state.consent


# --- the rules, as the parents see them ----------------------------------------------------------

def test_the_tab_shows_each_purpose_with_no_answer_counting_as_no(school):
    client = school["login_as"](school["mother"])
    response = tab(client, school["sam"])
    assert response.status_code == 200
    html = text_of(response)
    assert 'aria-current="page">Toestemming</a>' in html  # the tab among the child's tabs
    albums = block_of(html, school["albums"])
    assert "Besloten fotoalbums in het ouderportaal" in albums and "Foto's van activiteiten in de albums." in albums
    assert "Telt als: nee" in albums and "(nog geen antwoord)" in albums
    assert "Marloes Jansen (u): nog geen antwoord" in albums and "Peter Jansen: nog geen antwoord" in albums
    assert "Wibo" not in albums  # a read-only guardian does not answer
    assert "Geen antwoord telt als nee" in html and "Eén nee is nee" in html
    assert 'name="answer" value="ja"' in html and " checked" not in html
    assert "Er is nog geen antwoord gegeven." in html
    assert counts_as(school, school["albums"]) is False


def test_the_stricter_answer_counts(school):
    sam, mother, father, albums = school["sam"], school["mother"], school["father"], school["albums"]
    mum, dad = school["login_as"](mother), school["login_as"](father)
    response = answer(mum, sam, albums, "ja")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/kinderen/{sam.id}/toestemming#doel-{albums.id}")
    page = text_of(mum.get(response.headers["Location"]))
    assert "Uw antwoord voor Sam bij ‘Besloten fotoalbums in het ouderportaal’ is opgeslagen: ja." in page
    # One "ja", the other parent has not answered: ja.
    assert "Telt als: ja" in block_of(page, albums) and counts_as(school, albums) is True
    # One "nee": nee, whatever the other said.
    answer(dad, sam, albums, "nee")
    block = block_of(text_of(tab(mum, sam)), albums)
    assert "Telt als: nee" in block
    assert re.search(r"Marloes Jansen \(u\): ja ?, op \w+ \d+ \w+ \d{4} \d\d:\d\d", block)
    assert re.search(r"Peter Jansen: nee ?, op ", block)
    assert counts_as(school, albums) is False
    # Both "ja": ja. Each parent sees who answered what.
    answer(dad, sam, albums, "ja")
    block = block_of(text_of(tab(dad, sam)), albums)
    assert "Telt als: ja" in block and "Marloes Jansen: ja" in block and "Peter Jansen (u): ja" in block
    assert counts_as(school, albums) is True
    # The other purpose stayed unanswered: nee.
    assert counts_as(school, school["website"]) is False


def test_a_changed_text_asks_again_and_the_old_answers_stay_in_the_history(school):
    sam, mother, father, albums = school["sam"], school["mother"], school["father"], school["albums"]
    mum = school["login_as"](mother)
    answer(mum, sam, albums, "ja")
    answer(school["login_as"](father), sam, albums, "ja")
    assert counts_as(school, albums) is True
    new_consent_text(albums, explanation="Ook foto's van de schoolreis, met namen erbij.")
    html = text_of(tab(mum, sam))
    block = block_of(html, albums)
    assert "Ook foto's van de schoolreis, met namen erbij." in block
    assert "Foto's van activiteiten in de albums." not in block
    assert "Telt als: nee" in block and "Marloes Jansen (u): nog geen antwoord" in block
    assert "U heeft nog niet geantwoord." in block
    assert f'id="doel-{albums.id}-ja" checked' not in html
    assert counts_as(school, albums) is False
    history = main_of(tab(mum, sam)).split('id="toestemming-geschiedenis"')[1]
    assert history.count("tekst versie 1") == 2 and "tekst versie 2" not in history
    answer(mum, sam, albums, "ja")
    assert counts_as(school, albums) is True
    history = main_of(tab(mum, sam)).split('id="toestemming-geschiedenis"')[1]
    assert history.count("tekst versie 1") == 2 and history.count("tekst versie 2") == 1


def test_the_history_is_only_ever_added_to(school):
    sam, mother, albums, website = school["sam"], school["mother"], school["albums"], school["website"]
    mum = school["login_as"](mother)
    answer(mum, sam, albums, "ja")
    answer(mum, sam, website, "nee")
    before = answers()
    assert len(before) == 2
    answer(mum, sam, albums, "nee")
    answer(mum, sam, albums, "ja")
    answer(mum, sam, albums, "ja")  # the same again: nothing new
    after = answers()
    assert after[:2] == before  # the earlier rows are exactly as they were
    assert [(row[4]) for row in after[2:]] == [False, True]
    assert len(after) == 4
    html = main_of(tab(mum, sam))
    history = html.split('id="toestemming-geschiedenis"')[1]
    rows = re.findall(r"<tr>\s*<td data-label=\"Wanneer\">.*?</tr>", history, re.S)
    assert len(rows) == 4
    texts = [plain(row) for row in rows]
    # Newest first: who, what, for which text.
    assert "Marloes Jansen" in texts[0] and texts[0].strip().endswith("ja")
    assert texts[1].strip().endswith("nee") and "Besloten fotoalbums" in texts[1]
    assert "Website van de school" in texts[2] and texts[3].strip().endswith("ja")
    # Each change is in the audit log (field names only).
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.subject_type == "child", AuditEntry.subject_id == sam.id)) == 4


def test_the_htmx_switch_answers_with_the_block_and_the_history(school):
    sam, albums = school["sam"], school["albums"]
    mum = school["login_as"](school["mother"])
    response = answer(mum, sam, albums, "nee", htmx=True)
    assert response.status_code == 200
    html = text_of(response)
    assert "<html" not in html and html.strip().startswith("<section")
    assert "Telt als: nee" in block_of(html, albums)
    assert 'id="doel-%d-nee" checked' % albums.id in html
    assert f'id="status-doel-{albums.id}" hx-swap-oob="innerHTML">Opgeslagen: nee.' in html
    assert 'id="toestemming-geschiedenis" aria-labelledby="geschiedenis-kop" hx-swap-oob="true"' in html
    assert [row[4] for row in answers()] == [False]


# --- who may change what -------------------------------------------------------------------------

def test_a_read_only_guardian_sees_everything_but_cannot_answer(school):
    sam, albums = school["sam"], school["albums"]
    answer(school["login_as"](school["mother"]), sam, albums, "ja")
    reader = school["login_as"](school["reader"])
    html = text_of(tab(reader, sam))
    assert "Marloes Jansen: ja" in block_of(html, albums) and "Telt als: ja" in block_of(html, albums)
    assert 'name="answer"' not in html and "U kunt de toestemming bekijken, maar niet wijzigen" in html
    assert "Geschiedenis" in html
    before = answers()
    assert answer(reader, sam, albums, "nee").status_code == 403
    assert answer(reader, sam, albums, "nee", htmx=True).status_code == 403
    assert answers() == before


@pytest.mark.parametrize("who", ["teacher", "admin"])
def test_staff_see_the_answers_but_cannot_answer(school, who):
    sam, albums = school["sam"], school["albums"]
    answer(school["login_as"](school["mother"]), sam, albums, "nee")
    staff = teacher_of(school["group"]) if who == "teacher" else AdminFactory()
    client = school["login_as"](staff)
    html = text_of(tab(client, sam))
    assert "Marloes Jansen: nee" in block_of(html, albums)
    assert 'name="answer"' not in html and "Toestemming geven of weigeren kan alleen een ouder." in html
    before = answers()
    assert answer(client, sam, albums, "ja").status_code == 403
    assert answers() == before


def test_another_family_gets_404_on_get_and_post(school):
    sam, albums = school["sam"], school["albums"]
    other = school["login_as"](school["other"])
    assert tab(other, sam).status_code == 404
    assert answer(other, sam, albums, "ja").status_code == 404
    assert answer(other, sam, albums, "ja", htmx=True).status_code == 404
    # A teacher of another group does not reach Sam either.
    stranger = school["login_as"](teacher_of(GroupFactory(name="8")))
    assert tab(stranger, sam).status_code == 404
    assert answers() == []


@pytest.mark.parametrize("purpose, value, message", [
    ("abc", "ja", "Dit doel is niet (meer) bekend."),
    ("99999999999999", "ja", "Dit doel is niet (meer) bekend."),
    ("", "ja", "Dit doel is niet (meer) bekend."),
    ("12\n13", "ja", "Dit doel is niet (meer) bekend."),
    ("999999", "ja", "Voor dit doel wordt dit schooljaar geen toestemming gevraagd."),
    (None, "misschien", "Kies een van de mogelijkheden uit de lijst."),
    (None, "", "Kies ja of nee."),
])
def test_bad_input_is_a_dutch_message_and_changes_nothing(school, purpose, value, message):
    sam = school["sam"]
    mum = school["login_as"](school["mother"])
    response = answer(mum, sam, purpose if purpose is not None else school["albums"], value)
    assert response.status_code == 422
    assert message in text_of(response)
    htmx = answer(mum, sam, purpose if purpose is not None else school["albums"], value, htmx=True)
    assert htmx.status_code == 422 and message in text_of(htmx) and "<html" not in text_of(htmx)
    assert answers() == []


def test_a_purpose_of_another_year_cannot_be_answered(school):
    old = consent_purpose("Schoolgids", year="2001-2002")
    mum = school["login_as"](school["mother"])
    response = answer(mum, school["sam"], old, "ja")
    assert response.status_code == 422
    assert "Voor dit doel wordt dit schooljaar geen toestemming gevraagd." in text_of(response)
    assert "Schoolgids" not in text_of(tab(mum, school["sam"]))
    assert answers() == []


def test_before_the_school_years_purposes_exist(app, login_as):
    sam, (mother,) = family(GroupFactory(), first_name="Sam")
    html = text_of(tab(login_as(mother), sam))
    assert "nog geen doelen vastgesteld om toestemming voor te vragen" in html
    assert 'name="answer"' not in html


# --- the overview (where the mails point) ----------------------------------------------------------

def test_the_overview_lists_the_parents_children(school):
    sam, albums = school["sam"], school["albums"]
    mum = school["login_as"](school["mother"])
    answer(mum, sam, albums, "ja")
    page = main_of(mum.get("/kinderen/toestemming"))
    assert "Sam Jansen" in page and "Noor" not in page
    assert f'href="/kinderen/{sam.id}/toestemming"' in page
    assert "U heeft nog niet alles beantwoord." in page  # the website is still open
    response = mum.get("/kinderen/toestemming/verzoek/1")
    assert response.status_code == 302 and response.headers["Location"].endswith("/kinderen/toestemming")


# --- Home ---------------------------------------------------------------------------------------

PROMPT = "De school vraagt uw toestemming"


@pytest.fixture
def cached(app, redis_url):
    """With Redis, as in production."""
    app.config["REDIS_URL"] = redis_url
    return app


def home(client):
    response = client.get("/")
    assert response.status_code == 200
    return text_of(response)


def test_home_asks_until_every_purpose_has_an_answer(cached, school):
    sam, mother, father = school["sam"], school["mother"], school["father"]
    mum = school["login_as"](mother)
    for _ in range(3):  # never served from the cache with a stale prompt
        page = home(mum)
        assert PROMPT in page and f'href="/kinderen/{sam.id}/toestemming"' in page and "Sam Jansen" in page
    answer(mum, sam, school["albums"], "ja")
    assert PROMPT in home(mum)  # the website is still unanswered
    answer(school["login_as"](father), sam, school["website"], "nee")
    for _ in range(2):
        assert PROMPT not in home(mum)  # at once: the answer was a write
    # A new text of a purpose asks again.
    new_consent_text(school["website"])
    assert PROMPT in home(mum)


def test_home_prompt_later_hides_it_for_this_login_session(cached, school):
    mum_user = school["mother"]
    client = school["login_as"](mum_user)
    for _ in range(2):
        assert PROMPT in home(client)
    response = post_form(client, "/kinderen/toestemming/later", {}, form_page="/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    page = home(client)
    assert PROMPT not in page and "U krijgt de vraag om toestemming weer bij een volgende keer inloggen." in page
    for _ in range(2):
        assert PROMPT not in home(client)
    # The tab still asks; the next login asks again.
    assert 'name="answer"' in text_of(tab(client, school["sam"]))
    Auth(client).logout()
    Auth(client).login(mum_user)
    assert PROMPT in home(client)


def test_home_prompt_only_for_parents_who_can_answer(school):
    reader = school["login_as"](school["reader"])  # Wibo: read-only link only
    assert PROMPT not in home(reader)
    assert PROMPT not in home(school["login_as"](teacher_of(school["group"])))
    assert "Toestemming voor Noor Bakker" in home(school["login_as"](school["other"]))  # her own child only


def test_later_needs_a_valid_form(school):
    client = school["login_as"](school["mother"])
    assert client.post("/kinderen/toestemming/later", data={}).status_code in (400, 403)
    assert PROMPT in home(client)


def test_save_answer_refuses_what_the_tab_does_not_offer(school):
    from app.privacy.consent import ConsentRefused

    with pytest.raises(ConsentRefused):
        save_answer(school["reader"], school["sam"], school["albums"], True)
    assert answers() == []

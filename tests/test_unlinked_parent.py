"""Empty states that tell the truth (issue 17): a parent whose account is not yet linked to
a child is told so and whom to contact (the office's phone and e-mail from the settings),
and still reaches what is for all parents — the parents' manual under Documenten, school-
wide news, agenda and messages — but nothing of a group, and no photos. A parent whose
children all left school still sees nothing current (as before)."""
import re

import pytest

from app.extensions import db
from app.settings import set_setting
from app.models import utcnow
from tests.factories import (
    AgendaItemFactory, GroupFactory, MessageFactory, NewsItemFactory, ParentFactory, album_with_photos,
    family, stored_document,
)

NOT_LINKED = "Uw account is nog niet aan een kind gekoppeld."


@pytest.fixture
def school(app):
    group = GroupFactory(name="3")
    set_setting("school.phone", "0341-123456")
    set_setting("school.email", "administratie@schutkampen.example")
    db.session.commit()
    return {
        "group": group,
        "manual": stored_document(title="Handleiding Mijn School voor ouders", filename="handleiding.pdf",
                                  school_wide=True),
        "group_doc": stored_document(title="Rooster groep 3", groups=[group]),
        "news": NewsItemFactory(title="Nieuw schoolplein", school_wide=True),
        "group_news": NewsItemFactory(title="Groep 3 naar de bakker", groups=[group]),
        "agenda": AgendaItemFactory(title="Koningsspelen", school_wide=True),
        "message": MessageFactory(title="Studiedag", school_wide=True),
        "album": album_with_photos(2, title="Schoolreis", school_wide=True)[0],
    }


def main_of(response):
    assert response.status_code == 200
    return response.get_data(as_text=True).split('<main', 1)[1].split("</main>", 1)[0]


def text_of(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_home_says_the_account_is_not_linked_and_whom_to_contact(school, login_as):
    home = main_of(login_as(ParentFactory()).get("/"))
    text = text_of(home)
    assert NOT_LINKED in text
    assert "0341-123456" in text and "administratie@schutkampen.example" in text
    assert 'href="tel:0341-123456"' in home and 'href="mailto:administratie@schutkampen.example"' in home
    assert 'href="/documenten/"' in home and 'href="/nieuws/"' in home
    assert "Nieuw schoolplein" in home  # school-wide news on Home too
    assert "Groep 3 naar de bakker" not in home


def test_without_contact_details_it_names_the_office(app, login_as):
    text = text_of(main_of(login_as(ParentFactory()).get("/")))
    assert NOT_LINKED in text and "de administratie van de school" in text


def test_the_manual_and_school_news_are_reachable(school, login_as):
    client = login_as(ParentFactory())
    documents = main_of(client.get("/documenten/"))
    assert "Handleiding Mijn School voor ouders" in documents and "Rooster groep 3" not in documents
    download = client.get(f"/documenten/{school['manual'].id}/download")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert client.get(f"/documenten/{school['group_doc'].id}/download").status_code == 404
    news = main_of(client.get("/nieuws/"))
    assert "Nieuw schoolplein" in news and "Groep 3 naar de bakker" not in news
    assert client.get(f"/nieuws/{school['news'].id}").status_code == 200
    assert client.get(f"/nieuws/{school['group_news'].id}").status_code == 404
    assert "Koningsspelen" in main_of(client.get("/agenda/"))
    assert "Studiedag" in main_of(client.get("/berichten"))


def test_no_photos_before_the_link(school, login_as):
    client = login_as(ParentFactory())
    assert "Schoolreis" not in main_of(client.get("/fotoalbums"))
    assert client.get(f"/fotoalbums/{school['album'].id}").status_code == 404


def test_mijn_kinderen_says_the_same(school, login_as):
    text = text_of(main_of(login_as(ParentFactory()).get("/kinderen/")))
    assert NOT_LINKED in text and "0341-123456" in text


def test_a_parent_of_former_pupils_still_sees_nothing_current(school, login_as):
    child, (parent,) = family(school["group"])
    child.left_at = utcnow().date()
    db.session.commit()
    client = login_as(parent)
    assert "Handleiding" not in main_of(client.get("/documenten/"))
    assert "Nieuw schoolplein" not in main_of(client.get("/nieuws/"))
    assert NOT_LINKED not in text_of(main_of(client.get("/")))

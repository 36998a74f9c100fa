"""Unread is right (issue 17): a spoedbericht read in full on Home counts as read (Berichten
no longer calls it "ongelezen", the school's read status lists the parent), and what staff
post themselves is never "ongelezen" for them."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.messages.services import read_status
from app.models import Message, utcnow
from tests.factories import GroupFactory, MessageFactory, family, teacher_of
from tests.fixtures.users import Auth


@pytest.fixture
def klas(app):
    group = GroupFactory(name="3")
    _, (parent,) = family(group)
    teacher = teacher_of(group)
    urgent = MessageFactory(title="School morgen dicht", urgent=True, school_wide=True)
    plain = MessageFactory(title="Luizencontrole", groups=[group])
    old_urgent = MessageFactory(title="Storm vorige maand", urgent=True, school_wide=True,
                                created_at=utcnow() - timedelta(days=30))
    return {"group": group, "parent": parent, "teacher": teacher, "urgent": urgent, "plain": plain,
            "old_urgent": old_urgent}


def unread_titles(html):
    """The titles a list marks "Ongelezen" (Berichten, Home's recent messages)."""
    items = re.findall(r'<li class="message-item[^"]*">(.*?)</li>', html, re.S)
    return sorted(re.search(r'class="message-link"[^>]*>([^<]+)<', item).group(1)
                  for item in items if "Ongelezen" in item)


def unread_total(html):
    found = re.search(r'<strong class="unread-total">(\d+) ongelezen</strong>', html)
    return int(found.group(1)) if found else 0


def test_a_spoedbericht_read_on_home_is_read_in_berichten(klas, login_as):
    client = login_as(klas["parent"])
    before = client.get("/berichten").get_data(as_text=True)
    assert unread_titles(before) == ["Luizencontrole", "School morgen dicht", "Storm vorige maand"]
    home = client.get("/").get_data(as_text=True)
    assert "School morgen dicht" in home  # shown in full on top of Home
    after = client.get("/berichten").get_data(as_text=True)
    assert unread_titles(after) == ["Luizencontrole", "Storm vorige maand"]  # not shown on Home: still unread
    assert unread_total(after) == 2
    # The next visit to Home no longer marks it new.
    again = client.get("/").get_data(as_text=True)
    urgent_panel = again.split('class="card home-urgent"')[1].split("</section>")[0]
    assert "Ongelezen" not in urgent_panel


def test_the_school_sees_the_home_reader_as_read(klas, login_as):
    login_as(klas["parent"]).get("/")
    read, not_read = read_status(db.session.get(Message, klas["urgent"].id))
    assert [user.id for user, _ in read] == [klas["parent"].id] and not_read == []


def test_staff_never_see_their_own_message_as_unread(klas, login_as):
    teacher = klas["teacher"]
    client = login_as(teacher)
    response = client.post("/beheer/berichten/nieuw", data={
        "csrf_token": Auth(client).csrf("/beheer/berichten/nieuw"), "title": "Gymles verplaatst",
        "text": "De gymles is **donderdag**.", "groups": str(klas["group"].id)})
    assert response.status_code == 302
    mine = db.session.scalar(select(Message).where(Message.title == "Gymles verplaatst"))
    assert mine.author_id == teacher.id
    listing = client.get("/berichten").get_data(as_text=True)
    assert "Gymles verplaatst" in listing
    assert "Gymles verplaatst" not in unread_titles(listing)
    assert unread_total(listing) == 3  # the three from others
    home = client.get("/").get_data(as_text=True)
    assert "Gymles verplaatst" in home and "Gymles verplaatst" not in unread_titles(home)
    # For the parents it is new.
    assert "Gymles verplaatst" in unread_titles(login_as(klas["parent"]).get("/berichten").get_data(as_text=True))

"""The parents' slot list tells the truth (issue 17): a free slot that cannot start this
child's double meeting says why ("Te kort voor een dubbel gesprek") instead of "Niet
beschikbaar"; a double meeting's buttons carry the times they would book (the touch
preview, static/js/meetings.js); a read-only parent is not asked to choose a time."""
import re
from datetime import time

import pytest

from tests.factories import GroupFactory, family
from tests.meetings_data import book_directly, make_round, pretend
from tests.test_meetings import page_url, slot_texts

SHORT = "Te kort voor een dubbel gesprek"


@pytest.fixture
def klas(app):
    pretend(app)
    group = GroupFactory(name="3")
    sam, (parent, other_parent) = family(group, parents=2, read_only_second=True, first_name="Sam")
    noor, (noor_parent,) = family(group, first_name="Noor")
    return {"group": group, "sam": sam, "parent": parent, "read_only": other_parent, "noor": noor,
            "noor_parent": noor_parent}


def test_why_a_free_slot_cannot_start_a_double_meeting(klas, login_as):
    round_ = make_round(klas["group"], double=[klas["sam"]], invite=[klas["noor"]], breaks="10:50-11:00",
                        end=time(11, 30))
    book_directly(klas["noor_parent"], round_, klas["noor"], "10:30")
    texts = slot_texts(login_as(klas["parent"]).get(page_url(round_, klas["sam"])).get_data(as_text=True))
    assert texts["10:10–10:20"] == "Reserveren mogelijk"
    assert texts["10:20–10:30"] == SHORT  # the next one is taken
    assert texts["10:40–10:50"] == SHORT  # the next one is the break
    assert texts["10:50–11:00"] == "Niet beschikbaar"  # the break itself
    assert texts["11:20–11:30"] == SHORT  # the end of the day
    # Noor's meeting is one slot: the same slots are simply free for her parent.
    noor = slot_texts(login_as(klas["noor_parent"]).get(page_url(round_, klas["noor"])).get_data(as_text=True))
    assert noor["10:30–10:40"] == "Gereserveerd – Annuleren"
    assert noor["10:40–10:50"] == "Reserveren mogelijk" and noor["11:20–11:30"] == "Reserveren mogelijk"


def test_a_double_meetings_button_carries_what_it_would_book(klas, login_as):
    round_ = make_round(klas["group"], double=[klas["sam"]], invite=[klas["noor"]])
    html = login_as(klas["parent"]).get(page_url(round_, klas["sam"])).get_data(as_text=True)
    previews = re.findall(r'data-preview="([^"]+)"', html)
    assert previews[:2] == ["10:00–10:20", "10:10–10:30"]
    single = login_as(klas["noor_parent"]).get(page_url(round_, klas["noor"])).get_data(as_text=True)
    assert "data-preview" not in single  # one slot is what it says


def test_a_read_only_parent_is_not_asked_to_choose(klas, login_as):
    round_ = make_round(klas["group"], double=[klas["sam"]])
    client = login_as(klas["read_only"])
    html = client.get(page_url(round_, klas["sam"])).get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Kies een tijd" not in text and "u reserveert" not in text and "Kies een andere tijd" not in text
    assert "De planning" in text and "alleen lezen" in text
    assert 'class="slot-book"' not in html
    listing = client.get("/oudergesprekken/").get_data(as_text=True)
    assert "Inschrijven" not in listing and "Bekijken" in listing
    # The parent who may book is asked.
    assert "Kies een tijd" in login_as(klas["parent"]).get(page_url(round_, klas["sam"])).get_data(as_text=True)

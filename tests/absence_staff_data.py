"""Test data of Beheer › Afwezigheid (the day list, counts, leave, export, settings): a small
school on a pretend Wednesday morning, 2 December 2026 08:20 (after the 08:15 cut-off)."""
import re
from datetime import date, timedelta
from html import unescape

import pytest

from app.extensions import db
from tests.factories import AdminFactory, GroupFactory, absence_reasons, family, teacher_of
from tests.fixtures.users import csrf_from

NOW = "2026-12-02 08:20"
TODAY = date(2026, 12, 2)  # a Wednesday
MONDAY = date(2026, 11, 30)
PARENT_PHONE = "0612345678"


def pretend(app, moment=NOW):
    app.config["PRETEND_NOW"] = moment


def text(response):
    """The page as a person reads it: tags gone, spaces folded."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return " ".join(unescape(body).split())


def section(response, heading_id):
    """The text of one <section> of the page, found by the id of its heading."""
    html = response.get_data(as_text=True)
    start = html.index(f'aria-labelledby="{heading_id}"')
    end = html.find("</section>", start)
    body = re.sub(r"<[^>]+>", " ", html[start:end])
    return " ".join(unescape(body).split())


def post(client, url, data=None, page="/beheer/afwezigheid"):
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_from(client.get(page).get_data(as_text=True)))
    return client.post(url, data=data)


def school_day_before(day, count=1):
    """`count` weekdays before `day` (no holidays in these tests unless a test adds one)."""
    while count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


@pytest.fixture
def school(app):
    """Group 3 (teacher, four pupils, Bram's parent with a phone number and an address) and
    group 5 (its own teacher, one pupil); the office; the default reasons. Unusual names, so a
    name on a page is this pupil."""
    pretend(app)
    group3, group5 = GroupFactory(name="3", sort_order=3), GroupFactory(name="5", sort_order=5)
    bram, (bram_parent,) = family(group3, first_name="Bramwald", last_name="Quist", street="Lindelaan",
                                  house_number="7", city="Hattem", email="bramwald@example.nl", student_number="L0001")
    bram_parent.phone_mobile, bram_parent.street = PARENT_PHONE, "Lindelaan"
    cato, (cato_parent,) = family(group3, first_name="Catootje", last_name="Quist", student_number="L0002")
    dirk, _ = family(group3, first_name="Dirkjan", last_name="Quist", student_number="L0003")
    femke, _ = family(group3, first_name="Femkelien", last_name="Quist", student_number="L0004")
    eva, (eva_parent,) = family(group5, first_name="Evalien", last_name="Zwaantje", student_number="L0005")
    db.session.commit()
    return {
        "group3": group3, "group5": group5, "teacher": teacher_of(group3), "teacher5": teacher_of(group5),
        "admin": AdminFactory(), "bram": bram, "bram_parent": bram_parent, "cato": cato, "cato_parent": cato_parent,
        "dirk": dirk, "femke": femke, "eva": eva, "eva_parent": eva_parent, "reasons": absence_reasons(),
    }

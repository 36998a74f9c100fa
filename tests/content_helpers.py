"""Shared by the Nieuws, Agenda and Documenten tests: a small school with the five
people of the visibility matrix, a CSRF-aware POST and a query counter."""
import re

import pytest

from tests.fixtures.users import Auth
from tests.factories import AdminFactory, GroupFactory, family, teacher_of
from tests.fixtures.queries import count_queries  # noqa: F401  (the counter these tests share)

# The five viewers of the matrix, and what each may see of (school, own group, other group).
VIEWERS = ["parent_in", "parent_out", "teacher_own", "teacher_other", "office"]
SEES = {
    "parent_in": {"school": True, "own": True, "other": False},
    "parent_out": {"school": True, "own": False, "other": True},
    "teacher_own": {"school": True, "own": True, "other": False},
    "teacher_other": {"school": True, "own": False, "other": True},
    "office": {"school": True, "own": True, "other": True},
}


def make_school():
    """Groep 3 ("own") and groep 6 ("other"), a parent and a teacher in each, the office."""
    own = GroupFactory(name="3", level=3)
    other = GroupFactory(name="6", level=6)
    _, (parent_in,) = family(group=own)
    _, (parent_out,) = family(group=other)
    people = {
        "parent_in": parent_in,
        "parent_out": parent_out,
        "teacher_own": teacher_of(own),
        "teacher_other": teacher_of(other),
        "office": AdminFactory(),
    }
    return {"own": own, "other": other, "people": people}


@pytest.fixture
def school(app):
    return make_school()


def post_form(client, path, data, form_page=None, **kwargs):
    """POST like a browser: the CSRF token comes from the page holding the form."""
    data = dict(data)
    data.setdefault("csrf_token", Auth(client).csrf(form_page or path))
    return client.post(path, data=data, **kwargs)


def text_of(response):
    return response.get_data(as_text=True)


def main_of(response):
    """The <main> of a page (the menu and footer left out)."""
    html = text_of(response)
    found = re.search(r"<main[^>]*>(.*)</main>", html, re.S)
    return found.group(1) if found else html

"""Dutch plurals (issue 17): "1 foto toegevoegd", "10 foto's toegevoegd" — one helper,
app/formatting.count_nl (the Jinja filter `aantal`), instead of "foto('s)"."""
from html import unescape

import pytest

from app.formatting import count_nl


@pytest.mark.parametrize("count, noun, text", [
    (1, "foto", "1 foto"), (10, "foto", "10 foto's"), (0, "foto", "0 foto's"),
    (1, "markering", "1 markering"), (4, "markering", "4 markeringen"),
    (1, "kind", "1 kind"), (2, "kind", "2 kinderen"), (3, "e-mail", "3 e-mails"),
    (2, "bestand", "2 bestanden"), (2, "vergadering", "2 vergaderingen"),
])
def test_count_nl(count, noun, text):
    assert count_nl(count, noun) == text


def test_the_filter_in_a_template(app):
    with app.app_context():
        template = app.jinja_env.from_string("{{ 1|aantal('foto') }} toegevoegd; {{ 10|aantal('foto') }} toegevoegd")
        assert unescape(template.render()) == "1 foto toegevoegd; 10 foto's toegevoegd"  # &#39; in HTML

"""The preview of Beheer's news and message editor (POST /beheer/voorbeeld, issue 17): the
text rendered by app/markdown.py as parents see it, sanitised; staff only; CSRF; a size limit."""
from tests.factories import AdminFactory, GroupFactory, ParentFactory, teacher_of
from tests.fixtures.users import Auth

HTMX = {"HX-Request": "true"}


def _preview(client, text, field="body", **kwargs):
    return Auth(client).post(f"/beheer/voorbeeld?veld={field}", {field: text}, csrf_page="/beheer/", **kwargs)


def test_preview_renders_markdown_and_drops_script(login_as):
    client = login_as(teacher_of(GroupFactory()))
    response = _preview(client, "Hallo **vet** en *schuin*\n\n<script>alert(1)</script>\n\n"
                                "[klik](javascript:alert(1))\n\n- een\n- twee", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<strong>vet</strong>" in html and "<em>schuin</em>" in html and "<li>twee</li>" in html
    assert "<script>" not in html and "javascript:" not in html
    assert "&lt;script&gt;" in html  # shown as text, as on the parents' page
    assert 'data-result' in html and 'data-announce="Het voorbeeld is bijgewerkt."' in html
    assert "<html" not in html  # the fragment only


def test_preview_of_a_message_text_and_of_nothing(login_as):
    client = login_as(AdminFactory())
    assert "<strong>x</strong>" in _preview(client, "**x**", field="text", headers=HTMX).get_data(as_text=True)
    assert "Er is nog geen tekst om te tonen." in _preview(client, "   ", headers=HTMX).get_data(as_text=True)


def test_preview_too_long_is_refused_in_dutch(login_as):
    client = login_as(AdminFactory())
    html = _preview(client, "a" * 50_001, headers=HTMX).get_data(as_text=True)
    assert "De tekst is te lang voor een voorbeeld (maximaal 50.000 tekens)." in html
    assert "<p>aaaa" not in html


def test_preview_is_for_staff_only(login_as, client):
    parent = login_as(ParentFactory())
    assert Auth(parent).post("/beheer/voorbeeld?veld=body", {"body": "**x**"}).status_code == 403
    anonymous = client.post("/beheer/voorbeeld?veld=body", data={"body": "**x**"})
    assert anonymous.status_code in (302, 400, 401) and "<strong>" not in anonymous.get_data(as_text=True)


def test_preview_needs_the_csrf_token(login_as):
    client = login_as(AdminFactory())
    response = client.post("/beheer/voorbeeld?veld=body", data={"body": "**x**"})
    assert response.status_code == 400
    assert "<strong>x</strong>" not in response.get_data(as_text=True)


def test_the_forms_offer_buttons_instead_of_markdown_jargon(login_as):
    client = login_as(AdminFactory())
    for path in ("/beheer/nieuws/nieuw", "/beheer/berichten/nieuw"):
        html = client.get(path).get_data(as_text=True)
        assert "Markdown" not in html and "**vet**" not in html
        for label in ("Vet", "Cursief", "Lijst", "Link", "Voorbeeld bekijken"):
            assert f">{label}<" in html, (path, label)

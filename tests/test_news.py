"""Nieuws: who reads what (lists, item pages, images), publication dates, paging, safe
formatting, the Beheer pages (rights, bad input) and bounded queries."""
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import NewsItem, NotificationEvent, StoredImage, news_item_groups, utcnow
from app.markdown import render_markdown
from tests.content_helpers import SEES, VIEWERS, count_queries, main_of, post_form, school, text_of  # noqa: F401
from tests.factories import NewsItemFactory, png_bytes, stored_names


def image_upload(data=None, name="foto.png"):
    return (io.BytesIO(png_bytes(64, 48) if data is None else data), name)


def stored_news_image():
    from werkzeug.datastructures import FileStorage

    from app.images import save_image

    image = save_image(FileStorage(io.BytesIO(png_bytes(64, 48)), filename="foto.png"), purpose="news")
    db.session.commit()
    return image


def news_items(school):
    return {
        "school": NewsItemFactory(title="Nieuws voor iedereen", school_wide=True, image=stored_news_image()),
        "own": NewsItemFactory(title="Nieuws van groep 3", groups=[school["own"]], image=stored_news_image()),
        "other": NewsItemFactory(title="Nieuws van groep 6", groups=[school["other"]], image=stored_news_image()),
    }


def upload_files(app):
    return stored_names("images/")


# --- who sees what ----------------------------------------------------------------------

@pytest.mark.parametrize("viewer", VIEWERS)
def test_visibility_matrix(school, login_as, viewer):
    items = news_items(school)
    client = login_as(school["people"][viewer])
    listing = main_of(client.get("/nieuws/"))
    for key, item in items.items():
        allowed = SEES[viewer][key]
        assert (item.title in listing) is allowed, (viewer, key)
        assert client.get(f"/nieuws/{item.id}").status_code == (200 if allowed else 404), (viewer, key)
        for suffix in ("afbeelding", "afbeelding/klein"):
            response = client.get(f"/nieuws/{item.id}/{suffix}")
            assert response.status_code == (200 if allowed else 404), (viewer, key, suffix)
            if allowed:
                assert response.mimetype == "image/png"
                assert response.headers["Cache-Control"].startswith("private")


def test_not_logged_in_sees_nothing(school, client):
    item = NewsItemFactory(school_wide=True, image=stored_news_image())
    for path in ("/nieuws/", f"/nieuws/{item.id}", f"/nieuws/{item.id}/afbeelding"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location


def test_parent_of_a_former_pupil_sees_no_news(school, login_as):
    child = school["people"]["parent_in"].guardianships[0].child
    child.left_at = utcnow().date()
    db.session.commit()
    item = NewsItemFactory(title="Nieuws voor iedereen", school_wide=True)
    client = login_as(school["people"]["parent_in"])
    assert item.title not in main_of(client.get("/nieuws/"))
    assert client.get(f"/nieuws/{item.id}").status_code == 404


def test_item_without_image_has_no_image_route(school, login_as):
    item = NewsItemFactory(school_wide=True)
    assert login_as(school["people"]["parent_in"]).get(f"/nieuws/{item.id}/afbeelding").status_code == 404


def test_future_items_are_hidden_from_parents_until_published(school, login_as):
    planned = NewsItemFactory(title="Komt nog", groups=[school["own"]], published_at=utcnow() + timedelta(days=2))
    parent = login_as(school["people"]["parent_in"])
    assert "Komt nog" not in main_of(parent.get("/nieuws/"))
    assert parent.get(f"/nieuws/{planned.id}").status_code == 404
    assert "Komt nog" not in main_of(parent.get("/"))
    # Its teacher may preview it and sees it planned in Beheer.
    teacher = login_as(school["people"]["teacher_own"])
    preview = teacher.get(f"/nieuws/{planned.id}")
    assert preview.status_code == 200 and "Nog niet gepubliceerd" in text_of(preview)
    assert "Gepland" in text_of(teacher.get("/beheer/nieuws/"))
    assert login_as(school["people"]["teacher_other"]).get(f"/nieuws/{planned.id}").status_code == 404
    # Once the moment has passed, parents see it.
    planned.published_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert "Komt nog" in main_of(parent.get("/nieuws/"))


def test_newest_first_and_paginated(school, login_as):
    now = utcnow()
    for n in range(23):
        NewsItemFactory(title=f"Bericht nummer {n:02d}", school_wide=True, published_at=now - timedelta(days=n))
    client = login_as(school["people"]["parent_in"])
    first = main_of(client.get("/nieuws/"))
    assert first.index("Bericht nummer 00") < first.index("Bericht nummer 01") < first.index("Bericht nummer 09")
    assert "Bericht nummer 10" not in first
    assert "Pagina 1 van 3" in first and 'rel="next"' in first
    third = main_of(client.get("/nieuws/?pagina=3"))
    assert "Bericht nummer 22" in third and "Bericht nummer 19" not in third and 'rel="next"' not in third
    assert client.get("/nieuws/?pagina=99").status_code == 404


def test_full_item_page_renders_markdown(school, login_as):
    item = NewsItemFactory(title="Sinterklaas", school_wide=True,
                           body="De Sint komt **woensdag**.\n\n- surprise\n- gedicht\n\n[Lees meer](https://example.org/sint)")
    html = main_of(login_as(school["people"]["parent_in"]).get(f"/nieuws/{item.id}"))
    assert "<strong>woensdag</strong>" in html and "<li>surprise</li>" in html
    assert '<a href="https://example.org/sint" rel="noopener noreferrer nofollow">Lees meer</a>' in html


# --- safe formatting ---------------------------------------------------------------------

@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[klik](javascript:alert(1))",
    '<a href="https://x.example" onclick="alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    "![foto](https://evil.example/pixel.png)",
    "<svg><script>alert(1)</script></svg>",
])
def test_markdown_never_lets_html_through(source):
    html = str(render_markdown(source))
    assert not re.search(r"<(script|img|iframe|svg)", html, re.I)
    assert not re.search(r"<[a-z][^>]*(onclick|onerror|javascript:)", html, re.I)


def test_script_in_text_is_shown_as_text(school, login_as):
    client = login_as(school["people"]["office"])
    response = post_form(client, "/beheer/nieuws/nieuw", {
        "title": "Let op", "body": "Hallo <script>alert('x')</script> allemaal",
        "published_at": "2026-01-05T08:00", "school_wide": "y",
    })
    assert response.status_code == 302
    item = db.session.scalar(select(NewsItem))
    page = text_of(login_as(school["people"]["parent_in"]).get(f"/nieuws/{item.id}"))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page or "&lt;script&gt;alert('x')&lt;/script&gt;" in page


# --- Beheer: creating, rights, bad input -------------------------------------------------

def test_office_creates_school_item_with_image_and_event(school, login_as, app):
    office = school["people"]["office"]
    client = login_as(office)
    assert client.get("/beheer/nieuws/nieuw").status_code == 200
    response = post_form(client, "/beheer/nieuws/nieuw", {
        "title": "Schoolfotograaf", "body": "Op **dinsdag** komt de fotograaf.",
        "published_at": "2026-03-01T09:30", "school_wide": "y", "image": image_upload(),
    }, content_type="multipart/form-data")
    assert response.status_code == 302 and response.location.endswith("/beheer/nieuws/")
    item = db.session.scalar(select(NewsItem))
    assert item.title == "Schoolfotograaf" and item.school_wide and item.groups == []
    assert item.author_id == office.id
    # 09:30 in Amsterdam on 1 March (winter time) is 08:30 UTC.
    assert item.published_at.hour == 8 and item.published_at.minute == 30
    assert item.image is not None and item.image.purpose == "news"
    event = db.session.scalar(select(NotificationEvent))
    assert (event.kind, event.subject_type, event.subject_id, event.created_by_id) == ("news", "news", item.id, office.id)
    assert event.dispatched_at is None  # recorded for the worker, nothing sent from the request
    assert not list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    parent = login_as(school["people"]["parent_in"])
    assert "Schoolfotograaf" in main_of(parent.get("/nieuws/"))
    assert parent.get(f"/nieuws/{item.id}/afbeelding").status_code == 200


def test_teacher_creates_item_for_own_group(school, login_as):
    client = login_as(school["people"]["teacher_own"])
    form = text_of(client.get("/beheer/nieuws/nieuw"))
    assert "Hele school" not in form  # not offered to a teacher
    assert 'value="%d" checked' % school["own"].id in form  # the one group preselected
    response = post_form(client, "/beheer/nieuws/nieuw", {
        "title": "Gym op dinsdag", "body": "Denk aan gymschoenen.", "published_at": "2026-02-02T08:00",
        "groups": str(school["own"].id),
    })
    assert response.status_code == 302
    item = db.session.scalar(select(NewsItem))
    assert [g.id for g in item.groups] == [school["own"].id] and not item.school_wide
    assert db.session.scalar(select(func.count(NotificationEvent.id))) == 1
    assert "Gym op dinsdag" not in main_of(login_as(school["people"]["parent_out"]).get("/nieuws/"))


@pytest.mark.parametrize("data, message", [
    ({"school_wide": "y"}, "Alleen de schooladministratie kan iets voor de hele school plaatsen."),
    ({"groups": "OTHER"}, "U kunt alleen iets plaatsen voor uw eigen groep(en)."),
    ({"groups": ["OWN", "OTHER"]}, "U kunt alleen iets plaatsen voor uw eigen groep(en)."),
    ({}, "Kies de hele school of minstens één groep."),
    ({"groups": "abc"}, "Kies een groep uit de lijst."),
])
def test_teacher_cannot_post_for_school_or_other_group(school, login_as, data, message):
    client = login_as(school["people"]["teacher_own"])
    ids = {"OWN": str(school["own"].id), "OTHER": str(school["other"].id)}
    if "groups" in data:
        value = data["groups"]
        data = dict(data, groups=[ids.get(v, v) for v in value] if isinstance(value, list) else ids.get(value, value))
    response = post_form(client, "/beheer/nieuws/nieuw", {
        "title": "Mag dit?", "body": "Tekst", "published_at": "2026-02-02T08:00", **data,
    }, form_page="/beheer/nieuws/nieuw")
    assert response.status_code == 422
    assert message in text_of(response)
    assert db.session.scalar(select(func.count(NewsItem.id))) == 0
    assert db.session.scalar(select(func.count(NotificationEvent.id))) == 0


def test_office_may_post_for_any_groups(school, login_as):
    client = login_as(school["people"]["office"])
    response = post_form(client, "/beheer/nieuws/nieuw", {
        "title": "Twee groepen", "body": "Tekst", "published_at": "2026-02-02T08:00",
        "groups": [str(school["own"].id), str(school["other"].id)],
    })
    assert response.status_code == 302
    assert {g.name for g in db.session.scalar(select(NewsItem)).groups} == {"3", "6"}


@pytest.mark.parametrize("change, message", [
    ({"title": ""}, "Vul een titel in."),
    ({"title": "   "}, "Vul een titel in."),
    ({"title": "x" * 201}, "De titel mag maximaal 200 tekens zijn."),
    ({"body": ""}, "Vul de tekst van het nieuwsbericht in."),
    ({"published_at": ""}, "Vul een publicatiedatum in."),
    ({"published_at": "morgen"}, "Vul een geldige datum en tijd in."),
    ({"image": "NOT_AN_IMAGE"}, "Dit bestand is geen foto."),
    ({"image": "TOO_LARGE"}, "De foto is te groot. Het maximum is"),
])
def test_bad_input_is_refused_in_dutch_and_nothing_is_stored(school, login_as, app, change, message):
    app.config["MAX_IMAGE_BYTES"] = 50_000
    data = {"title": "Nieuws", "body": "Tekst", "published_at": "2026-02-02T08:00", "school_wide": "y"}
    data.update(change)
    if data.get("image") == "NOT_AN_IMAGE":
        data["image"] = (io.BytesIO(b"<html><script>alert(1)</script></html>"), "foto.png")
    elif data.get("image") == "TOO_LARGE":
        data["image"] = image_upload(b"\x89PNG\r\n\x1a\n" + b"0" * 60_000)
    client = login_as(school["people"]["office"])
    response = post_form(client, "/beheer/nieuws/nieuw", data, form_page="/beheer/nieuws/nieuw",
                         content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in text_of(response)
    assert db.session.scalar(select(func.count(NewsItem.id))) == 0
    assert db.session.scalar(select(func.count(StoredImage.id))) == 0
    assert db.session.scalar(select(func.count(NotificationEvent.id))) == 0
    assert upload_files(app) == []


def test_staff_rights_on_existing_items(school, login_as):
    items = news_items(school)
    teacher = login_as(school["people"]["teacher_own"])
    listing = text_of(teacher.get("/beheer/nieuws/"))
    assert items["own"].title in listing
    assert items["school"].title not in listing and items["other"].title not in listing
    for key in ("school", "other"):
        assert teacher.get(f"/beheer/nieuws/{items[key].id}/wijzigen").status_code == 404
        assert post_form(teacher, f"/beheer/nieuws/{items[key].id}/verwijderen", {},
                         form_page="/beheer/nieuws/").status_code == 404
    assert db.session.scalar(select(func.count(NewsItem.id))) == 3
    # The teacher edits their own item; the office any.
    response = post_form(teacher, f"/beheer/nieuws/{items['own'].id}/wijzigen", {
        "title": "Nieuwe titel", "body": "Nieuwe tekst", "published_at": "2026-02-02T08:00",
        "groups": str(school["own"].id),
    })
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(NewsItem, items["own"].id).title == "Nieuwe titel"
    office = login_as(school["people"]["office"])
    assert office.get(f"/beheer/nieuws/{items['other'].id}/wijzigen").status_code == 200
    # A parent has no Beheer at all.
    assert login_as(school["people"]["parent_in"]).get("/beheer/nieuws/").status_code == 403


def test_teacher_cannot_move_own_item_to_another_group(school, login_as):
    item = NewsItemFactory(title="Van groep 3", groups=[school["own"]])
    teacher = login_as(school["people"]["teacher_own"])
    response = post_form(teacher, f"/beheer/nieuws/{item.id}/wijzigen", {
        "title": "Van groep 3", "body": "Tekst", "published_at": "2026-02-02T08:00",
        "groups": str(school["other"].id),
    })
    assert response.status_code == 422
    assert "U kunt alleen iets plaatsen voor uw eigen groep(en)." in text_of(response)
    db.session.expire_all()
    assert [g.id for g in db.session.get(NewsItem, item.id).groups] == [school["own"].id]


def test_replacing_and_deleting_removes_image_files(school, login_as, app):
    client = login_as(school["people"]["office"])
    post_form(client, "/beheer/nieuws/nieuw", {
        "title": "Met foto", "body": "Tekst", "published_at": "2026-02-02T08:00", "school_wide": "y",
        "image": image_upload(),
    }, content_type="multipart/form-data")
    item = db.session.scalar(select(NewsItem))
    first_files = upload_files(app)
    assert len(first_files) == 2  # the image and its thumbnail
    post_form(client, f"/beheer/nieuws/{item.id}/wijzigen", {
        "title": "Met foto", "body": "Tekst", "published_at": "2026-02-02T08:00", "school_wide": "y",
        "image": image_upload(png_bytes(80, 60, color=(0, 200, 0))),
    }, content_type="multipart/form-data")
    second_files = upload_files(app)
    assert len(second_files) == 2 and not set(first_files) & set(second_files)
    assert db.session.scalar(select(func.count(StoredImage.id))) == 1
    response = post_form(client, f"/beheer/nieuws/{item.id}/verwijderen", {}, form_page="/beheer/nieuws/")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(NewsItem.id))) == 0
    assert db.session.scalar(select(func.count(StoredImage.id))) == 0
    assert upload_files(app) == []


# --- Home ---------------------------------------------------------------------------------

def test_home_shows_recent_news_the_parent_may_read(school, login_as):
    items = news_items(school)
    html = main_of(login_as(school["people"]["parent_in"]).get("/"))
    assert items["school"].title in html and items["own"].title in html
    assert items["other"].title not in html


# --- bounded queries ----------------------------------------------------------------------

def add_news(count, groups):
    start = utcnow() - timedelta(days=400)
    rows = [{"title": f"Bulk {n}", "body": "Tekst **vet**", "school_wide": n % 2 == 0,
             "published_at": start + timedelta(hours=n), "created_at": start, "updated_at": start}
            for n in range(count)]
    ids = list(db.session.scalars(insert(NewsItem).returning(NewsItem.id), rows))
    db.session.execute(insert(news_item_groups), [
        {"news_item_id": item_id, "group_id": group.id} for n, item_id in enumerate(ids) if n % 2 for group in groups])
    db.session.commit()


def test_list_pages_and_home_make_the_same_number_of_queries_for_10_and_1000(school, login_as):
    clients = {who: login_as(school["people"][who]) for who in ("parent_in", "teacher_own", "office")}
    paths = [("parent_in", "/nieuws/"), ("parent_in", "/"),
             ("teacher_own", "/nieuws/"), ("teacher_own", "/beheer/nieuws/"), ("office", "/beheer/nieuws/"),
             ("office", "/")]
    add_news(10, [school["own"], school["other"]])
    few = {key: count_queries(clients[key[0]], key[1]) for key in paths}
    add_news(990, [school["own"], school["other"]])
    many = {key: count_queries(clients[key[0]], key[1]) for key in paths}
    assert many == few
    assert "Pagina 1 van 100" in text_of(clients["parent_in"].get("/nieuws/"))

"""Fotoalbums enforce consent (issue 14): a photo in which staff marked a pupil without
albums consent is shown only to staff and to that pupil's own parents — in the album grid,
on the photo page, by the image and thumbnail URLs and in the album tile; it vanishes at
the very next request after a withdrawal (page cache on) and comes back when consent is
given. Marking pupils (Beheer), "Foto's van mijn kind", and bounded queries."""
import io
import re

import pytest
from sqlalchemy import func, insert, select

from app import clock
from app.extensions import db
from app.models import (
    ALBUMS_PURPOSE, AlbumPhoto, AuditEntry, ConsentPurpose, ConsentPurposeVersion, PhotoTag, consent_purpose_years,
)
from app.privacy.consent import save_answer
from tests.factories import (
    AdminFactory, ChildFactory, GroupFactory, GuardianshipFactory, ParentFactory, album_with_photos, family,
    png_bytes, tag_photo, teacher_of,
)
from tests.fixtures.queries import count_queries
from tests.fixtures.users import Auth
from tests.test_albums import _bulk_photos, upload


# --- consent data, as the parents' Toestemming tab stores it ---------------------------------

def albums_purpose():
    """The albums purpose, asked this school year."""
    purpose = ConsentPurpose(code=ALBUMS_PURPOSE, position=1)
    purpose.versions.append(ConsentPurposeVersion(number=1, name="Besloten fotoalbums in het ouderportaal",
                                                  explanation="Foto's van activiteiten in de albums."))
    db.session.add(purpose)
    db.session.flush()
    db.session.execute(insert(consent_purpose_years).values(purpose_id=purpose.id, school_year=clock.school_year()))
    db.session.commit()
    return purpose


def answer(parent, child, purpose, *answers):
    """The parent answers in turn ("ja" / "nee"); each answer is added, as in the tab."""
    for given in answers:
        assert save_answer(parent, child, purpose, given == "ja")


CONSENT = {
    "ja": ("ja",),
    "geen antwoord": (),
    "ingetrokken": ("ja", "nee"),
    "later gegeven": ("nee", "ja"),
}


# --- the school -------------------------------------------------------------------------------

@pytest.fixture
def world(app):
    purpose = albums_purpose()
    own, far = GroupFactory(name="3"), GroupFactory(name="7")
    marked = ChildFactory(first_name="Quirijn", last_name="Zeldenrust", group=own)
    own_parent = ParentFactory(first_name="Wendela", last_name="Zeldenrust")
    GuardianshipFactory(parent=own_parent, child=marked)
    classmate, (other_parent,) = family(own)
    answer(other_parent, classmate, purpose, "ja")
    _, (far_parent,) = family(far)
    people = {"own_parent": own_parent, "other_parent": other_parent, "far_parent": far_parent,
              "teacher": teacher_of(own), "office": AdminFactory()}
    return {"purpose": purpose, "own": own, "far": far, "marked": marked, "classmate": classmate,
            "people": people}


def marked_album(world, school_wide=False, title="Groep 3 in het bos"):
    """An album whose first photo (the cover) shows the marked pupil; the second nobody."""
    album, (tagged, untagged) = album_with_photos(2, title=title, school_wide=school_wide,
                                                  groups=[] if school_wide else [world["own"]])
    tag_photo(tagged, world["marked"])
    return album, tagged, untagged


SHOWN, HIDDEN, NO_ACCESS = "getoond", "verborgen", "geen toegang"

# (album, viewer, consent of the marked pupil) -> what the viewer gets of the marked photo.
MATRIX = [
    ("groep", "own_parent", "ja", SHOWN), ("groep", "own_parent", "geen antwoord", SHOWN),
    ("groep", "own_parent", "ingetrokken", SHOWN), ("groep", "own_parent", "later gegeven", SHOWN),
    ("groep", "other_parent", "ja", SHOWN), ("groep", "other_parent", "geen antwoord", HIDDEN),
    ("groep", "other_parent", "ingetrokken", HIDDEN), ("groep", "other_parent", "later gegeven", SHOWN),
    ("groep", "far_parent", "ja", NO_ACCESS), ("groep", "far_parent", "geen antwoord", NO_ACCESS),
    ("groep", "far_parent", "ingetrokken", NO_ACCESS), ("groep", "far_parent", "later gegeven", NO_ACCESS),
    ("groep", "teacher", "ja", SHOWN), ("groep", "teacher", "geen antwoord", SHOWN),
    ("groep", "teacher", "ingetrokken", SHOWN), ("groep", "teacher", "later gegeven", SHOWN),
    ("groep", "office", "ja", SHOWN), ("groep", "office", "geen antwoord", SHOWN),
    ("groep", "office", "ingetrokken", SHOWN), ("groep", "office", "later gegeven", SHOWN),
    # A school-wide album: the parent of another group sees it, and the rule applies to them.
    ("school", "own_parent", "geen antwoord", SHOWN), ("school", "own_parent", "ingetrokken", SHOWN),
    ("school", "other_parent", "ja", SHOWN), ("school", "other_parent", "ingetrokken", HIDDEN),
    ("school", "far_parent", "ja", SHOWN), ("school", "far_parent", "geen antwoord", HIDDEN),
    ("school", "far_parent", "ingetrokken", HIDDEN), ("school", "far_parent", "later gegeven", SHOWN),
    ("school", "teacher", "geen antwoord", SHOWN), ("school", "office", "ingetrokken", SHOWN),
]


def urls(album, photo):
    base = f"/fotoalbums/{album.id}/foto/{photo.id}"
    return {"fotopagina": base, "afbeelding": f"{base}/afbeelding", "miniatuur": f"{base}/miniatuur"}


def tile_of(listing, album):
    """The album's tile on the album list: (cover thumbnail URL or None, "n foto's")."""
    match = re.search(rf'<li class="album-card">\s*<a href="/fotoalbums/{album.id}">(.*?)</li>', listing, re.S)
    if match is None:
        return None
    cover = re.search(r'<img src="([^"]+)"', match.group(1))
    count = re.search(r"(\d+) foto", match.group(1)).group(1)
    return (cover.group(1) if cover else None, int(count))


@pytest.mark.parametrize("kind, viewer, consent, outcome", MATRIX)
def test_enforcement_matrix(world, login_as, kind, viewer, consent, outcome):
    album, tagged, untagged = marked_album(world, school_wide=kind == "school")
    answer(world["people"]["own_parent"], world["marked"], world["purpose"], *CONSENT[consent])
    client = login_as(world["people"][viewer])

    album_page = client.get(f"/fotoalbums/{album.id}")
    tile = tile_of(client.get("/fotoalbums").get_data(as_text=True), album)
    if outcome == NO_ACCESS:
        assert album_page.status_code == 404 and tile is None
        for url in [*urls(album, tagged).values(), *urls(album, untagged).values()]:
            assert client.get(url).status_code == 404, url
        return

    html = album_page.get_data(as_text=True)
    shown = outcome == SHOWN
    assert (urls(album, tagged)["miniatuur"] in html) is shown
    assert urls(album, untagged)["miniatuur"] in html  # unmarked photos: as before
    for name, url in urls(album, tagged).items():
        assert client.get(url).status_code == (200 if shown else 404), name
    for url in urls(album, untagged).values():
        assert client.get(url).status_code == 200
    # The tile: the cover is the first photo the viewer sees, the count is of those.
    assert tile == ((urls(album, tagged)["miniatuur"], 2) if shown else (urls(album, untagged)["miniatuur"], 1))
    # Paging through the album counts only what the viewer sees.
    photo_page = client.get(urls(album, untagged)["fotopagina"]).get_data(as_text=True)
    assert ("foto 2 van 2" if shown else "foto 1 van 1") in photo_page
    assert (f'href="{urls(album, tagged)["fotopagina"]}"' in photo_page) is shown


def test_album_images_are_revalidated_and_a_withdrawn_photo_answers_404(world, login_as):
    album, tagged, _ = marked_album(world)
    answer(world["people"]["own_parent"], world["marked"], world["purpose"], "ja")
    client = login_as(world["people"]["other_parent"])
    thumb = urls(album, tagged)["miniatuur"]
    first = client.get(thumb)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-cache"
    assert "Expires" not in first.headers
    etag = first.headers["ETag"]
    assert client.get(thumb, headers={"If-None-Match": etag}).status_code == 304  # cheap while allowed
    answer(world["people"]["own_parent"], world["marked"], world["purpose"], "nee")
    assert client.get(thumb, headers={"If-None-Match": etag}).status_code == 404


def test_withdrawal_hides_the_photo_at_the_next_request(world, login_as):
    album, tagged, untagged = marked_album(world)
    own_parent, purpose, child = world["people"]["own_parent"], world["purpose"], world["marked"]
    answer(own_parent, child, purpose, "ja")
    other = login_as(world["people"]["other_parent"])
    thumb = urls(album, tagged)["miniatuur"]
    assert thumb in other.get(f"/fotoalbums/{album.id}").get_data(as_text=True)
    assert thumb in other.get("/fotoalbums").get_data(as_text=True)

    answer(own_parent, child, purpose, "nee")
    page = other.get(f"/fotoalbums/{album.id}")
    assert thumb not in page.get_data(as_text=True)
    assert tile_of(other.get("/fotoalbums").get_data(as_text=True), album) == (urls(album, untagged)["miniatuur"], 1)
    assert other.get(thumb).status_code == 404
    # Their own parent still sees it.
    assert login_as(own_parent).get(thumb).status_code == 200

    answer(own_parent, child, purpose, "ja")
    page = other.get(f"/fotoalbums/{album.id}")
    assert thumb in page.get_data(as_text=True)
    assert other.get(thumb).status_code == 200


def test_the_stricter_parent_counts_for_the_photo(world, login_as):
    album, tagged, _ = marked_album(world)
    second = ParentFactory(first_name="Ottoline", last_name="Zeldenrust")
    GuardianshipFactory(parent=second, child=world["marked"])
    answer(world["people"]["own_parent"], world["marked"], world["purpose"], "ja")
    answer(second, world["marked"], world["purpose"], "nee")
    client = login_as(world["people"]["other_parent"])
    assert client.get(urls(album, tagged)["miniatuur"]).status_code == 404
    assert login_as(second).get(urls(album, tagged)["miniatuur"]).status_code == 200


def test_the_album_mail_and_home_show_no_photo_at_all(app, world, login_as):
    from datetime import datetime

    from app.jobs.notifications import run_due
    from app.notifications.services import record_event
    from tests.test_notifications import outbox_mails

    album, tagged, untagged = marked_album(world)
    event = record_event("album", "album", album.id)
    event.created_at = datetime(2030, 1, 16, 9)
    db.session.commit()
    assert run_due("2030-01-16 17:31").sent >= 1
    mails = outbox_mails(app)[world["people"]["other_parent"].email]
    for mail in mails:
        for part in ("plain", "html"):
            text = mail.get_body(preferencelist=(part,)).get_content()
            assert album.title in text and "/miniatuur" not in text and "/afbeelding" not in text and "<img" not in text
    home = login_as(world["people"]["other_parent"]).get("/").get_data(as_text=True)
    assert f"/foto/{tagged.id}/" not in home and f"/foto/{untagged.id}/" not in home


# --- marking pupils (Beheer › Fotoalbums) ---------------------------------------------------

def tags_of(*photos):
    return {(tag.photo_id, tag.child_id) for tag in db.session.scalars(
        select(PhotoTag).where(PhotoTag.photo_id.in_([photo.id for photo in photos])))}


def audit_of(action):
    return sorted((entry.actor_id, entry.subject_type, entry.subject_id, tuple(entry.fields)) for entry in
                  db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def batch(client, album, action, photos, children):
    token = Auth(client).csrf(f"/beheer/fotoalbums/{album.id}/markeren")
    data = {"csrf_token": token, "action": action, "photos": [str(p) for p in photos],
            "children": [str(c) for c in children]}
    return client.post(f"/beheer/fotoalbums/{album.id}/markeren", data=data)


def test_teacher_marks_and_unmarks_pupils_on_a_batch_with_audit(world, login_as):
    album, first, second = marked_album(world)
    db.session.execute(PhotoTag.__table__.delete())
    db.session.commit()
    teacher = world["people"]["teacher"]
    marked, classmate = world["marked"], world["classmate"]
    client = login_as(teacher)
    page = client.get(f"/beheer/fotoalbums/{album.id}/markeren").get_data(as_text=True)
    assert "Quirijn Zeldenrust" in page and classmate.name in page

    response = batch(client, album, "markeren", [first.id, second.id], [marked.id, classmate.id])
    assert response.status_code == 302
    assert tags_of(first, second) == {(p.id, c.id) for p in (first, second) for c in (marked, classmate)}
    assert audit_of("gemarkeerd op foto") == sorted(
        [(teacher.id, "child", marked.id, ("photo_tags",)), (teacher.id, "child", classmate.id, ("photo_tags",))])
    page = client.get(response.location).get_data(as_text=True)
    assert "4 markeringen toegevoegd." in page
    assert page.count("Op de foto: ") == 2 and "Quirijn Zeldenrust" in page

    # Marking again adds nothing and audits nothing new.
    assert batch(client, album, "markeren", [first.id], [marked.id]).status_code == 302
    assert len(audit_of("gemarkeerd op foto")) == 2

    assert batch(client, album, "weghalen", [second.id], [marked.id]).status_code == 302
    assert tags_of(first, second) == {(first.id, marked.id), (first.id, classmate.id), (second.id, classmate.id)}
    assert audit_of("markering verwijderd") == [(teacher.id, "child", marked.id, ("photo_tags",))]


def test_the_batch_works_with_htmx_and_returns_the_section(world, login_as):
    album, first, second = marked_album(world)
    client = login_as(world["people"]["teacher"])
    token = Auth(client).csrf(f"/beheer/fotoalbums/{album.id}/markeren")
    response = client.post(f"/beheer/fotoalbums/{album.id}/markeren", headers={"HX-Request": "true"}, data={
        "csrf_token": token, "action": "markeren", "photos": [str(second.id)],
        "children": [str(world["classmate"].id)]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<section id="markeren"')
    assert "1 markering toegevoegd." in html and world["classmate"].name in html
    assert f'id="kies-foto-{second.id}" name="photos" value="{second.id}" checked' in html  # still selected


@pytest.mark.parametrize("case, message", [
    ("other group's pupil", "U kunt alleen leerlingen van de groep(en) van dit album markeren."),
    ("another album's photo", "Kies alleen foto&#39;s uit dit album."),
    ("no pupil", "Kies minstens één leerling."),
    ("no photo", "Kies minstens één foto."),
    ("not a number", "Kies leerlingen uit de lijst."),
    ("huge number", "Kies leerlingen uit de lijst."),
    ("unknown action", "Kies: markeren of markering weghalen."),
])
def test_bad_batch_input_is_refused_in_dutch_and_changes_nothing(world, login_as, case, message):
    album, first, _ = marked_album(world)
    elsewhere, (foreign_photo,) = album_with_photos(1, groups=[world["far"]])
    far_child = ChildFactory(group=world["far"])
    photos, children, action = [first.id], [world["classmate"].id], "markeren"
    if case == "other group's pupil":
        children = [far_child.id]
    elif case == "another album's photo":
        photos = [first.id, foreign_photo.id]
    elif case == "no pupil":
        children = []
    elif case == "no photo":
        photos = []
    elif case == "not a number":
        children = ["abc\n"]
    elif case == "huge number":
        children = [str(10 ** 30)]
    else:
        action = "wissen"
    before = tags_of(first, foreign_photo)
    response = batch(login_as(world["people"]["teacher"]), album, action, photos, children)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Er is niets veranderd." in html and message in html
    assert tags_of(first, foreign_photo) == before
    assert audit_of("gemarkeerd op foto") == []


def test_only_staff_who_manage_the_album_mark(world, login_as):
    album, first, _ = marked_album(world)
    other_teacher = teacher_of(world["far"])
    client = login_as(other_teacher)
    assert client.get(f"/beheer/fotoalbums/{album.id}/markeren").status_code == 404
    assert client.get(f"/beheer/fotoalbums/{album.id}/foto/{first.id}/markeringen").status_code == 404
    assert batch(client, album, "weghalen", [first.id], [world["marked"].id]).status_code == 404
    parent = login_as(world["people"]["own_parent"])
    assert parent.get(f"/beheer/fotoalbums/{album.id}/markeren").status_code == 403
    assert tags_of(first) == {(first.id, world["marked"].id)}
    # A school-wide album is the office's: any current pupil may be marked, by the office only.
    school_album, (photo,) = album_with_photos(1, school_wide=True)
    far_child = ChildFactory(group=world["far"])
    assert login_as(world["people"]["teacher"]).get(f"/beheer/fotoalbums/{school_album.id}/markeren").status_code == 404
    assert batch(login_as(world["people"]["office"]), school_album, "markeren", [photo.id],
                 [far_child.id, world["marked"].id]).status_code == 302
    assert tags_of(photo) == {(photo.id, far_child.id), (photo.id, world["marked"].id)}


def test_one_photo_is_changed_on_its_own(world, login_as):
    album, first, second = marked_album(world)
    teacher = world["people"]["teacher"]
    client = login_as(teacher)
    path = f"/beheer/fotoalbums/{album.id}/foto/{first.id}/markeringen"
    page = client.get(path).get_data(as_text=True)
    assert f'value="{world["marked"].id}" checked' in page
    response = client.post(path, data={"csrf_token": Auth(client).csrf(path), "children": [str(world["classmate"].id)]})
    assert response.status_code == 302 and response.location.endswith(f"#foto-{first.id}")
    assert tags_of(first, second) == {(first.id, world["classmate"].id)}
    assert audit_of("gemarkeerd op foto") == [(teacher.id, "child", world["classmate"].id, ("photo_tags",))]
    assert audit_of("markering verwijderd") == [(teacher.id, "child", world["marked"].id, ("photo_tags",))]
    far_child = ChildFactory(group=world["far"])
    refused = client.post(path, data={"csrf_token": Auth(client).csrf(path), "children": [str(far_child.id)]})
    assert refused.status_code == 422 and "Er is niets veranderd." in refused.get_data(as_text=True)
    assert tags_of(first) == {(first.id, world["classmate"].id)}
    # A photo of another album under this album's URL: 404.
    _, (foreign,) = album_with_photos(1, groups=[world["own"]])
    assert client.get(f"/beheer/fotoalbums/{album.id}/foto/{foreign.id}/markeringen").status_code == 404


def test_upload_marks_the_chosen_pupils_on_every_photo(app, world, login_as):
    teacher = world["people"]["teacher"]
    client = login_as(teacher)
    page = client.get("/beheer/fotoalbums/nieuw").get_data(as_text=True)
    assert "zo houdt het portaal foto's van kinderen zonder toestemming weg bij andere ouders" in page
    files = [("a.png", png_bytes()), ("b.png", png_bytes(color=(1, 2, 3)))]
    response = upload(client, "/beheer/fotoalbums/nieuw", files, title="Sportdag", groups=str(world["own"].id),
                      children=str(world["marked"].id))
    assert response.status_code == 302
    photos = db.session.scalars(select(AlbumPhoto).order_by(AlbumPhoto.id)).all()
    assert tags_of(*photos) == {(photo.id, world["marked"].id) for photo in photos}
    assert audit_of("gemarkeerd op foto") == [(teacher.id, "child", world["marked"].id, ("photo_tags",))]

    album = photos[0].album
    added = upload(client, f"/beheer/fotoalbums/{album.id}/fotos", [("c.png", png_bytes())],
                   children=str(world["classmate"].id))
    assert added.status_code == 302
    newest = db.session.scalar(select(AlbumPhoto).order_by(AlbumPhoto.id.desc()))
    assert tags_of(newest) == {(newest.id, world["classmate"].id)}


def test_upload_with_another_groups_pupil_stores_nothing(app, world, login_as):
    far_child = ChildFactory(group=world["far"])
    client = login_as(world["people"]["teacher"])
    response = upload(client, "/beheer/fotoalbums/nieuw", [("a.png", png_bytes())], title="Sportdag",
                      groups=str(world["own"].id), children=str(far_child.id))
    assert response.status_code == 422
    assert "U kunt alleen leerlingen van de groep(en) van dit album markeren." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AlbumPhoto.id))) == 0
    assert db.session.scalar(select(func.count(PhotoTag.photo_id))) == 0


def test_upload_and_batch_pages_list_the_pupils_without_consent_by_name_and_photo(world, login_as):
    from werkzeug.datastructures import FileStorage

    from app.images import save_image

    image = save_image(FileStorage(io.BytesIO(png_bytes()), filename="p.png"), purpose="child")
    db.session.flush()
    world["marked"].photo_id = image.id
    db.session.commit()
    album, _, _ = marked_album(world)
    client = login_as(world["people"]["teacher"])
    for path in (f"/beheer/fotoalbums/{album.id}", f"/beheer/fotoalbums/{album.id}/markeren", "/beheer/fotoalbums/nieuw"):
        html = client.get(path).get_data(as_text=True)
        notice = html[html.index("Leerlingen zonder toestemming voor de fotoalbums"):]
        notice = notice[:notice.index("</section>")]
        assert "Quirijn Zeldenrust" in notice and world["classmate"].name not in notice, path
        photo_url = f"/groepen/foto/{world['marked'].photo_id}/klein"
        assert photo_url in notice
        assert client.get(photo_url).status_code == 200
        assert "Een foto zonder markering ziet, zoals altijd, elke ouder van het album." in html


# --- "Foto's van mijn kind" ---------------------------------------------------------------------

def test_a_parent_finds_the_photos_of_their_own_child(world, login_as):
    marked, classmate = world["marked"], world["classmate"]
    older, (old_tagged, _) = album_with_photos(2, title="Kamp", groups=[world["own"]])
    tag_photo(old_tagged, marked)
    newer, tagged, untagged = marked_album(world, school_wide=True, title="Koningsspelen")
    _, (far_photo,) = album_with_photos(1, title="Groep 7 kamp", groups=[world["far"]])
    tag_photo(far_photo, marked)  # an album the parent cannot see (another group's)
    client = login_as(world["people"]["own_parent"])
    assert f"/fotoalbums/kind/{marked.id}" in client.get("/fotoalbums").get_data(as_text=True)
    html = client.get(f"/fotoalbums/kind/{marked.id}").get_data(as_text=True)
    assert "<h1>Foto's van Quirijn</h1>" in html
    shown = re.findall(r"/fotoalbums/(\d+)/foto/(\d+)/miniatuur", html)
    assert shown == [(str(newer.id), str(tagged.id)), (str(older.id), str(old_tagged.id))]  # newest album first
    assert html.index("Koningsspelen") < html.index("Kamp") and "Groep 7 kamp" not in html
    # Another family's child: 404, as for one that does not exist.
    assert client.get(f"/fotoalbums/kind/{classmate.id}").status_code == 404
    assert client.get("/fotoalbums/kind/999999").status_code == 404


def test_own_childs_photo_with_another_non_consenting_pupil_stays_hidden(world, login_as):
    """As in the album grid: the own-child exemption is only for the own child's block."""
    album, tagged, _ = marked_album(world)
    classmate = world["classmate"]
    tag_photo(tagged, classmate)
    other_parent = world["people"]["other_parent"]
    client = login_as(other_parent)
    assert client.get(f"/fotoalbums/kind/{classmate.id}").get_data(as_text=True).count("/miniatuur") == 0
    assert client.get(urls(album, tagged)["miniatuur"]).status_code == 404
    answer(world["people"]["own_parent"], world["marked"], world["purpose"], "ja")
    assert client.get(f"/fotoalbums/kind/{classmate.id}").get_data(as_text=True).count("/miniatuur") == 1


def test_the_childs_photos_are_paginated(world, login_as):
    album, _, _ = marked_album(world)
    _bulk_photos([album.id], 30)
    for photo in db.session.scalars(select(AlbumPhoto).where(AlbumPhoto.album_id == album.id)):
        db.session.merge(PhotoTag(photo_id=photo.id, child_id=world["marked"].id))
    db.session.commit()
    client = login_as(world["people"]["own_parent"])
    first = client.get(f"/fotoalbums/kind/{world['marked'].id}").get_data(as_text=True)
    second = client.get(f"/fotoalbums/kind/{world['marked'].id}?pagina=2").get_data(as_text=True)
    assert first.count("/miniatuur") == 24 and second.count("/miniatuur") == 8
    assert "Pagina 1 van 2" in first and f"/fotoalbums/kind/{world['marked'].id}?pagina=2" in first


# --- bounded queries ----------------------------------------------------------------------------

def test_album_grid_queries_do_not_grow_with_marked_photos(world, login_as):
    album, _, _ = marked_album(world)
    pupils = [ChildFactory(group=world["own"]) for _ in range(5)]

    def add_marked(count):
        before = set(db.session.scalars(select(AlbumPhoto.id).where(AlbumPhoto.album_id == album.id)))
        _bulk_photos([album.id], count)
        new = set(db.session.scalars(select(AlbumPhoto.id).where(AlbumPhoto.album_id == album.id))) - before
        db.session.execute(insert(PhotoTag), [{"photo_id": photo_id, "child_id": pupils[n % 5].id}
                                              for n, photo_id in enumerate(sorted(new))])
        db.session.commit()

    clients = {"parent": login_as(world["people"]["other_parent"]), "teacher": login_as(world["people"]["teacher"]),
               "own": login_as(world["people"]["own_parent"])}
    paths = [("parent", f"/fotoalbums/{album.id}"), ("parent", "/fotoalbums"), ("teacher", f"/fotoalbums/{album.id}"),
             ("teacher", f"/beheer/fotoalbums/{album.id}"), ("teacher", f"/beheer/fotoalbums/{album.id}/markeren"),
             ("own", f"/fotoalbums/kind/{world['marked'].id}")]
    add_marked(10)
    few = {(who, path): count_queries(clients[who], path) for who, path in paths}
    add_marked(300)
    many = {(who, path): count_queries(clients[who], path) for who, path in paths}
    assert many == few

"""Demo data step "consent": purposes, a mix of answers, a groep-3 pupil with "nee" for the
albums marked in group-3 photos, so Sam's parents do not see those photos and hers do."""
import re

from sqlalchemy import func, select

from app.demo import DEMO_PASSWORD, DemoContext, consent, messages_albums, people
from app.extensions import db
from app.models import Album, AlbumPhoto, ConsentAnswer, Guardianship, PhotoTag, User
from app.privacy.consent import consenting_children


def _run():
    ctx = DemoContext()
    for step in (people, messages_albums, consent):
        step.seed(ctx)
        db.session.commit()
    return ctx


def _photo_ids_on(client, album):
    page = client.get(f"/fotoalbums/{album.id}").get_data(as_text=True)
    return {int(found) for found in re.findall(rf"/fotoalbums/{album.id}/foto/(\d+)", page)}


def test_demo_consent(app, login_as):
    ctx = _run()
    counts = (db.session.scalar(select(func.count(ConsentAnswer.id))),
              db.session.scalar(select(func.count()).select_from(PhotoTag)))
    _run()
    assert (db.session.scalar(select(func.count(ConsentAnswer.id))),
            db.session.scalar(select(func.count()).select_from(PhotoTag))) == counts  # idempotent
    assert counts[0] >= 100 and counts[1] >= 4

    refusing = ctx.created["refusing_pupil"]
    assert refusing.group.name == "3" and refusing.id not in consenting_children()
    assert ctx.created["sam"].id in consenting_children()
    album = db.session.scalar(select(Album).where(Album.title == "Groep 3 bakt pannenkoeken"))
    all_photos = set(db.session.scalars(select(AlbumPhoto.id).where(AlbumPhoto.album_id == album.id)))
    hidden = set(db.session.scalars(
        select(PhotoTag.photo_id).where(PhotoTag.child_id == refusing.id, PhotoTag.photo_id.in_(all_photos))))
    assert hidden and hidden < all_photos

    for login in ("ouder@example.nl", "ouder2@example.nl"):
        client = login_as(db.session.scalar(select(User).where(User.login_name == login)), DEMO_PASSWORD)
        assert _photo_ids_on(client, album) == all_photos - hidden
    own_parent = db.session.scalar(select(User).join(Guardianship, Guardianship.parent_id == User.id)
                                   .where(Guardianship.child_id == refusing.id))
    assert _photo_ids_on(login_as(own_parent, DEMO_PASSWORD), album) == all_photos
    teacher = db.session.scalar(select(User).where(User.login_name == "juf.anna@schutkampen.example"))
    assert _photo_ids_on(login_as(teacher, DEMO_PASSWORD), album) == all_photos


def test_demo_retention_shows_a_pupil_due_within_the_month_and_one_held_back(app):
    from app.admin import retention
    from app.demo import admin

    ctx = DemoContext()
    for step in (people, admin):
        step.seed(ctx)
        db.session.commit()
    page = retention.overview()
    upcoming = {pupil.child.first_name: pupil for pupil in page["upcoming"]}
    assert set(upcoming) == {"Noa"} and not page["due_now"]
    assert [(parent.first_name, erased) for parent, erased in upcoming["Noa"].parents] == [("Sandra", True)]
    assert [held.child.first_name for held in page["held"]] == ["Daan"]
    assert retention.run_retention().pupils == 0  # nothing is due today: the demo keeps its pupils

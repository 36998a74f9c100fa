"""Demo data step "messages_albums": a year of messages, one current spoedbericht, albums."""
from datetime import timedelta

from sqlalchemy import func, select

from app.demo import DemoContext, people
from app.demo import messages_albums
from app.extensions import db
from app.models import Album, AlbumPhoto, Message, MessageRead, MessageReply, User, utcnow
from tests.factories import image_object


def _run():
    ctx = DemoContext()
    people.seed(ctx)
    db.session.commit()
    messages_albums.seed(ctx)
    db.session.commit()
    return ctx


def _counts():
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Message, MessageRead, MessageReply, Album, AlbumPhoto)}


def test_demo_messages_and_albums(app, login_as):
    _run()
    counts = _counts()
    _run()
    assert _counts() == counts  # idempotent

    now = utcnow()
    urgent = db.session.scalars(select(Message).where(Message.urgent.is_(True))).all()
    assert len(urgent) == 1 and urgent[0].created_at > now - timedelta(days=1)
    dates = db.session.scalars(select(Message.created_at)).all()
    assert max(dates) <= now and min(dates) < now - timedelta(days=250)  # a year, nothing ahead
    assert counts["MessageReply"] >= 10 and counts["MessageRead"] >= 200
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.school_wide.is_(False))) >= 8

    albums = db.session.scalars(select(Album)).all()
    assert any(a.school_wide for a in albums)
    assert len({g.name for a in albums for g in a.groups}) >= 3
    for photo in db.session.scalars(select(AlbumPhoto)).all():
        assert image_object(photo.image).exists() and image_object(photo.image, thumb=True).exists()

    parent = db.session.scalar(select(User).where(User.login_name == "ouder@example.nl"))
    client = login_as(parent, "Demo!2026")
    home = client.get("/").get_data(as_text=True)
    assert home.index(messages_albums.URGENT_TITLE) < home.index('id="berichten-kop"')
    assert "ongelezen" in home
    listing = client.get("/fotoalbums").get_data(as_text=True)
    assert "Sint-Maarten lampionnen" in listing and "Schoolkamp groep 6" in listing
    assert "Afscheidsmusical groep 8" not in listing  # Sam and Lotte are in 3 and 6

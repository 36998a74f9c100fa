"""Demo Toestemming beeldmateriaal: the school's purposes for this school year, a mix of
answers, and pupils marked in the group-3 photos.

One groep-3 pupil of another family (the first one after Sam) has "nee" for the albums
purpose and is marked in some photos of "Groep 3 bakt pannenkoeken" and "Sint-Maarten
lampionnen": her own parents and staff see those photos, `ouder` and `ouder2` (Sam's
parents) and the other parents of groep 3 do not. Sam has "ja" (from Marloes) and is marked
in a few photos too. Lotte has no answers yet, so Marloes sees the Home prompt.
"""
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import (
    ALBUMS_PURPOSE, Album, AlbumPhoto, Child, ConsentAnswer, ConsentPurpose, ConsentPurposeVersion, Guardianship,
    PhotoTag, consent_purpose_years,
)

PURPOSES = [
    # (code, name, explanation)
    (ALBUMS_PURPOSE, "Besloten fotoalbums in het ouderportaal",
     "Foto's van activiteiten in de fotoalbums van dit ouderportaal. Alleen ouders van de groep (of van de "
     "school, bij een schoolbreed album) kunnen ze zien, na inloggen."),
    (None, "Website van de school",
     "Foto's op de openbare website van de school, zonder naam erbij. Iedereen op internet kan ze zien."),
    (None, "Nieuwsbrief",
     "Foto's in de nieuwsbrief die per e-mail naar alle ouders gaat."),
    (None, "Sociale media",
     "Foto's op de Facebook- en Instagrampagina van de school. Iedereen kan ze zien en delen."),
    (None, "Schoolgids",
     "Foto's in de gedrukte en digitale schoolgids, die ook nieuwe ouders krijgen."),
]

# For every other family: "ja" for albums and newsletter, mixed for the rest (by index).
MARKED = {
    # album title: {photo position: which pupils ("refusing", "sam")}
    "Groep 3 bakt pannenkoeken": {1: ("sam",), 2: ("refusing",), 3: ("refusing", "sam")},
    "Sint-Maarten lampionnen": {1: ("refusing",), 4: ("sam",)},
}


def _purposes(admin, year):
    found = []
    for position, (code, name, explanation) in enumerate(PURPOSES, 1):
        purpose = db.session.scalar(
            select(ConsentPurpose).join(ConsentPurposeVersion).where(ConsentPurposeVersion.name == name))
        if purpose is None:
            purpose = ConsentPurpose(code=code, position=position)
            purpose.versions.append(ConsentPurposeVersion(number=1, name=name, explanation=explanation,
                                                          created_by_id=admin.id))
            db.session.add(purpose)
            db.session.flush()
        asked = db.session.execute(select(consent_purpose_years).where(
            consent_purpose_years.c.purpose_id == purpose.id, consent_purpose_years.c.school_year == year)).first()
        if asked is None:
            db.session.execute(consent_purpose_years.insert().values(purpose_id=purpose.id, school_year=year))
        found.append(purpose)
    return found


def _answer(child, parent, purpose, given, year):
    db.session.add(ConsentAnswer(child_id=child.id, version_id=purpose.current.id, school_year=year,
                                 given=given, parent_id=parent.id))


def _refusing_pupil(ctx):
    """The first groep-3 pupil of another family than Sam's."""
    group = ctx.created["groups"]["3"]
    sam = ctx.created["sam"]
    return db.session.scalar(
        select(Child).where(Child.group_id == group.id, Child.id != sam.id, Child.left_at.is_(None))
        .order_by(Child.id))


def _answers(ctx, purposes, year):
    albums = purposes[0]
    sam, refusing = ctx.created["sam"], _refusing_pupil(ctx)
    # Sam: Marloes answers everything; Peter's link is read-only, so he cannot answer.
    for index, purpose in enumerate(purposes):
        _answer(sam, ctx.created["parent"], purpose, index in (0, 2, 4), year)
    for index, (family, kids) in enumerate(ctx.created["families"]):
        for kid in kids:
            if index % 7 == 6 and kid is not refusing:
                continue  # some families have not answered yet
            for number, purpose in enumerate(purposes):
                given = purpose is not albums or kid is not refusing
                if purpose is not albums and number != 2:
                    given = given and (index + number) % 3 != 0
                _answer(kid, family[0], purpose, given, year)
            if len(family) > 1 and index % 5 == 1:
                # The second parent answered too: "nee" for social media, the stricter answer.
                _answer(kid, family[1], purposes[3], False, year)
    return refusing


def _mark(ctx, refusing):
    pupils = {"sam": ctx.created["sam"], "refusing": refusing}
    tagger = ctx.created["teachers"].get("juf.anna@schutkampen.example")
    for title, photos in MARKED.items():
        album = db.session.scalar(select(Album).where(Album.title == title))
        if album is None:
            continue
        for photo in db.session.scalars(select(AlbumPhoto).where(AlbumPhoto.album_id == album.id)):
            for name in photos.get(photo.position, ()):
                db.session.add(PhotoTag(photo_id=photo.id, child_id=pupils[name].id,
                                        tagged_by_id=getattr(tagger, "id", None)))


def seed(ctx):
    year = clock.school_year()
    if db.session.scalar(select(ConsentAnswer.id).limit(1)) is not None:
        return  # already there: the demo is the same when run twice
    purposes = _purposes(ctx.created["admin"], year)
    db.session.flush()
    for purpose in purposes:
        db.session.refresh(purpose)
    refusing = _answers(ctx, purposes, year)
    if refusing is not None and db.session.get(Guardianship, (ctx.created["parent"].id, refusing.id)) is None:
        _mark(ctx, refusing)
    ctx.created["refusing_pupil"] = refusing

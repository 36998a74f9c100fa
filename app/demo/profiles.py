"""Demo profiles: addresses and phone numbers, varied privacy choices, a few photos (drawn
with Pillow), emergency numbers and teacher notes.

Idempotent: a value is only filled in when empty, privacy choices only for someone who has
none yet, a photo only for someone without one, a note only when its text is not there.
"""
import io

from PIL import Image, ImageDraw
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.images import save_image
from app.models import ChildNote, ContactNumber, PrivacySetting

STREETS = ["Kastanjelaan", "Lindenhof", "Schoolstraat", "Haarweg", "Wierdensestraat", "Molenkamp",
           "Esweg", "Boekweitstraat", "Enterstraat", "Stationsstraat", "Rosariumlaan", "Pluimersdijk"]
TOWNS = [("7461", "Rijssen"), ("7462", "Rijssen"), ("7463", "Rijssen"), ("7451", "Holten"), ("7642", "Wierden")]
PAIRS = "ABCDEFGHJKLMNPRSTVWXZ"

# Privacy profiles (field -> level); "staff" everywhere is the default, so it needs no rows.
PARENT_PROFILES = [
    {"phone_mobile": "group", "photo": "group"},
    {"phone_mobile": "group", "email": "group", "extra_numbers": "group"},
    {},  # keeps everything to the school
    {"phone_mobile": "school", "photo": "school", "email": "group", "address": "group"},
    {"photo": "group"},
    {"phone_mobile": "group", "phone_home": "group", "address": "group"},
]
CHILD_PROFILES = [
    {"birthday": "group", "photo": "group"},
    {"birthday": "school", "photo": "group"},
    {},
    {"birthday": "group"},
]
EMERGENCY_LABELS = ["Oma", "Opa", "Buurvrouw", "Tante", "Oppas", "Opa en oma"]

NOTES = {
    "Sam": [
        "Sam heeft deze week heel goed meegedaan met het voorlezen. Hij las zijn eerste boekje helemaal zelf uit!",
        "Wilt u Sam deze week gymkleding meegeven? Op donderdag hebben we gym in de sporthal.",
    ],
    "Lotte": ["Lotte heeft een mooie spreekbeurt over egels gehouden. Complimenten!"],
}


def _phone(prefix, number):
    return f"{prefix}-{number:08d}" if prefix == "06" else f"{prefix}-{number:06d}"


def _address(index):
    digits, town = TOWNS[index % len(TOWNS)]
    letters = PAIRS[index % len(PAIRS)] + PAIRS[(index * 7) % len(PAIRS)]
    return {"street": STREETS[index % len(STREETS)], "house_number": str(3 + (index * 7) % 120),
            "postcode": f"{digits} {letters}", "city": town}


def _fill(person, values):
    for name, value in values.items():
        if not getattr(person, name):
            setattr(person, name, value)


def _levels(owner_field, owner, levels):
    exists = db.session.scalar(select(PrivacySetting.id).where(getattr(PrivacySetting, owner_field) == owner.id))
    if exists is None:
        for field, level in levels.items():
            db.session.add(PrivacySetting(**{owner_field: owner.id}, field=field, visibility=level))


def avatar_bytes(seed):
    """A friendly drawn face on a coloured background (a JPEG), different per seed."""
    colours = [(250, 208, 196), (180, 220, 240), (200, 235, 200), (255, 230, 160), (225, 205, 240)]
    skins = [(241, 194, 125), (224, 172, 105), (198, 134, 66), (255, 219, 172), (141, 85, 36)]
    hair = [(60, 40, 20), (200, 160, 60), (20, 20, 20), (150, 70, 30), (230, 200, 120)]
    size = 320
    image = Image.new("RGB", (size, size), colours[seed % len(colours)])
    draw = ImageDraw.Draw(image)
    draw.ellipse((70, 40, 250, 230), fill=hair[(seed // 2) % len(hair)])            # hair
    draw.ellipse((85, 70, 235, 250), fill=skins[seed % len(skins)])                 # face
    draw.rectangle((60, 250, 260, 320), fill=colours[(seed + 2) % len(colours)])    # shirt
    draw.ellipse((125, 135, 140, 150), fill=(40, 40, 40))                           # eyes
    draw.ellipse((180, 135, 195, 150), fill=(40, 40, 40))
    draw.arc((125, 160, 195, 215), start=20, end=160, fill=(150, 40, 40), width=5)  # smile
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _photo(person, purpose, seed):
    if person.photo_id is None:
        image = save_image(FileStorage(io.BytesIO(avatar_bytes(seed)), filename="demo.jpg"), purpose)
        db.session.flush()
        person.photo_id = image.id


def seed(ctx):
    created = ctx.created
    parent, parent2, sam, lotte = created["parent"], created["parent2"], created["sam"], created["lotte"]
    families = [([parent, parent2], [sam, lotte])] + list(created["families"])

    for index, (parents, kids) in enumerate(families):
        address = _address(index)
        for number, person in enumerate(parents):
            _fill(person, {"phone_mobile": _phone("06", 12000000 + index * 37 + number), **address})
            if index % 3 == 1:
                _fill(person, {"phone_home": _phone("0548", 510000 + index)})
            if index % 4 == 2 and db.session.scalar(
                    select(ContactNumber.id).where(ContactNumber.user_id == person.id)) is None:
                db.session.add(ContactNumber(user_id=person.id, label="werk", number=_phone("0548", 380000 + index)))
            _levels("user_id", person, PARENT_PROFILES[(index + number) % len(PARENT_PROFILES)])
        for number, kid in enumerate(kids):
            _fill(kid, address)
            _levels("child_id", kid, CHILD_PROFILES[(index + number) % len(CHILD_PROFILES)])
            if db.session.scalar(select(ContactNumber.id).where(ContactNumber.child_id == kid.id)) is None:
                for extra in range(1 + index % 2):
                    db.session.add(ContactNumber(
                        child_id=kid.id, is_emergency=True,
                        label=EMERGENCY_LABELS[(index + extra) % len(EMERGENCY_LABELS)],
                        number=_phone("06", 31000000 + index * 11 + extra)))

    # Photos: the demo family, and a few other families in groep 3 and elsewhere.
    _photo(parent, "profile", 1)
    _photo(sam, "child", 2)
    _photo(lotte, "child", 3)
    for index, (parents, kids) in enumerate(created["families"][:12]):
        if index % 3 == 0:
            _photo(parents[0], "profile", 10 + index)
        if index % 2 == 0:
            _photo(kids[0], "child", 20 + index)

    # Teacher notes: juf Anna (groep 3) about Sam; meester Joost (groep 6) about Lotte.
    teachers = created["teachers"]
    authors = {"Sam": teachers.get("juf.anna@schutkampen.example"),
               "Lotte": teachers.get("meester.joost@schutkampen.example")}
    for child in (sam, lotte):
        for body in NOTES[child.first_name]:
            exists = db.session.scalar(
                select(ChildNote.id).where(ChildNote.child_id == child.id, ChildNote.body == body))
            if exists is None:
                author = authors[child.first_name]
                db.session.add(ChildNote(child_id=child.id, author_id=author.id if author else None, body=body))
    db.session.flush()

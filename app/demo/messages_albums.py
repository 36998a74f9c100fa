"""Demo Berichten and Fotoalbums: a year of messages and calls (some with parents'
replies, many already read), exactly one current spoedbericht, and photo albums for the
school and several groups with small photos drawn by Pillow.

Dates roll with the calendar: each message is placed on the most recent past occurrence
of its day, so the demo always shows the last twelve months and nothing from the future.
Idempotent: an item whose title exists is left alone. No notification events: the worker
should not mail a year of old messages.
"""
import io
import math
from datetime import date, datetime, time, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.clock import to_utc
from app.extensions import db
from app.images import save_image
from app.models import Album, AlbumPhoto, Message, MessageRead, MessageReply, utcnow

URGENT_TITLE = "Schoolplein morgen dicht door stormschade"
URGENT_TEXT = (
    "Beste ouders,\n\nDoor de storm van vannacht is er een boom op het schoolplein gevallen. "
    "Het plein is morgen **de hele dag afgesloten**.\n\n"
    "- Breng uw kind naar de **zij-ingang aan de Kerkstraat**.\n"
    "- De pauzes zijn binnen; geef gerust een extra boek mee.\n\n"
    "Overmorgen is alles weer zoals gewoon. Vragen? Bel de administratie."
)

# (month, day, hour, title, groups or None = whole school, replies allowed, Markdown text)
MESSAGES = [
    (12, 2, 9, "Hulp gezocht bij het versieren voor kerst", None, True,
     "Wie helpt ons de school in kerstsfeer te brengen? We versieren op **maandagmiddag** na schooltijd. "
     "Laat via een reactie weten of u kunt komen."),
    (12, 15, 14, "Kerstdiner: wat neemt uw kind mee?", ["3"], True,
     "Op het kerstdiner eten we samen in de klas. Op de lijst in de klas kunt u aangeven wat u maakt. "
     "Reageer hieronder als u iets anders wilt meegeven of als uw kind een dieet heeft."),
    (1, 12, 8, "Gevonden voorwerpen", None, False,
     "De bak met gevonden voorwerpen is weer vol: jassen, bekers, gymschoenen. Kijk even bij de "
     "hoofdingang; wat er vrijdag nog ligt, gaat naar een goed doel."),
    (1, 26, 12, "Oproep: ouders voor de verkeerscommissie", None, True,
     "De verkeerscommissie zoekt nieuwe leden. We denken mee over veilig fietsen en oversteken rond school. "
     "Twee keer per jaar overleg. Interesse? Reageer op dit bericht."),
    (2, 9, 10, "Luizencontrole na de vakantie", None, False,
     "Na de voorjaarsvakantie is er weer **luizencontrole**. Wilt u uw kind die dag geen ingewikkelde "
     "vlechten of gel in het haar geven? Dank aan de luizenmoeders en -vaders!"),
    (3, 4, 15, "Groep 6: fietsen mee voor het verkeersexamen", ["6"], False,
     "Volgende week oefenen we voor het praktisch verkeersexamen. Geef uw kind een **fiets die in orde is** "
     "mee (remmen, bel, verlichting). De wijkagent controleert de fietsen."),
    (3, 18, 9, "Rijders gezocht voor het museumbezoek", ["8"], True,
     "Groep 8 gaat naar het museum in de stad. We zoeken nog drie ouders die willen rijden. "
     "We vertrekken om 8:45 uur en zijn rond 15:00 uur terug."),
    (4, 8, 13, "Paasontbijt: gezamenlijk ontbijten op school", None, False,
     "Donderdag ontbijten alle groepen samen in de klas. Uw kind hoeft thuis niet te ontbijten; "
     "geef wel een bord, beker en bestek mee, voorzien van naam."),
    (4, 21, 16, "Koningsspelen: sportieve kleding aan", None, False,
     "Vrijdag zijn de Koningsspelen. We beginnen met het koningsontbijt en daarna is er een sportcircuit "
     "op het veld. Sportieve kleding en gymschoenen aan, en een **bidon** mee."),
    (5, 19, 11, "Groep 3: zaadjes en plantjes gevraagd", ["3"], True,
     "Voor ons project *Groei en bloei* zoeken we zaadjes, potjes en stekjes. Heeft u iets over? "
     "Laat het weten in een reactie of geef het mee naar school."),
    (6, 2, 9, "Avondvierdaagse: inschrijven bij de administratie", None, True,
     "Loopt uw kind mee met de avondvierdaagse? Aanmelden kan tot vrijdag. We zoeken ook begeleiders "
     "voor de afstanden van 2,5 en 5 km: reageer als u wilt meelopen."),
    (6, 23, 14, "Groep 8: afscheidsmusical, kaartjes", ["8"], False,
     "De afscheidsmusical van groep 8 is op woensdagavond. Elk gezin krijgt **twee kaartjes**. "
     "Extra kaartjes kunnen bij de administratie worden gevraagd zolang er plek is."),
    (7, 7, 10, "Laatste schooldag: om 12:00 uur vrij", None, False,
     "Op de laatste schooldag zijn alle kinderen om **12:00 uur** vrij. We sluiten af met een "
     "spetterende ochtend op het plein. Fijne vakantie alvast!"),
    (8, 31, 9, "Welkom terug: de eerste schooldag", None, False,
     "Welkom in het nieuwe schooljaar! De deuren gaan om 8:20 uur open. De kleuters mogen de eerste week "
     "door een ouder naar de klas worden gebracht."),
    (9, 9, 15, "Groep 1/2a: wie leest er voor in de klas?", ["1/2a"], True,
     "Elke vrijdagochtend lezen we een prentenboek voor. We zoeken ouders, opa's of oma's die willen "
     "**voorlezen** (15 minuten). Reageer met een vrijdag die u schikt."),
    (9, 24, 12, "Gymrooster groep 3 en 4", ["3", "4"], False,
     "Groep 3 en 4 gymmen op **dinsdag en vrijdag**. Gymschoenen met lichte zolen graag; "
     "zet de naam in kleding en schoenen."),
    (10, 6, 10, "Oproep: hulp bij de schoolbibliotheek", None, True,
     "De schoolbibliotheek zoekt versterking. Boeken uitlenen en terugzetten, één ochtend per week of "
     "om de week. Reageer als u mee wilt helpen."),
    (10, 20, 16, "Groep 6: schoolkamp, de paklijst", ["6"], True,
     "Hieronder vindt u de paklijst voor het schoolkamp:\n\n- slaapzak en kussen\n- zaklamp\n"
     "- laarzen en regenjas\n- toilettas\n\nMedicijnen graag bij de leerkracht inleveren. "
     "Vragen kunt u hieronder stellen."),
    (11, 3, 9, "Studiedag: alle kinderen vrij", None, False,
     "Op de studiedag werken de leerkrachten aan ons nieuwe rekenprogramma. Alle kinderen zijn die dag "
     "**vrij**. De BSO is wel open voor kinderen die daar zijn aangemeld."),
    (11, 17, 13, "Sinterklaassurprises groep 5 t/m 8", ["5", "6", "7", "8"], False,
     "De lootjes zijn getrokken! De surprise mag maximaal **€5** kosten en moet op 4 december mee naar "
     "school. Houd het geheim!"),
    (11, 24, 11, "Groep 3: leesouders gezocht", ["3"], True,
     "Voor het tutorlezen zoeken we ouders die twee keer per week een kwartier met een klein groepje "
     "willen lezen. Reageer als u kunt helpen."),
]

# Replies parents might write to a call (the first parents in the audience get these).
REPLIES = [
    "Ik kan komen helpen, maandag na 15:00 uur.",
    "Wij geven graag iets mee, laat maar weten wat nog nodig is.",
    "Ik kan helaas niet, maar mijn moeder wil wel helpen. Mag dat?",
    "Ja, ik doe mee! Ik kan om de week.",
    "Is er ook een mogelijkheid in de middag? Dan kan ik wel.",
    "Onze zoon heeft een notenallergie, goed om te weten.",
]

ALBUMS = [
    # (month, day, title, groups or None, description, number of photos, palette seed)
    (4, 24, "Koningsspelen", None, "Sporten, spelen en het koningsontbijt op het veld.", 6, 1),
    (6, 12, "Schoolreis groep 3 en 4", ["3", "4"], "Een dag vol avontuur in het speelpark.", 5, 2),
    (7, 1, "Afscheidsmusical groep 8", ["8"], "De generale repetitie en de grote avond.", 5, 3),
    (9, 19, "Herfstwandeling kleuters", ["1/2a", "1/2b"], "Eikels, kastanjes en paddenstoelen gezocht.", 5, 4),
    (10, 10, "Kinderboekenweek", None, "Voorlezen, boekenruil en de opening op het plein.", 4, 5),
    (10, 24, "Schoolkamp groep 6", ["6"], "Drie dagen op kamp: spelletjes, bos en kampvuur.", 6, 6),
    (11, 11, "Sint-Maarten lampionnen", ["1/2a", "1/2b", "3"], "De lampionnen en de optocht door de wijk.", 4, 7),
    (11, 19, "Groep 3 bakt pannenkoeken", ["3"], "Beslag maken, omdraaien en natuurlijk opeten.", 4, 8),
]


def last_occurrence(month, day, today):
    """The most recent date with this month and day, on or before today (weekends to Friday)."""
    year = today.year if (month, day) <= (today.month, today.day) else today.year - 1
    value = date(year, month, day)
    while value.weekday() >= 5:
        value -= timedelta(days=1)
    return value


def _utc(day, hour):
    return to_utc(datetime.combine(day, time(hour, 0)))


def _groups(ctx, names):
    return [ctx.created["groups"][name] for name in names] if names else []


def _author(ctx, names):
    """The teacher of the (first) group, or the office for school-wide items."""
    if names:
        teachers = ctx.created["groups"][names[0]].teachers
        if teachers:
            return teachers[0]
    return ctx.created["admin"]


def _audience_parents(ctx, names):
    """Demo parents with a child in these groups (all families for the whole school)."""
    wanted = set(names or [])
    parents = []
    everyone = [([ctx.created["parent"], ctx.created["parent2"]],
                 [ctx.created["sam"], ctx.created["lotte"]])] + list(ctx.created["families"])
    for family, kids in everyone:
        if not wanted or any(kid.group and kid.group.name in wanted for kid in kids):
            parents.extend(p for p in family if p not in parents)
    return parents


def _exists(model, title):
    return db.session.scalar(select(model.id).where(model.title == title)) is not None


def seed_messages(ctx, now):
    rnd = ctx.random
    today = now.date()
    demo_parent = ctx.created["parent"]
    dated = sorted(
        ((last_occurrence(month, day, today), hour, title, names, replies, text)
         for month, day, hour, title, names, replies, text in MESSAGES),
        key=lambda row: row[0],
    )
    for index, (day, hour, title, names, replies_allowed, text) in enumerate(dated):
        if _exists(Message, title):
            continue
        created = min(_utc(day, hour), now - timedelta(hours=6))
        message = Message(title=title, text=text, school_wide=not names, groups=_groups(ctx, names),
                          replies_allowed=replies_allowed, urgent=False, author=_author(ctx, names),
                          created_at=created)
        db.session.add(message)
        db.session.flush()
        audience = _audience_parents(ctx, names)
        recent = index >= len(dated) - 3
        # Older messages: most parents have read them; the newest few are still fresh.
        share = 0.25 if recent else 0.8
        readers = [p for p in audience if rnd.random() < share]
        if demo_parent in audience:
            # The demo parent has read everything but the three newest: Home shows unread marks.
            readers = [p for p in readers if p is not demo_parent] + ([] if recent else [demo_parent])
        for reader in readers:
            db.session.add(MessageRead(message_id=message.id, user_id=reader.id,
                                       read_at=created + timedelta(hours=rnd.randint(1, 72))))
        if replies_allowed:
            repliers = [p for p in readers if p is not demo_parent][: rnd.randint(1, 4)]
            for n, replier in enumerate(repliers):
                db.session.add(MessageReply(message_id=message.id, author_id=replier.id,
                                            text=REPLIES[(index + n) % len(REPLIES)],
                                            created_at=created + timedelta(hours=2 + n * 5)))
    # One call the demo parent answered (their own reply shows on the message page).
    call = db.session.scalar(select(Message).where(Message.title == "Oproep: hulp bij de schoolbibliotheek"))
    if call is not None and not db.session.scalar(select(MessageReply.id).where(
            MessageReply.message_id == call.id, MessageReply.author_id == demo_parent.id)):
        db.session.add(MessageReply(message_id=call.id, author_id=demo_parent.id,
                                    text="Ik kan op donderdagochtend helpen, om de week.",
                                    created_at=call.created_at + timedelta(days=1)))

    if not _exists(Message, URGENT_TITLE):
        db.session.add(Message(title=URGENT_TITLE, text=URGENT_TEXT, school_wide=True, urgent=True,
                               replies_allowed=False, author=ctx.created["admin"],
                               created_at=now - timedelta(hours=2)))


# --- photos -------------------------------------------------------------------------------

def _photo(seed, number, width=480, height=360):
    """A small cheerful picture: sky, hills, a sun and some balloons (JPEG bytes)."""
    import random

    rnd = random.Random(seed * 100 + number)
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top, bottom = (rnd.randint(70, 140), rnd.randint(150, 200), 255), (220, 235, 255)
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    draw.ellipse([width - 110, 25, width - 40, 95], fill=(255, 214, 60))
    for layer in range(3):
        green = (40 + layer * 30, 140 + layer * 25 + rnd.randint(-20, 20), 50 + layer * 10)
        base = height - 140 + layer * 45
        points = [(0, height)]
        for x in range(0, width + 40, 40):
            points.append((x, base + int(22 * math.sin(x / (60 + layer * 15) + rnd.random() * 3))))
        points.append((width, height))
        draw.polygon(points, fill=green)
    for _ in range(rnd.randint(3, 7)):
        x, y, r = rnd.randint(20, width - 20), rnd.randint(30, height // 2), rnd.randint(10, 18)
        color = rnd.choice([(230, 60, 60), (250, 160, 30), (70, 110, 230), (200, 60, 200), (255, 255, 255)])
        draw.ellipse([x - r, y - r * 1.2, x + r, y + r * 1.2], fill=color)
        draw.line([(x, y + r * 1.2), (x + rnd.randint(-8, 8), y + r * 4)], fill=(80, 80, 80), width=1)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    buffer.seek(0)
    return FileStorage(buffer, filename=f"foto-{number}.jpg", content_type="image/jpeg")


def seed_albums(ctx, now):
    today = now.date()
    for month, day, title, names, description, count, seed in ALBUMS:
        if _exists(Album, title):
            continue
        when = last_occurrence(month, day, today)
        author = _author(ctx, names)
        album = Album(title=title, description=description, event_date=when, school_wide=not names,
                      groups=_groups(ctx, names), author=author,
                      created_at=min(_utc(when, 19), now - timedelta(hours=3)))
        for number in range(1, count + 1):
            image = save_image(_photo(seed, number), purpose="album", uploaded_by=author)
            album.photos.append(AlbumPhoto(image=image, position=number))
        db.session.add(album)


def seed(ctx):
    now = utcnow()
    seed_messages(ctx, now)
    seed_albums(ctx, now)

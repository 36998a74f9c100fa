"""Demo content: a school year of news, agenda items and documents, for the whole school
and for several groups, plus the parent manual (our own text, app/data/ouderhandleiding.txt,
made into a PDF here).

Dates follow the current school year, so the demo always has recent news, past items
and upcoming ones. Idempotent: an item whose title exists is left alone. Demo news is
stored directly (no notification events: the worker should not mail a year of old news).
"""
import io
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.clock import AMSTERDAM, to_utc
from app.demo.simple_pdf import text_to_pdf
from app.formatting import MONTHS, date_nl
from app.documents import services as document_services
from app.extensions import db
from app.images import save_image
from app.models import AgendaItem, Document, NewsItem

MANUAL_TEXT = Path(__file__).resolve().parent.parent / "data" / "ouderhandleiding.txt"
MANUAL_TITLE = "Handleiding Mijn School voor ouders"


def school_year_start(today=None):
    today = today or datetime.now(AMSTERDAM).date()
    return today.year if today.month >= 8 else today.year - 1


def _day(year, month, day):
    """A date in the school year starting in `year`, moved off the weekend to Monday."""
    value = date(year if month >= 8 else year + 1, month, day)
    while value.weekday() >= 5:
        value += timedelta(days=1)
    return value


# (month, day, title, groups or None for the whole school, Markdown text, with image)
NEWS = [
    (9, 1, "Welkom in het nieuwe schooljaar", None, True,
     "Wat fijn dat iedereen er weer is! Na de zomer zijn we met **veel zin** begonnen. "
     "In elke groep hangen de nieuwe weekroosters, en de leerkrachten stellen zich de komende weken "
     "voor op de informatieavonden.\n\nKijk ook even in de **Agenda** voor de data van dit jaar."),
    (9, 12, "Informatieavonden per groep", None, False,
     "Op de informatieavond vertelt de leerkracht wat uw kind dit jaar leert en hoe de week eruitziet.\n\n"
     "- groep 1/2: woensdag\n- groep 3 en 6: dinsdag en woensdag\n- overige groepen: zie de agenda\n\n"
     "U bent van harte welkom, koffie en thee staan klaar."),
    (9, 22, "Groep 3 leest de eerste woorden", ["3"], True,
     "Groep 3 is begonnen met de eerste leeskern. De kinderen zijn trots op elk nieuw woord dat ze kunnen "
     "lezen. Lees thuis gerust samen de woordkaartjes die in de leesmap zitten."),
    (10, 1, "Kinderboekenweek: lezen is een feest", None, False,
     "De Kinderboekenweek is geopend! Op het speelplein lazen alle groepen tegelijk een kwartier. "
     "Heeft u thuis boeken die niet meer gelezen worden? De **boekenruilkast** bij de hoofdingang staat open."),
    (10, 9, "Groep 8 bezoekt het voortgezet onderwijs", ["8"], False,
     "Groep 8 gaat op bezoek bij twee scholen voor voortgezet onderwijs in de buurt. "
     "De kinderen volgen proeflessen en krijgen een rondleiding. Ze zijn om 14:00 uur terug op school."),
    (10, 28, "Herfstwandeling in het bos", ["1/2a", "1/2b"], True,
     "De kleuters zijn met hun mandjes het bos in geweest en kwamen terug met eikels, kastanjes en "
     "prachtige bladeren. In de klas maken we er een herfsttafel van. Dank aan de ouders die meeliepen!"),
    (11, 5, "Lampionnen maken voor Sint Maarten", ["1/2a", "1/2b", "3"], False,
     "Deze week maken de groepen 1/2 en 3 hun lampion. Wilt u een **lege, schone melkpak** meegeven? "
     "Op 11 november lopen we samen de lampionnenoptocht."),
    (11, 13, "De schoolfotograaf komt", None, False,
     "Op de schoolfotodag worden alle kinderen op de foto gezet, per groep en los. Broertjes en zusjes "
     "kunnen samen op de foto voor schooltijd. U krijgt een inlogcode om de foto's te bekijken."),
    (11, 20, "Groep 6 in de bibliotheek", ["6"], False,
     "Groep 6 heeft een middag in de bibliotheek gewerkt aan een werkstuk. Iedereen koos een eigen "
     "onderwerp; de presentaties zijn na de kerstvakantie."),
    (11, 26, "Sinterklaas komt naar school", None, True,
     "Sinterklaas en zijn pieten komen op school! De kinderen van groep 1 t/m 4 vieren het in de eigen "
     "klas; de groepen 5 t/m 8 hebben lootjes getrokken. Denk aan de surprises!"),
    (12, 3, "Kerstviering in de kerk", None, False,
     "Dit jaar vieren we kerst met alle groepen in de kerk. Ouders, opa's en oma's zijn welkom. "
     "De kinderen gaan om 17:45 uur met de leerkracht naar binnen."),
    (1, 8, "Gelukkig nieuwjaar!", None, False,
     "Het team wenst iedereen een gezond en mooi nieuw jaar. Na de vakantie beginnen we weer op maandag."),
    (1, 21, "Rekenen met echt geld in groep 4", ["4"], False,
     "In groep 4 is een winkeltje ingericht. De kinderen rekenen met (nep)geld en leren terugbetalen."),
    (2, 4, "Oudergesprekken in februari", None, False,
     "In februari zijn de oudergesprekken. U krijgt een uitnodiging in Mijn School en kiest daar zelf "
     "een tijd. Heeft u meer kinderen op school? Dan ziet u een uitnodiging per kind."),
    (3, 18, "Grote rekendag", None, False,
     "Op de Grote Rekendag werkt de hele school aan rekenraadsels. Kom gerust kijken bij de "
     "tentoonstelling aan het eind van de middag."),
    (4, 14, "Koningsspelen: sportief ontbijt en spelletjes", None, True,
     "Op de Koningsspelen beginnen we met een gezond ontbijt in de klas. Daarna volgen er sport en spel "
     "op het veld. Trek sportieve kleding aan en geef een bidon mee."),
    (5, 20, "Schoolreisje voor groep 3 tot en met 7", ["3", "4", "5", "6", "7"], False,
     "Het schoolreisje gaat dit jaar naar een attractiepark. Vertrek 08:30 uur, terug rond 17:00 uur. "
     "Een lunchpakket en drinken meenemen; voor een ijsje wordt gezorgd."),
    (6, 10, "Groep 8 oefent voor de musical", ["8"], False,
     "Groep 8 repeteert elke dag voor de afscheidsmusical. Kaarten voor familie worden via de leerkracht "
     "verdeeld."),
    (7, 10, "Bedankt voor dit schooljaar", None, False,
     "Wat een jaar! Dank voor alle hulp bij uitjes, feesten en in de klas. Wij wensen iedereen een "
     "zonnige vakantie."),
]

# (month, day, title, start, end, location, groups or None, description)
AGENDA = [
    (9, 1, "Eerste schooldag", time(8, 30), None, "", None, "De deuren gaan om 08:20 uur open."),
    (9, 15, "Informatieavond groep 3", time(19, 0), time(20, 0), "Lokaal groep 3", ["3"],
     "Uitleg over leren lezen en de weekplanning."),
    (9, 16, "Informatieavond groep 6", time(19, 0), time(20, 0), "Lokaal groep 6", ["6"], ""),
    (9, 17, "Informatieavond groep 1/2", time(19, 0), time(20, 0), "Speellokaal", ["1/2a", "1/2b"], ""),
    (9, 18, "Informatieavond groep 8", time(19, 30), time(20, 30), "Lokaal groep 8", ["8"],
     "Met informatie over het schooladvies en het kamp."),
    (10, 1, "Opening Kinderboekenweek", time(8, 30), time(9, 0), "Speelplein", None, ""),
    (10, 7, "Studiedag team: alle leerlingen vrij", None, None, "", None, "De kinderen zijn de hele dag vrij."),
    (10, 19, "Herfstvakantie (t/m 23 oktober)", None, None, "", None, ""),
    (10, 26, "Luizencontrole", None, None, "", None, "Graag geen ingewikkelde vlechten of gel."),
    (11, 11, "Sint Maarten: lampionnenoptocht", time(17, 30), time(18, 30), "Start bij de hoofdingang",
     ["1/2a", "1/2b", "3"], "Neem uw eigen lampion en een zaklamp mee."),
    (11, 18, "Schoolfotograaf", time(8, 30), time(12, 0), "Speellokaal", None,
     "Broertjes en zusjes samen op de foto vanaf 08:00 uur."),
    (11, 24, "Bibliotheekbezoek groep 6", time(10, 0), time(11, 30), "Openbare bibliotheek", ["6"], ""),
    (12, 4, "Sinterklaasfeest", time(8, 30), time(12, 0), "Hele school", None,
     "Alle kinderen zijn om 12:00 uur vrij."),
    (12, 9, "Schoolzwemmen groep 4", time(13, 15), time(14, 15), "Zwembad De Spetter", ["4"], "Zwemspullen mee."),
    (12, 17, "Kerstviering", time(18, 0), time(19, 0), "Kerk in het dorp", None, ""),
    (12, 21, "Kerstvakantie (t/m 1 januari)", None, None, "", None, ""),
    (1, 13, "Luizencontrole", None, None, "", None, ""),
    (1, 20, "Schoolzwemmen groep 4", time(13, 15), time(14, 15), "Zwembad De Spetter", ["4"], ""),
    (2, 9, "Oudergesprekken groep 3", time(15, 0), time(19, 0), "Lokaal groep 3", ["3"],
     "Kies een tijd onder Oudergesprekken."),
    (2, 10, "Oudergesprekken groep 6", time(15, 0), time(19, 0), "Lokaal groep 6", ["6"], ""),
    (2, 16, "Voorjaarsvakantie (t/m 20 februari)", None, None, "", None, ""),
    (3, 12, "Verjaardag juf Anna", None, None, "", ["3"], "We vieren het feest van de juf in de klas."),
    (3, 25, "Grote rekendag", None, None, "", None, ""),
    (4, 2, "Paasontbijt", time(8, 30), time(9, 30), "In de eigen klas", None, "Neem een bord, beker en bestek mee."),
    (4, 16, "Koningsspelen", time(8, 30), time(14, 0), "Sportveld", None, ""),
    (4, 26, "Meivakantie (t/m 7 mei)", None, None, "", None, ""),
    (5, 13, "Luizencontrole", None, None, "", None, ""),
    (6, 5, "Schoolreisje groep 3 t/m 7", time(8, 30), time(17, 0), "Attractiepark", ["3", "4", "5", "6", "7"],
     "Lunchpakket en drinken meenemen."),
    (6, 10, "Kamp groep 8 (t/m 12 juni)", None, None, "Kampeerboerderij", ["8"], "Paklijst bij de documenten."),
    (6, 24, "Studiedag team: alle leerlingen vrij", None, None, "", None, ""),
    (7, 8, "Afscheidsmusical groep 8", time(19, 0), time(21, 0), "Dorpshuis", ["8"], ""),
    (7, 17, "Laatste schooldag: om 12:00 uur vrij", None, None, "", None, "Fijne zomervakantie!"),
]


def _banner(title, seed):
    """A simple, cheerful PNG (no real photos in demo data)."""
    colors = [(179, 0, 0), (11, 92, 173), (12, 107, 46), (179, 134, 0)]
    image = Image.new("RGB", (960, 480), (245, 240, 230))
    draw = ImageDraw.Draw(image)
    for index in range(7):
        color = colors[(seed + index) % len(colors)]
        x = 60 + index * 130
        draw.ellipse((x, 140 + (index % 2) * 80, x + 110, 250 + (index % 2) * 80), fill=color)
    draw.rectangle((0, 400, 960, 480), fill=colors[seed % len(colors)])
    draw.text((40, 420), title, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return FileStorage(stream=io.BytesIO(out.getvalue()), filename=f"nieuws-{seed}.png", content_type="image/png")


def _exists(model, title):
    return db.session.scalar(select(model.id).where(model.title == title)) is not None


def _groups(ctx, names):
    return [ctx.created["groups"][name] for name in names] if names else []


def _author(ctx, names):
    """The group's teacher for an item of their own group(s), otherwise the office."""
    if names:
        for teacher in ctx.created["groups"][names[0]].teachers:
            if set(names) <= {group.name for group in teacher.groups_taught}:
                return teacher
    return ctx.created["admin"]


def seed_news(ctx, year, today):
    for index, (month, day, title, group_names, with_image, body) in enumerate(NEWS):
        when = _day(year, month, day)
        if when > today + timedelta(days=7) or _exists(NewsItem, title):
            continue  # the rest of the year is not written yet; one item is scheduled ahead
        author = _author(ctx, group_names)
        item = NewsItem(
            title=title, body=body, author=author,
            published_at=to_utc(datetime.combine(when, time(8, 15))),
            school_wide=not group_names, groups=_groups(ctx, group_names),
        )
        if with_image:
            item.image = save_image(_banner(title, index), purpose="news", uploaded_by=author)
        db.session.add(item)


def seed_agenda(ctx, year):
    for month, day, title, start, end, location, group_names, description in AGENDA:
        when = _day(year, month, day)
        exists = db.session.scalar(select(AgendaItem.id).where(AgendaItem.title == title, AgendaItem.date == when))
        if exists:
            continue
        db.session.add(AgendaItem(
            title=title, date=when, start_time=start, end_time=end, location=location, description=description,
            school_wide=not group_names, groups=_groups(ctx, group_names), author=_author(ctx, group_names),
        ))


def _docx(paragraphs):
    """A minimal valid Word document (for the demo form)."""
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{text.replace("&", "&amp;").replace("<", "&lt;")}</w:t></w:r></w:p>'
        for text in paragraphs
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
        ),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def _floor_plan():
    image = Image.new("RGB", (800, 500), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    rooms = [("1/2a", 20, 20), ("1/2b", 200, 20), ("3", 380, 20), ("4", 560, 20),
             ("5", 20, 300), ("6", 200, 300), ("7", 380, 300), ("8", 560, 300)]
    for name, x, y in rooms:
        draw.rectangle((x, y, x + 170, y + 170), outline=(26, 26, 26), width=3)
        draw.text((x + 60, y + 75), f"Groep {name}", fill=(26, 26, 26))
    draw.rectangle((20, 200, 780, 290), fill=(230, 230, 230))
    draw.text((330, 240), "Gang en speellokaal", fill=(26, 26, 26))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def first_school_day(year):
    """The first school day of the school year starting in `year` (the agenda's "Eerste schooldag")."""
    return _day(year, 9, 1)


def vakantierooster(year):
    """The holidays and study days of the school year starting in `year` as (name, first day,
    last day), inclusive: what the vakantierooster says, with the summer holiday before the
    first school day and the one after the last (from 17 July, 12:00: the 17th is still a
    school day)."""
    return [
        ("Zomervakantie", date(year, 7, 18), first_school_day(year) - timedelta(days=1)),
        ("Studiedag", _day(year, 10, 7), _day(year, 10, 7)),
        ("Herfstvakantie", date(year, 10, 19), date(year, 10, 23)),
        ("Kerstvakantie", date(year, 12, 21), date(year + 1, 1, 1)),
        ("Voorjaarsvakantie", date(year + 1, 2, 16), date(year + 1, 2, 20)),
        ("Meivakantie", date(year + 1, 4, 26), date(year + 1, 5, 7)),
        ("Studiedag", _day(year, 6, 24), _day(year, 6, 24)),
        ("Zomervakantie", date(year + 1, 7, 18), first_school_day(year + 1) - timedelta(days=1)),
    ]


def _period_nl(first, last):
    """ "19 t/m 23 oktober 2026", "26 april t/m 7 mei 2027", "21 december 2026 t/m 1 januari 2027"."""
    end = date_nl(last, weekday=False)
    if first.year != last.year:
        return f"{date_nl(first, weekday=False)} t/m {end}"
    return f"{first.day} t/m {end}" if first.month == last.month else f"{first.day} {MONTHS[first.month - 1]} t/m {end}"


def _holidays_text(year):
    rooster = vakantierooster(year)
    holidays = "\n".join(f"- {name}: {_period_nl(first, last)}" for name, first, last in rooster[2:6])
    study_days = "\n".join(f"- {date_nl(first, weekday=False)}" for name, first, _ in rooster if name == "Studiedag")
    return f"""# Vakantierooster {year}-{year + 1}

Alle kinderen zijn vrij op de volgende dagen. De data staan ook in de Agenda van Mijn School.

## Vakanties
{holidays}
- Zomervakantie: vanaf 17 juli {year + 1}, 12:00 uur

## Studiedagen
{study_days}
"""


def _simple_text(title, lines):
    return f"# {title}\n\n" + "\n".join(lines) + "\n"


def _upload(data, filename):
    return FileStorage(stream=io.BytesIO(data), filename=filename)


def seed_documents(ctx, year):
    admin = ctx.created["admin"]
    school_docs = [
        (MANUAL_TITLE, "Wegwijzer voor het ouderportaal, met veelgestelde vragen.", "Over de school",
         lambda: _upload(text_to_pdf(MANUAL_TEXT.read_text(encoding="utf-8"), MANUAL_TITLE, "Mijn School – wegwijzer"),
                         "Handleiding Mijn School.pdf")),
        (f"Vakantierooster {year}-{year + 1}", "Vakanties en studiedagen van dit schooljaar.", "Over de school",
         lambda: _upload(text_to_pdf(_holidays_text(year), "Vakantierooster"), f"Vakantierooster {year}-{year + 1}.pdf")),
        (f"Schoolgids {year}-{year + 1}", "Hoe wij werken, met de schooltijden en afspraken.", "Over de school",
         lambda: _upload(text_to_pdf(_simple_text(f"Schoolgids {year}-{year + 1}", [
             "Onze school is een kindcentrum waar kinderen van 4 tot 12 jaar samen leren en spelen.",
             "", "## Schooltijden", "- maandag, dinsdag, donderdag: 08:30 - 14:45 uur",
             "- woensdag en vrijdag: 08:30 - 12:15 uur", "", "## Ziekmelden",
             "Meld uw kind ziek voor 08:15 uur bij de administratie of de leerkracht.",
         ]), "Schoolgids"), f"Schoolgids {year}-{year + 1}.pdf")),
        ("Aanvraag verlof buiten de schoolvakanties", "Lever het ingevulde formulier minstens zes weken vooraf in.",
         "Formulieren",
         lambda: _upload(_docx(["Aanvraag verlof buiten de schoolvakanties", "Naam leerling:", "Groep:",
                                "Periode van het verlof:", "Reden:", "Handtekening ouder:"]), "Verlofaanvraag.docx")),
        ("Plattegrond van de school", "Waar vindt u welke groep?", "Over de school",
         lambda: _upload(_floor_plan(), "Plattegrond.png")),
    ]
    group_docs = [
        ("Weekplanning groep 3", "De planning van deze weken, met de leeskern.", ["3"],
         ["Maandag: gym", "Dinsdag: bibliotheekboek mee", "Donderdag: gym", "Vrijdag: kringgesprek"]),
        ("Leesbingo groep 4", "Kruis een vakje aan voor elk boek dat je leest.", ["4"],
         ["Lees een boek over dieren", "Lees voor aan een knuffel", "Lees een strip"]),
        ("Spellingwoorden groep 6", "Oefenwoorden voor het dictee van deze periode.", ["6"],
         ["de chauffeur", "het cadeau", "de politie", "het bureau", "de machine"]),
        ("Paklijst kamp groep 8", "Wat neem je mee op kamp?", ["8"],
         ["slaapzak en kussen", "toiletspullen", "regenjas en laarzen", "zaklamp", "geen telefoon"]),
        ("Liedjes voor de kerstviering", "Om thuis alvast te oefenen.", ["1/2a", "1/2b"],
         ["Er is een kindeke", "Midden in de winternacht", "Nu sijt wellekome"]),
    ]
    for title, description, folder, make in school_docs:
        if not _exists(Document, title):
            document_services.create_document(
                admin, title=title, description=description, folder_id=None, new_folder=folder,
                school_wide=True, group_ids=[], upload=make(),
            )
    for title, description, group_names, lines in group_docs:
        if not _exists(Document, title):
            groups = _groups(ctx, group_names)
            pdf = text_to_pdf(_simple_text(title, [f"- {line}" for line in lines]), title)
            document_services.create_document(
                _author(ctx, group_names), title=title, description=description, folder_id=None,
                new_folder="Groepsinformatie", school_wide=False, group_ids=[group.id for group in groups],
                upload=_upload(pdf, f"{title}.pdf"),
            )


def seed(ctx):
    today = datetime.now(AMSTERDAM).date()
    year = school_year_start(today)
    db.session.flush()
    seed_news(ctx, year, today)
    seed_agenda(ctx, year)
    db.session.commit()
    seed_documents(ctx, year)

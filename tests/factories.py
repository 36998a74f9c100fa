"""factory_boy factories for test data. Passwords use bcrypt cost 4 (TestConfig)."""
from datetime import date

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.extensions import db
from app.models import Child, Group, Guardianship, Role, User, utcnow
from app.passwords import hash_password

PASSWORD = "Geheim!2026x"


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    class Params:
        password = PASSWORD

    login_name = factory.Sequence(lambda n: f"ouder{n}@example.com")
    email = factory.SelfAttribute("login_name")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    role = Role.PARENT
    activated_at = factory.LazyFunction(utcnow)
    password_hash = factory.LazyAttribute(lambda o: hash_password(o.password) if o.password else None)


class ParentFactory(UserFactory):
    role = Role.PARENT


class TeacherFactory(UserFactory):
    login_name = factory.Sequence(lambda n: f"juf{n}@school.example")
    role = Role.TEACHER


class AdminFactory(UserFactory):
    login_name = factory.Sequence(lambda n: f"beheer{n}@school.example")
    role = Role.ADMIN


class GroupFactory(BaseFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"{(n % 8) + 1}{chr(97 + n // 8)}")
    level = factory.Sequence(lambda n: (n % 8) + 1)
    sort_order = factory.Sequence(lambda n: n)


class ChildFactory(BaseFactory):
    class Meta:
        model = Child

    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    birth_date = date(2019, 5, 17)
    group = factory.SubFactory(GroupFactory)


class GuardianshipFactory(BaseFactory):
    class Meta:
        model = Guardianship

    parent = factory.SubFactory(ParentFactory)
    child = factory.SubFactory(ChildFactory)
    read_only = False


def family(group=None, parents=1, read_only_second=False, **child_fields):
    """A child in `group` with its parent(s): returns (child, [parents])."""
    child = ChildFactory(group=group or GroupFactory(), **child_fields)
    people = []
    for index in range(parents):
        parent = ParentFactory(last_name=child.last_name)
        GuardianshipFactory(parent=parent, child=child, read_only=read_only_second and index == 1)
        people.append(parent)
    return child, people


def teacher_of(group, **fields):
    teacher = TeacherFactory(**fields)
    group.teachers.append(teacher)
    db.session.commit()
    return teacher


# --- Berichten and Fotoalbums (issue 4) ------------------------------------------------------

from app.models import Album, AlbumPhoto, Message  # noqa: E402


def _audience(obj, create, extracted):
    """`groups=[...]` for a school-wide-or-group item (post-generation)."""
    if extracted:
        obj.groups = list(extracted)
        if create:
            db.session.commit()


class MessageFactory(BaseFactory):
    class Meta:
        model = Message

    title = factory.Sequence(lambda n: f"Bericht {n}")
    text = "Beste ouders,\n\nDit is een **bericht** van school."
    school_wide = False
    urgent = False
    replies_allowed = False
    created_at = factory.LazyFunction(utcnow)
    groups = factory.PostGeneration(_audience)


def png_bytes(width=8, height=6, color=(200, 40, 40)):
    """A small real PNG (Pillow)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def stored_album_image(color=(40, 120, 200)):
    """A StoredImage written through app/images.save_image (needs an app context)."""
    import io

    from werkzeug.datastructures import FileStorage

    from app.images import save_image

    image = save_image(FileStorage(io.BytesIO(png_bytes(color=color)), filename="foto.png"), purpose="album")
    db.session.commit()
    return image


class AlbumFactory(BaseFactory):
    class Meta:
        model = Album

    title = factory.Sequence(lambda n: f"Album {n}")
    description = ""
    school_wide = False
    created_at = factory.LazyFunction(utcnow)
    groups = factory.PostGeneration(_audience)


def album_with_photos(count=2, **fields):
    """An album with `count` real stored photos: returns (album, [AlbumPhoto])."""
    album = AlbumFactory(**fields)
    photos = [AlbumPhoto(album_id=album.id, image=stored_album_image(), position=index) for index in range(1, count + 1)]
    db.session.add_all(photos)
    db.session.commit()
    return album, photos


# --- content: news, agenda, documents (Nieuws, Agenda, Documenten) ---------------------------

from datetime import timedelta as _timedelta  # noqa: E402

from app.models import AgendaItem, Document, NewsItem  # noqa: E402

class NewsItemFactory(BaseFactory):
    class Meta:
        model = NewsItem

    title = factory.Sequence(lambda n: f"Nieuws {n}")
    body = "Dit is **nieuws** van school."
    # Published an hour ago unless told otherwise (future items are hidden from parents).
    published_at = factory.LazyFunction(lambda: utcnow() - _timedelta(hours=1))
    school_wide = False
    groups = factory.PostGeneration(_audience)


class AgendaItemFactory(BaseFactory):
    class Meta:
        model = AgendaItem

    title = factory.Sequence(lambda n: f"Activiteit {n}")
    date = factory.LazyFunction(lambda: date.today() + _timedelta(days=7))
    start_time = None
    end_time = None
    location = ""
    description = ""
    school_wide = False
    groups = factory.PostGeneration(_audience)


def pdf_bytes(text="# Testdocument\n\nEen regel tekst."):
    """A small real PDF (the demo's PDF writer)."""
    from app.demo.simple_pdf import text_to_pdf

    return text_to_pdf(text, "Testdocument")


def stored_document(title="Document", filename="brief.pdf", data=None, school_wide=False, groups=(), folder=None):
    """A Document with its file in the storage under documents/ (needs an app context)."""
    from app.documents import files

    data = pdf_bytes() if data is None else data
    kind = files.KINDS[files.detect_kind(data)]
    stored_name = files.store(files.CheckedFile(data=data, kind=kind, filename=filename))
    document = Document(title=title, original_name=filename, stored_name=stored_name, kind=kind.key,
                        mime_type=kind.mime_type, size_bytes=len(data), school_wide=school_wide,
                        groups=list(groups), folder=folder)
    db.session.add(document)
    db.session.commit()
    return document


# photo tags (h3) -------------------------------------------------------------------------------

from app.models import PhotoTag  # noqa: E402


def tag_photo(photo, *children, by=None):
    """Mark `children` as being in `photo` (as staff would on Beheer › Fotoalbums)."""
    db.session.add_all(PhotoTag(photo_id=photo.id, child_id=child.id, tagged_by_id=getattr(by, "id", None))
                       for child in children)
    db.session.commit()


# --- consent (h1) ------------------------------------------------------------------------------

from app.models import ConsentPurpose, ConsentPurposeVersion, consent_purpose_years  # noqa: E402


def consent_purpose(name="Besloten fotoalbums in het ouderportaal", explanation="Foto's in de albums van de groep.",
                    year=None, code=None, position=0):
    """A purpose asked in `year` (the current school year by default), with its first text."""
    from app import clock

    purpose = ConsentPurpose(code=code, position=position)
    purpose.versions.append(ConsentPurposeVersion(number=1, name=name, explanation=explanation))
    db.session.add(purpose)
    db.session.flush()
    db.session.execute(consent_purpose_years.insert().values(purpose_id=purpose.id,
                                                             school_year=year or clock.school_year()))
    db.session.commit()
    return purpose


def new_consent_text(purpose, name=None, explanation="Een gewijzigde uitleg."):
    """A new version of the purpose's text (answers to the old text no longer count)."""
    version = ConsentPurposeVersion(purpose_id=purpose.id, number=purpose.current.number + 1,
                                    name=name or purpose.current.name, explanation=explanation)
    db.session.add(version)
    db.session.commit()
    db.session.refresh(purpose)
    return version


# --- absence and leave (Afwezigheid) -----------------------------------------------------------

def absence_reasons():
    """The default reasons (app/absence/reasons.py) as {name: reason}."""
    from app.absence.reasons import add_defaults, reasons

    add_defaults()
    db.session.commit()
    return {reason.name: reason for reason in reasons(for_staff=True, include_inactive=True)}


def absence_report(child, reason=None, start=None, end=None, part="dag", by=None, late=False, **fields):
    """A report for `child` from `start` (today by default) until `end` (None: open)."""
    from app import clock
    from app.models import AbsenceReport

    reason = reason or absence_reasons()["Ziek"]
    start = start or clock.today()
    report = AbsenceReport(child=child, reason=reason, start_date=start, end_date=end, part=part,
                           school_year=clock.school_year(start), late=late, excused=reason.excused,
                           reported_by=by, by_staff=bool(by is not None and by.is_staff), **fields)
    db.session.add(report)
    db.session.commit()
    return report


def school_holiday(name, first, last):
    from app.models import SchoolHoliday

    holiday = SchoolHoliday(name=name, first_day=first, last_day=last)
    db.session.add(holiday)
    db.session.commit()
    return holiday


def leave_request(children, kind="gewichtig", first=None, last=None, by=None, status="ingediend", **fields):
    """A leave request for `children` (a list), by default tomorrow only."""
    from datetime import timedelta

    from app import clock
    from app.absence.calendar import count_school_days
    from app.models import LeaveRequest

    first = first or clock.today() + timedelta(days=1)
    last = last or first
    request = LeaveRequest(kind=kind, first_day=first, last_day=last, school_days=count_school_days(first, last),
                           school_year=clock.school_year(first), reason=fields.pop("reason", "Bruiloft van een oom."),
                           status=status, requested_by=by, children=list(children), **fields)
    db.session.add(request)
    db.session.commit()
    return request


# --- stored objects (app/storage) ----------------------------------------------------------------

class StoredObject:
    """An object in the app's storage by key, asked like a Path (exists, is_file,
    read_bytes), so a test reads the same on the local folder and on S3."""

    def __init__(self, key):
        self.key = key

    def __repr__(self):
        return f"<StoredObject {self.key}>"

    def exists(self):
        from app.storage import get_storage

        return get_storage().exists(self.key)

    is_file = exists

    def read_bytes(self):
        from app.storage import get_storage

        return get_storage().get(self.key)


def image_object(image, thumb=False):
    from app.images import image_key

    return StoredObject(image_key(image, thumb))


def document_object(document):
    from app.storage import document_key

    return StoredObject(document_key(document.stored_name))


def statement_object(stored_name):
    from app.storage import statement_key

    return StoredObject(statement_key(stored_name))


def stored_names(prefix):
    """The names of the objects under a prefix ("images/"), sorted: what the store holds."""
    from app.storage import get_storage

    return sorted(item.key[len(prefix):] for item in get_storage().keys(prefix))

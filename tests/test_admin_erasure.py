"""Erasing an account on request (AVG): a confirmation step, then no personal data of that
person anywhere in the database — checked over every table and text column there is."""
import io
import json

from PIL import Image
from sqlalchemy import JSON, String, Text, func, select
from werkzeug.datastructures import FileStorage

from app.audit import record_change
from app.auth.services import issue_token
from app.extensions import db
from app.models import (
    AccountToken,
    AuditEntry,
    Child,
    ContactNumber,
    Guardianship,
    Message,
    MessageReply,
    NotificationEvent,
    NotificationPreference,
    StoredImage,
    User,
)
from app.storage import image_path, save_image
from tests.conftest import Auth, csrf_from, login_client
from tests.factories import AdminFactory, ChildFactory, GroupFactory, GuardianshipFactory, ParentFactory, teacher_of

FIRST, LAST = "Quirijntje", "Vandermaesbrugge"
LOGIN, CONTACT, NEW_EMAIL = "q.vdm@example.nl", "Quirijntje.Werk@Kantoor.example", "q.nieuw@example.net"
MOBILE, HOME, WORK = "06-24681357", "0341-975310", "033-8642097"


def personal_values():
    return [f"{FIRST} {LAST}", FIRST, LAST, LOGIN, CONTACT, NEW_EMAIL, MOBILE, HOME, WORK]


def scan_database():
    """Every string, text and JSON value of every table: where do these values still occur?"""
    found = []
    needles = [value.lower() for value in personal_values()]
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)).all():
            for column, value in zip(columns, row):
                if value is None:
                    continue
                text = json.dumps(value, ensure_ascii=False) if isinstance(column.type, JSON) else str(value)
                for needle in needles:
                    if needle in text.lower():
                        found.append(f"{table.name}.{column.name}: {needle}")
    return found


def png():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    buffer.seek(0)
    return FileStorage(stream=buffer, filename="foto.png", content_type="image/png")


def a_parent_with_everything():
    """A parent whose personal data is spread the way the portal spreads it."""
    group = GroupFactory(name="3", level=3)
    teacher = teacher_of(group)
    child = ChildFactory(first_name="Fenna", last_name="Bakker", group=group, email=CONTACT)
    parent = ParentFactory(first_name=FIRST, last_name=LAST, login_name=LOGIN, email=CONTACT, phone_mobile=MOBILE,
                           phone_home=HOME, street="Geheimelaan", house_number="7", postcode="3851 ZZ", city="Ermelo")
    partner = ParentFactory(first_name="Bert", last_name="Bakker", phone_mobile="06-55554444")
    GuardianshipFactory(parent=parent, child=child)
    GuardianshipFactory(parent=partner, child=child, read_only=True)
    photo = save_image(png(), "profile", uploaded_by=parent)
    db.session.flush()
    parent.photo_id = photo.id
    db.session.add_all([
        ContactNumber(user_id=parent.id, label="werk", number=WORK),
        ContactNumber(child_id=child.id, label="moeder", number=MOBILE, is_emergency=True),
        ContactNumber(child_id=child.id, label="oma", number="0341-111222", is_emergency=True),
        NotificationPreference(user_id=parent.id, kind="news", enabled=False),
        NotificationEvent(kind="meeting_changed", subject_type="meeting_round", subject_id=1,
                          payload={"parent": f"{FIRST} {LAST}", "to": [LOGIN], "tel": MOBILE}),
    ])
    issue_token(parent, "email", 48, new_email=NEW_EMAIL)
    message = Message(title="Oproep", text=f"Wie rijdt mee? Bel {FIRST} {LAST} op {MOBILE}.", author_id=teacher.id,
                      replies_allowed=True)
    db.session.add(message)
    db.session.flush()
    db.session.add(MessageReply(message_id=message.id, author_id=parent.id, text="Ik rijd mee, groet Quirijntje"))
    record_change(parent, "user", parent.id, "gewijzigd", ["phone_mobile"])
    record_change(parent, "child", child.id, "gewijzigd", ["email"])
    record_change(teacher, "user", parent.id, "gewijzigd", ["email"])
    db.session.commit()
    return parent, partner, child, message


def test_erasure_needs_confirmation_then_removes_every_trace(app):
    parent, partner, child, message = a_parent_with_everything()
    photo = db.session.get(StoredImage, parent.photo_id)
    photo_id, photo_files = photo.id, [image_path(photo), image_path(photo, thumb=True)]
    assert all(path.exists() for path in photo_files)
    assert scan_database(), "the scan finds the data before erasure"
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    office = login_client(app, AdminFactory())
    parent_session = login_client(app, parent)

    # The confirmation step says what goes and what stays, and changes nothing.
    page = office.get(f"/beheer/school/personen/{parent.id}/wissen")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "koppelingen met leerlingen" in text and "extra telefoonnummers" in text and "profielfoto" in text
    assert "Wat de school bewaart" in text and "regels in het logboek" in text
    refused = office.post(f"/beheer/school/personen/{parent.id}/wissen", data={"csrf_token": csrf_from(text)})
    assert refused.status_code == 422
    assert "Vink aan dat u dit account definitief wilt wissen." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, parent.id).login_name == LOGIN

    response = office.post(f"/beheer/school/personen/{parent.id}/wissen",
                           data={"csrf_token": csrf_from(text), "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()

    # Nothing of the person is left, in any table or column.
    assert scan_database() == []
    assert not any(path.exists() for path in photo_files)
    assert db.session.get(StoredImage, photo_id) is None
    # Their own rows are gone ...
    for model, column in ((Guardianship, Guardianship.parent_id), (ContactNumber, ContactNumber.user_id),
                          (AccountToken, AccountToken.user_id), (NotificationPreference, NotificationPreference.user_id),
                          (MessageReply, MessageReply.author_id)):
        assert db.session.scalar(select(func.count()).select_from(model).where(column == parent.id)) == 0
    # ... the emergency number that was theirs too, but not the child's other numbers.
    assert sorted(db.session.scalars(select(ContactNumber.label).where(ContactNumber.child_id == child.id))) == ["oma"]
    # What the school keeps: the pupil, the other parent, the audit log (actor now "Gewist account").
    erased = db.session.get(User, parent.id)
    assert erased.name == "Gewist account" and erased.deactivated_at is not None and erased.password_hash is None
    assert db.session.get(Child, child.id).email == ""
    assert db.session.get(Guardianship, (partner.id, child.id)).read_only is True
    assert db.session.get(User, partner.id).phone_mobile == "06-55554444"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before + 1
    assert db.session.get(Message, message.id).text == "Wie rijdt mee? Bel [gewist] op [gewist]."
    log = office.get("/beheer/school/logboek").get_data(as_text=True)
    assert "Gewist account" in log and FIRST not in log

    # The account is closed: the old session ended and the login does not work.
    assert parent_session.get("/").status_code == 302
    assert Auth(app.test_client()).login(LOGIN).status_code == 422
    assert "Gewist account" in office.get(f"/beheer/school/personen/{parent.id}").get_data(as_text=True)


def test_office_cannot_erase_itself_and_erased_accounts_stay_erased(app):
    admin = AdminFactory()
    office = login_client(app, admin)
    token = csrf_from(office.get("/").get_data(as_text=True))
    response = office.post(f"/beheer/school/personen/{admin.id}/wissen", data={"csrf_token": token, "confirm": "y"})
    assert response.status_code == 422
    assert "eigen account niet wissen" in response.get_data(as_text=True)

    parent = ParentFactory()
    office.post(f"/beheer/school/personen/{parent.id}/wissen", data={"csrf_token": token, "confirm": "y"})
    db.session.expire_all()
    response = office.post(f"/beheer/school/personen/{parent.id}/heractiveren", data={"csrf_token": token},
                           follow_redirects=True)
    assert "kan niet meer worden geactiveerd" in response.get_data(as_text=True)
    assert db.session.get(User, parent.id).deactivated_at is not None
    listing = office.get("/beheer/school/personen").get_data(as_text=True)
    assert "gewist-" not in listing  # erased accounts are not in the normal list
    assert "gewist-" in office.get("/beheer/school/personen?status=gewist").get_data(as_text=True)


def test_a_teacher_can_be_erased_and_leaves_the_groups(app):
    group = GroupFactory(name="4", level=4)
    teacher = teacher_of(group, first_name="Meester", last_name="Xandervoort")
    office = login_client(app, AdminFactory())
    token = csrf_from(office.get("/").get_data(as_text=True))
    assert office.post(f"/beheer/school/personen/{teacher.id}/wissen",
                       data={"csrf_token": token, "confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(group), group.id).teachers == []

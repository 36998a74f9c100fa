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
from app.images import save_image
from tests.fixtures.users import Auth, csrf_from, login_client
from tests.factories import (
    AdminFactory, ChildFactory, GroupFactory, GuardianshipFactory, ParentFactory, image_object, teacher_of,
)

FIRST, LAST = "Quirijntje", "Vandermaesbrugge"
LOGIN, CONTACT, NEW_EMAIL = "q.vdm@example.nl", "Quirijntje.Werk@Kantoor.example", "q.nieuw@example.net"
MOBILE, HOME, WORK = "06-24681357", "0341-975310", "033-8642097"


def personal_values():
    return [f"{FIRST} {LAST}", FIRST, LAST, LOGIN, CONTACT, NEW_EMAIL, MOBILE, HOME, WORK]


def stored_texts():
    """Every string, text and JSON value of every table, as ("table.column", text)."""
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)).all():
            for column, value in zip(columns, row):
                if value is not None:
                    text = json.dumps(value, ensure_ascii=False) if isinstance(column.type, JSON) else str(value)
                    yield f"{table.name}.{column.name}", text


def scan_database():
    """Where do the person's values still occur?"""
    needles = [value.lower() for value in personal_values()]
    return [f"{place}: {needle}" for place, text in stored_texts() for needle in needles if needle in text.lower()]


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
    photo_id, photo_files = photo.id, [image_object(photo), image_object(photo, thumb=True)]
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


# --- every address the person ever had ------------------------------------------------------

OLD_LOGIN, OLD_CONTACT, OLD_MOBILE = "q.oud@example.nl", "Q.Oud@Thuis.example", "06-13572468"
MIDDLE_LOGIN = "q.tussen@example.nl"  # what the office changed the login name to
NEW_CONTACT = "Quirijntje.Nieuw@Kantoor.example"  # the parent's own change; the login name follows
# The address the teacher wrote down, and the one the parent moved to.
OLD_ADDRESS = {"street": "Dorpsstraat", "house_number": "12", "postcode": "7461 AB", "city": "Rijssen"}
NEW_ADDRESS = {"street": "Geheimelaan", "house_number": "7", "postcode": "3851 ZZ", "city": "Ermelo"}
# How the scan recognises an address in any text, independently of app/admin/erasure.py.
ADDRESS_TRACES = [r"dorpsstr\S*\s*(nr\.?\s*)?12", r"7461\s*ab", r"geheimelaan\s*7", r"3851\s*zz"]


def traces_left(literals, patterns=ADDRESS_TRACES):
    """Which of these values and address patterns still occur anywhere in the database?"""
    import re

    needles = [re.compile(re.escape(value), re.IGNORECASE) for value in literals]
    needles += [re.compile(pattern, re.IGNORECASE) for pattern in patterns]
    return [f"{place}: {n.pattern}" for place, text in stored_texts() for n in needles if n.search(text)]


def post_page(client, path, data, page=None):
    token = csrf_from(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def a_parent_who_changed_addresses(app):
    """A parent whose login name the office changed, who changed their contact address
    (and let the login name follow), their mobile number and moved house — every change
    made through the pages — and whose old details stand in other people's texts."""
    from app.auth.services import issue_token

    group = GroupFactory(name="5", level=5)
    teacher = teacher_of(group)
    child = ChildFactory(first_name="Fenna", last_name="Quast", group=group, street="Kerkstraat", house_number="1",
                         postcode="7461 AC", city="Rijssen")
    parent = ParentFactory(first_name="Quirijntje", last_name="Oudemolen", login_name=OLD_LOGIN, email=OLD_CONTACT,
                           phone_mobile=OLD_MOBILE, **OLD_ADDRESS)
    partner = ParentFactory(first_name="Bert", last_name="Quast")
    GuardianshipFactory(parent=parent, child=child)
    GuardianshipFactory(parent=partner, child=child)
    db.session.commit()
    office_user = AdminFactory()
    office = login_client(app, office_user)
    parent_id = parent.id

    # The office changes the login name (manual, FAQ) ...
    response = post_page(office, f"/beheer/school/personen/{parent_id}/inlognaam", {"login_name": MIDDLE_LOGIN})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    office.get(response.location)  # (the page that shows the flash message)
    # ... the parent changes their contact address and mobile number themselves ...
    own = login_client(app, MIDDLE_LOGIN)
    response = post_page(own, "/account/bereikbaarheid",
                         {"email": NEW_CONTACT, "phone_mobile": "06-97531864", "phone_home": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    # ... lets the login name follow through the confirmation link ...
    db.session.expire_all()
    raw = issue_token(db.session.get(User, parent_id), "email", 48, new_email=NEW_CONTACT.lower())
    db.session.commit()
    response = post_page(own, f"/account/inlognaam/{raw}", {})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    # ... and moves house (and takes another surname).
    response = post_page(own, "/account/gegevens/wijzigen",
                         {"first_name": "Quirijntje", "last_name": "Nieuwemolen", **NEW_ADDRESS})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    db.session.expire_all()
    assert db.session.get(User, parent_id).login_name == NEW_CONTACT.lower()

    # Their old details in other people's free text.
    teacher_client = login_client(app, teacher)
    for body in ("Fenna woont op Dorpsstraat 12, 7461 AB Rijssen (bij moeder).",
                 "Post naar Dorpsstraat 12a kwam terug. Nieuw: Geheimelaan 7, Ermelo.",
                 "Oud adres: dorpsstr. 12 7461ab; mail q.oud@example.nl werkt niet meer."):
        response = post_page(teacher_client, "/beheer/notities/", {"child_id": str(child.id), "body": body})
        assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    message = Message(title="Schoolreis naar Rijssen", author_id=teacher.id, replies_allowed=True,
                      text=f"Verzamelen op de Dorpsstraat. Vragen: {OLD_CONTACT} of {MIDDLE_LOGIN} (Quirijntje Oudemolen).")
    db.session.add(message)
    db.session.flush()
    db.session.add_all([
        MessageReply(message_id=message.id, author_id=partner.id,
                     text="Mijn ex woont niet meer op Dorpsstraat 12 maar op Geheimelaan 7a, 3851ZZ Ermelo."),
        NotificationEvent(kind="meeting_changed", subject_type="meeting_round", subject_id=1,
                          payload={"to": [OLD_LOGIN, "bert@example.nl"], "adres": "Dorpsstraat 12 te Rijssen",
                                   "tel": OLD_MOBILE}),
        AuditEntry(actor_id=office_user.id, subject_type="user", subject_id=parent_id,
                   action=f"mail aan {MIDDLE_LOGIN}", fields=["email", OLD_CONTACT, "postcode 7461 AB"]),
    ])
    db.session.commit()
    return db.session.get(User, parent_id), partner, child, message, office


def test_erasure_removes_every_address_the_person_ever_had(app):
    from app.models import ChildNote, ContactHistory

    parent, partner, child, message, office = a_parent_who_changed_addresses(app)
    literals = [OLD_LOGIN, MIDDLE_LOGIN, OLD_CONTACT, NEW_CONTACT, OLD_MOBILE, "06-97531864", "Quirijntje Oudemolen",
                "Quirijntje Nieuwemolen"]
    # Every change kept what it replaced, as the person's own data (and nowhere on a page).
    kept = {(row.kind, row.value or row.street) for row in
            db.session.scalars(select(ContactHistory).where(ContactHistory.user_id == parent.id))}
    assert kept == {("login_name", OLD_LOGIN), ("login_name", MIDDLE_LOGIN), ("email", OLD_CONTACT),
                    ("phone", OLD_MOBILE), ("address", "Dorpsstraat"), ("name", "Quirijntje Oudemolen")}
    person_page = office.get(f"/beheer/school/personen/{parent.id}").get_data(as_text=True)
    assert OLD_LOGIN not in person_page and MIDDLE_LOGIN not in person_page and "Dorpsstraat" not in person_page
    before = traces_left(literals)
    assert any("child_notes" in hit and "dorpsstr" in hit for hit in before), before
    assert any("message_replies" in hit for hit in before) and any("audit_entries" in hit for hit in before)

    page = office.get(f"/beheer/school/personen/{parent.id}/wissen").get_data(as_text=True)
    assert "eerdere inlognamen, e-mailadressen, telefoonnummers, adressen en namen" in page
    # 3 notes, the message text, the reply, the payload, the audit entry's action and fields.
    assert "staan nog op 8 andere plek(ken)" in page
    response = office.post(f"/beheer/school/personen/{parent.id}/wissen",
                           data={"csrf_token": csrf_from(page), "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()

    assert traces_left(literals) == []
    assert db.session.scalar(select(func.count()).select_from(ContactHistory)) == 0
    notes = sorted(db.session.scalars(select(ChildNote.body).where(ChildNote.child_id == child.id)))
    assert notes == ["Fenna woont op [gewist] (bij moeder).",
                     "Oud adres: [gewist]; mail [gewist] werkt niet meer.",
                     "Post naar [gewist] kwam terug. Nieuw: [gewist]."]
    # A street or place name on its own is no one's address: it stays.
    assert db.session.get(Message, message.id).title == "Schoolreis naar Rijssen"
    assert db.session.get(Message, message.id).text == "Verzamelen op de Dorpsstraat. Vragen: [gewist] of [gewist] ([gewist])."
    reply = db.session.scalar(select(MessageReply.text).where(MessageReply.author_id == partner.id))
    assert reply == "Mijn ex woont niet meer op [gewist] maar op [gewist]."
    # The pupil's own address is the pupil's, and stays.
    assert (db.session.get(Child, child.id).street, db.session.get(Child, child.id).postcode) == ("Kerkstraat", "7461 AC")


def test_every_table_the_erasure_page_can_show_has_a_dutch_label(app):
    """The preview lists the rows of every table with a foreign key to users.id: a new
    table must get its label in TABLE_LABELS (a Dutch page, never a table name)."""
    from app.admin.erasure import TABLE_LABELS, _user_foreign_keys

    missing = sorted({table.name for table, _, _ in _user_foreign_keys()} - set(TABLE_LABELS))
    assert missing == [], f"add a Dutch label to TABLE_LABELS in app/admin/erasure.py for: {missing}"
    assert all(label and label == label.lower() and "_" not in label for label in TABLE_LABELS.values())


def test_the_replaced_value_is_kept_whichever_code_changes_it(app):
    """The history is written at flush time for any change: also when the old value was
    not loaded (expired after a commit), and for a parent's extra number changed or removed."""
    from app.models import ContactHistory

    parent = ParentFactory(login_name="eerst@example.nl", email="eerst@example.nl", last_name="Vroeger",
                           street="Molenweg", house_number="3")
    number = ContactNumber(label="werk", number="053-1112223")
    db.session.commit()
    number.user_id = parent.id
    db.session.add(number)
    db.session.commit()
    db.session.expire_all()  # nothing loaded: the change below must still know the old values
    user = db.session.get(User, parent.id)
    db.session.expire(user)
    user.login_name, user.house_number = "daarna@example.nl", "5"
    db.session.commit()
    db.session.expire(user)
    user.last_name = "Anders-Genaamd"
    db.session.commit()
    number = db.session.get(ContactNumber, number.id)
    db.session.expire(number)
    number.number = "053-4445556"
    db.session.commit()
    db.session.delete(number)
    db.session.commit()
    rows = db.session.scalars(select(ContactHistory).where(ContactHistory.user_id == parent.id)
                              .order_by(ContactHistory.id)).all()
    assert [(r.kind, r.value, r.street, r.house_number) for r in rows] == [
        ("login_name", "eerst@example.nl", "", ""), ("address", "", "Molenweg", "3"),
        ("name", f"{parent.first_name} Vroeger", "", ""),
        ("phone", "053-1112223", "", ""), ("phone", "053-4445556", "", "")]


def test_an_erased_parents_absence_reports_and_leave_requests_stay_without_their_traces(app):
    """Afwezigheid: the reports and leave requests the parent made are the school's records
    (kept for the 5-year period, app/admin/retention_absence.py): they stay, pointing at
    "Gewist account", and the parent's name, numbers and address are scrubbed from the
    note, the reason, the decision's reason and the statement's file name."""
    from app.models import AbsenceReport, LeaveRequest
    from tests.factories import absence_reasons, absence_report, leave_request

    parent, partner, child, _ = a_parent_with_everything()
    office_user = AdminFactory()
    report = absence_report(child, absence_reasons()["Overig"], by=parent,
                            note=f"Bel {FIRST} {LAST} op {MOBILE} als het niet gaat.")
    request = leave_request([child], by=parent, status="geweigerd", decided_by=office_user,
                            reason=f"Bruiloft. {FIRST} {LAST}, Geheimelaan 7, 3851 ZZ Ermelo, {LOGIN}.",
                            decision_reason=f"Besproken met {FIRST} {LAST}: geen gewichtige omstandigheid.",
                            statement_name=f"verklaring {FIRST} {LAST}.pdf")
    report_id, request_id = report.id, request.id
    office = login_client(app, office_user)
    page = office.get(f"/beheer/school/personen/{parent.id}/wissen").get_data(as_text=True)
    kept = page.split("Wat de school bewaart")[1]
    assert "1 × ziek- en afwezigheidsmeldingen" in kept and "1 × verlofaanvragen" in kept
    response = office.post(f"/beheer/school/personen/{parent.id}/wissen",
                           data={"csrf_token": csrf_from(page), "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()

    assert scan_database() == []
    report = db.session.get(AbsenceReport, report_id)
    request = db.session.get(LeaveRequest, request_id)
    assert report.reported_by_id == parent.id and report.reported_by.name == "Gewist account"
    assert request.requested_by_id == parent.id and request.requested_by.name == "Gewist account"
    assert report.note == "Bel [gewist] op [gewist] als het niet gaat."
    assert request.reason == "Bruiloft. [gewist], [gewist], [gewist]."
    assert request.decision_reason == "Besproken met [gewist]: geen gewichtige omstandigheid."
    assert request.statement_name == "verklaring [gewist].pdf"
    assert [c.id for c in request.children] == [child.id] and request.decided_by_id == office_user.id

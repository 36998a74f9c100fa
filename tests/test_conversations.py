"""Gesprekken: a parent writes the school about their child, staff answer.

Through the real pages (login, CSRF), with a pretended clock (Wednesday 2 December 2026,
working hours 07:30–17:30) and mail over the real SMTP sink:
- who reaches a conversation: another family's thread by URL is 404, a teacher of another
  group 404, the other parent sees it unless "alleen voor mij";
- quiet hours: a message at 21:00 is not there for the teacher and mails nobody until
  07:30 the next school day, then exactly once; the parent is told when it will be read;
- attachments through the document checks, stored under conversations/;
- input: newlines in a subject, huge text, NUL bytes: Dutch messages, never a 500.
"""
import re
from collections import Counter

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs.notifications import run_due
from app.models import Conversation, ConversationMessage, NotificationDelivery
from app.storage import expected_objects, get_storage
from tests.content_helpers import main_of
from tests.factories import GroupFactory, GuardianshipFactory, ParentFactory, family, pdf_bytes, teacher_of
from tests.fixtures.mail import mail_text
from tests.fixtures.users import csrf_from

INSIDE = "2026-12-02 10:00"     # Wednesday, inside the working hours
EVENING = "2026-12-02 21:00"
NEXT_START = "2026-12-03 07:30"


def received(smtp):
    return Counter(address.lower() for m in smtp.messages for address in m["to"])


def emails(*people):
    return Counter(person.email.lower() for person in people)


@pytest.fixture
def school(app, inline_smtp):
    app.config["PRETEND_NOW"] = INSIDE
    group3, group6 = GroupFactory(name="3"), GroupFactory(name="6")
    sam, (mother, father) = family(group3, parents=2, first_name="Sam", last_name="Jansen")
    noor, (other_parent,) = family(group3, first_name="Noor", last_name="Bakker")
    mila, (mila_parent,) = family(group6, first_name="Mila", last_name="Wouters")
    juf3, juf6 = teacher_of(group3, first_name="Anna"), teacher_of(group6, first_name="Els")
    from tests.factories import AdminFactory

    admin = AdminFactory()
    db.session.commit()
    yield dict(group3=group3, sam=sam, mother=mother, father=father, noor=noor, other_parent=other_parent,
               mila=mila, mila_parent=mila_parent, juf3=juf3, juf6=juf6, admin=admin)
    app.config.pop("PRETEND_NOW", None)


def start(client, child, subject="Gymschoenen", text="Sam is zijn gymschoenen kwijt.", private=False, **extra):
    page = client.get("/gesprekken/nieuw")
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "child_id": child.id, "with_whom": "leerkracht",
            "subject": subject, "text": text, **extra}
    if private:
        data["private"] = "y"
    return client.post("/gesprekken/nieuw", data=data, content_type="multipart/form-data")


def only_conversation():
    db.session.expire_all()
    [conversation] = db.session.scalars(select(Conversation)).all()
    return conversation


def answer(client, conversation, text="Ik kijk in de gymzaal.", htmx=True):
    page = client.get(f"/beheer/gesprekken/{conversation.id}")
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/beheer/gesprekken/{conversation.id}/antwoorden", headers=headers,
                       data={"csrf_token": csrf_from(page.get_data(as_text=True)), "text": text},
                       content_type="multipart/form-data")


def test_a_parent_starts_a_conversation_and_the_teacher_answers(app, school, smtp, login_as):
    s = school
    mother = login_as(s["mother"])
    response = start(mother, s["sam"])
    assert response.status_code == 302
    conversation = only_conversation()
    # The teacher of the group gets one mail, nobody else; no text of the message in it.
    assert received(smtp) == emails(s["juf3"])
    text = mail_text(smtp.to(s["juf3"].email)[0])
    assert "Gymschoenen" in text and "gymschoenen kwijt" not in text
    juf3 = login_as(s["juf3"])
    page = main_of(juf3.get(f"/beheer/gesprekken/{conversation.id}"))
    assert "Sam is zijn gymschoenen kwijt." in page
    smtp.clear()
    fragment = answer(juf3, conversation)
    assert fragment.status_code == 200
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith("<section") and "Ik kijk in de gymzaal." in body and 'data-result data-announce="Uw antwoord is verstuurd."' in body
    # Both parents (not "alleen voor mij") hear of the answer, once each.
    assert received(smtp) == emails(s["mother"], s["father"])
    father_page = main_of(login_as(s["father"]).get(f"/gesprekken/{conversation.id}"))
    assert "Ik kijk in de gymzaal." in father_page
    # Read status: the teacher read the mother's message; the answer is read once a parent opened it.
    assert "gelezen" in main_of(mother.get(f"/gesprekken/{conversation.id}"))
    run_due(INSIDE)
    assert received(smtp) == emails(s["mother"], s["father"])  # exactly once


def test_another_family_and_another_group_get_404(app, school, login_as):
    s = school
    start(login_as(s["mother"]), s["sam"])
    conversation = only_conversation()
    for person in (s["other_parent"], s["mila_parent"]):
        client = login_as(person)
        assert client.get(f"/gesprekken/{conversation.id}").status_code == 404
        assert "Gymschoenen" not in main_of(client.get("/gesprekken"))
    juf6 = login_as(s["juf6"])
    assert juf6.get(f"/beheer/gesprekken/{conversation.id}").status_code == 404
    assert "Gymschoenen" not in main_of(juf6.get("/beheer/gesprekken"))
    assert answer(juf6, conversation).status_code == 404
    assert login_as(s["admin"]).get(f"/beheer/gesprekken/{conversation.id}").status_code == 200


def test_alleen_voor_mij_is_hidden_from_the_other_parent(app, school, smtp, login_as):
    s = school
    start(login_as(s["mother"]), s["sam"], subject="Omgangsregeling", private=True)
    conversation = only_conversation()
    assert conversation.private
    father = login_as(s["father"])
    assert father.get(f"/gesprekken/{conversation.id}").status_code == 404
    assert "Omgangsregeling" not in main_of(father.get("/gesprekken"))
    smtp.clear()
    answer(login_as(s["juf3"]), conversation)
    assert received(smtp) == emails(s["mother"])


def test_quiet_hours_a_message_at_nine_in_the_evening_reaches_the_teacher_at_half_past_seven(
        app, school, smtp, login_as):
    s = school
    app.config["PRETEND_NOW"] = EVENING
    mother = login_as(s["mother"])
    response = start(mother, s["sam"])
    page = main_of(mother.get(response.headers["Location"]))
    assert "wordt gelezen vanaf morgen 07:30" in page
    conversation = only_conversation()
    juf3 = login_as(s["juf3"])
    assert juf3.get(f"/beheer/gesprekken/{conversation.id}").status_code == 404
    assert "Gymschoenen" not in main_of(juf3.get("/beheer/gesprekken"))
    for moment in (EVENING, "2026-12-03 03:00", "2026-12-03 07:29"):
        app.config["PRETEND_NOW"] = moment
        run_due(moment)
    assert smtp.messages == []
    app.config["PRETEND_NOW"] = NEXT_START
    run_due(NEXT_START)
    run_due("2026-12-03 07:31")
    assert received(smtp) == emails(s["juf3"])
    # (a new login: the evening's staff session ended overnight)
    assert login_as(s["juf3"]).get(f"/beheer/gesprekken/{conversation.id}").status_code == 200
    db.session.expire_all()
    assert len(db.session.scalars(select(NotificationDelivery)
                                  .where(NotificationDelivery.kind == "conversation_staff")).all()) == 1


def test_a_friday_evening_message_is_read_on_monday(app, school, smtp, login_as):
    s = school
    app.config["PRETEND_NOW"] = "2026-12-04 18:00"   # Friday
    mother = login_as(s["mother"])
    page = main_of(mother.get(start(mother, s["sam"]).headers["Location"]))
    assert "wordt gelezen vanaf maandag 07:30" in page
    run_due("2026-12-05 12:00")  # Saturday: not a school day
    assert smtp.messages == []


def test_staff_mail_waits_for_the_hours_when_the_worker_was_away(app, school, smtp, login_as):
    s = school
    app.config["PRETEND_NOW"] = EVENING
    start(login_as(s["mother"]), s["sam"])
    app.config["PRETEND_NOW"] = "2026-12-03 18:00"
    run_due("2026-12-03 18:00")   # the worker was down all day: after 17:30 still nothing
    assert smtp.messages == []
    app.config["PRETEND_NOW"] = "2026-12-04 07:30"
    run_due("2026-12-04 07:30")
    assert received(smtp) == emails(s["juf3"])


def test_the_switch_turns_the_staff_mail_off(app, school, smtp, login_as):
    from app.notifications.services import set_preference

    s = school
    set_preference(s["juf3"], "conversations_staff", False)
    db.session.commit()
    start(login_as(s["mother"]), s["sam"])
    assert smtp.messages == []


def test_attachments_are_checked_and_stored_under_conversations(app, school, login_as):
    s = school
    mother = login_as(s["mother"])
    from io import BytesIO

    refused = start(mother, s["sam"], attachment=(BytesIO(b"gewoon tekst, geen pdf"), "brief.pdf"))
    assert refused.status_code == 422
    assert "niet echt een PDF-bestand" in main_of(refused)
    assert db.session.scalar(select(Conversation.id)) is None
    accepted = start(mother, s["sam"], attachment=(BytesIO(pdf_bytes()), "verklaring.pdf"))
    assert accepted.status_code == 302
    conversation = only_conversation()
    [message] = conversation.messages
    key = f"conversations/{message.attachment_stored}"
    assert get_storage().exists(key) and key in expected_objects()
    url = f"/gesprekken/{conversation.id}/bijlage/{message.id}"
    download = mother.get(url)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert login_as(s["other_parent"]).get(url).status_code == 404
    assert login_as(s["juf6"]).get(f"/beheer/gesprekken/{conversation.id}/bijlage/{message.id}").status_code == 404
    assert login_as(s["juf3"]).get(f"/beheer/gesprekken/{conversation.id}/bijlage/{message.id}").status_code == 200


@pytest.mark.parametrize("field, value, message", [
    ("subject", "", "Vul een onderwerp in."),
    ("subject", "x" * 151, "Het onderwerp is te lang"),
    ("text", "", "Schrijf eerst uw bericht."),
    ("text", "x" * 200_000, "Uw bericht is te lang (maximaal 5.000 tekens)."),
    ("child_id", "999999999999", "Kies"),
])
def test_the_form_refuses_in_dutch(app, school, login_as, field, value, message):
    response = start(login_as(school["mother"]), school["sam"], **{field: value})
    assert response.status_code == 422
    assert message in main_of(response)
    assert db.session.scalar(select(Conversation.id)) is None


def test_a_newline_in_the_subject_is_folded_and_a_nul_byte_refused(app, school, login_as):
    mother = login_as(school["mother"])
    assert start(mother, school["sam"], subject="Gym\r\nBcc: x@example.org").status_code == 302
    assert only_conversation().subject == "Gym Bcc: x@example.org"
    assert start(mother, school["sam"], text="nul\x00byte").status_code == 400


def test_another_familys_child_cannot_be_chosen(app, school, login_as):
    response = start(login_as(school["mother"]), school["noor"])
    assert response.status_code == 422
    assert db.session.scalar(select(Conversation.id)) is None


def test_staff_answer_a_berichten_reply_in_a_conversation(app, school, smtp, login_as):
    from app.models import MessageReply
    from tests.factories import MessageFactory

    s = school
    message = MessageFactory(title="Schoolreis", groups=[s["group3"]], replies_allowed=True)
    reply = MessageReply(message=message, author_id=s["father"].id, text="Mag Sam een dag later mee?")
    db.session.add(reply)
    db.session.commit()
    juf3 = login_as(s["juf3"])
    shown = main_of(juf3.get(f"/beheer/berichten/{message.id}"))
    assert f"/beheer/gesprekken/reactie/{reply.id}" in shown
    form = juf3.get(f"/beheer/gesprekken/reactie/{reply.id}")
    response = juf3.post(f"/beheer/gesprekken/reactie/{reply.id}", data={
        "csrf_token": csrf_from(form.get_data(as_text=True)), "child_id": s["sam"].id,
        "subject": "Re: Schoolreis", "text": "Dat overleggen we even."})
    assert response.status_code == 302
    conversation = only_conversation()
    assert conversation.private and conversation.parent_id == s["father"].id
    assert received(smtp) == emails(s["father"])
    assert login_as(s["mother"]).get(f"/gesprekken/{conversation.id}").status_code == 404
    assert login_as(s["juf6"]).get(f"/beheer/gesprekken/reactie/{reply.id}").status_code == 404


def test_the_staff_start_page_counts(app, school, login_as):
    s = school
    start(login_as(s["mother"]), s["sam"])
    page = main_of(login_as(s["juf3"]).get("/beheer/"))
    assert re.search(r"<strong>1</strong> gesprek wacht op antwoord", page)
    assert "Groep 3: 1 onbeantwoord" in page or "3: 1 onbeantwoord" in page
    assert "<strong>0</strong> gesprekken wachten" in main_of(login_as(s["juf6"]).get("/beheer/"))


def test_erasure_inzage_and_retention_cover_conversations(app, school, login_as):
    from app.account.inzage.collect import collect
    from app.admin.erasure import erase_account

    s = school
    start(login_as(s["mother"]), s["sam"], subject="Privé", private=True)
    start(login_as(s["father"]), s["sam"], subject="Gedeeld")
    private, shared = sorted(db.session.scalars(select(Conversation)).all(), key=lambda c: c.id)
    private_id = private.id
    answer(login_as(s["juf3"]), shared, text="Antwoord van juf")
    father = collect(s["father"])
    [sam] = father.children
    subjects = {row["subject"] for row in sam.tables["conversations"]}
    assert subjects == {"Gedeeld"}
    texts = {row["text"] for row in sam.tables.get("conversation_messages", [])}
    assert "Antwoord van juf" in texts and "Sam is zijn gymschoenen kwijt." in texts
    mother = collect(s["mother"])
    assert {row["subject"] for row in mother.children[0].tables["conversations"]} == {"Privé", "Gedeeld"}
    erase_account(s["mother"], s["admin"])
    db.session.expire_all()
    assert [c.subject for c in db.session.scalars(select(Conversation))] == ["Gedeeld"]
    assert db.session.scalar(select(ConversationMessage.id).where(ConversationMessage.conversation_id == private_id)) \
        is None


def test_retention_removes_the_conversations_of_an_erased_pupil(app, school, login_as):
    from datetime import date

    from app.admin.retention import erase_pupil

    s = school
    start(login_as(s["mother"]), s["sam"])
    s["sam"].left_at = date(2020, 7, 1)
    db.session.commit()
    erase_pupil(s["sam"], date(2026, 12, 2))
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(Conversation.id)) is None
    assert db.session.scalar(select(ConversationMessage.id)) is None


def test_a_guardian_added_later_sees_shared_conversations(app, school, login_as):
    s = school
    start(login_as(s["mother"]), s["sam"])
    step = ParentFactory()
    GuardianshipFactory(parent=step, child=s["sam"])
    db.session.commit()
    assert login_as(step).get(f"/gesprekken/{only_conversation().id}").status_code == 200


def test_unread_is_counted_per_conversation(app, school, login_as):
    """A teacher who opened one conversation still has the other one unread (the read time of
    one conversation does not count for another)."""
    s = school
    start(login_as(s["mother"]), s["sam"], subject="Gymschoenen")
    start(login_as(s["other_parent"]), s["noor"], subject="Zwemles", text="Noor mist de zwemles.")
    gym = db.session.scalar(select(Conversation).where(Conversation.subject == "Gymschoenen"))
    app.config["PRETEND_NOW"] = "2026-12-02 10:05"
    juf3 = login_as(s["juf3"])
    juf3.get(f"/beheer/gesprekken/{gym.id}")
    page = main_of(juf3.get("/beheer/"))
    assert "1 met een nieuw bericht die u nog niet las" in page
    listing = main_of(juf3.get("/beheer/gesprekken"))
    zwemles = listing[listing.index("Zwemles"):]
    assert "ongelezen" in zwemles[:zwemles.index("</h2>")]


@pytest.mark.parametrize("fields, status, message", [
    ({"text": "nul\x00byte"}, 400, "Ongeldig teken"),
    ({"subject": "Gym\x00schoenen"}, 400, "Ongeldig teken"),
    ({"text": "x" * 400_000}, 422, "Uw bericht is te lang (maximaal 5.000 tekens)."),
    # Beyond the request's form memory (Werkzeug, 500 kB): the Dutch 413 page.
    ({"text": "x" * 1_000_000}, 413, "Te groot om te versturen"),  # a form with attachments
    ({"child_id": "999999999999"}, 422, "Kies een van de mogelijkheden uit de lijst."),
    ({"child_id": "10" + "0" * 30}, 422, "Kies een van de mogelijkheden uit de lijst."),
    ({"child_id": "noor"}, 422, "Kies een van de mogelijkheden uit de lijst."),  # another family's child
])
def test_bad_input_in_the_start_form_is_refused_in_dutch_and_nothing_is_stored(app, school, login_as, fields, status,
                                                                             message):
    if fields.get("child_id") == "noor":
        fields = {"child_id": school["noor"].id}
    response = start(login_as(school["mother"]), school["sam"], **fields)
    assert response.status_code == status
    assert message in " ".join(response.get_data(as_text=True).split())
    assert db.session.scalar(select(Conversation.id)) is None
    assert db.session.scalar(select(ConversationMessage.id)) is None


@pytest.mark.parametrize("text, status, message", [
    ("nul\x00byte", 400, "Ongeldig teken"),
    ("x" * 400_000, 422, "Uw bericht is te lang (maximaal 5.000 tekens)."),
    ("   ", 422, "Schrijf eerst uw bericht."),
])
def test_bad_input_in_an_answer_is_refused_in_dutch_and_nothing_is_stored(app, school, login_as, text, status,
                                                                        message):
    start(login_as(school["mother"]), school["sam"])
    conversation = only_conversation()
    response = answer(login_as(school["juf3"]), conversation, text=text)
    assert response.status_code == status
    assert message in " ".join(response.get_data(as_text=True).split())
    db.session.expire_all()
    assert len(only_conversation().messages) == 1

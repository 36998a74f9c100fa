"""Mail headers that no value can break: every kind of mail, over the real SMTP server.

Every value that reaches a header of any mail — the school name setting, titles of
spoedberichten, albums and meeting rounds, names, the sender's display name, stored
addresses, List-Unsubscribe, attachment file names — is made one line of text and encoded
by app/jobs/mail.py (PortalMessage). Values here carry "\\r\\nBcc: attacker@…" and
"\\nReply-To: …": the received mail never has such a header and the envelope never an
extra recipient. Every subject passes a strict RFC 2047 parser (tests/conftest.py
`strict_subject`), and the test SMTP server refuses empty encoded words (`=?utf-8?q??=`),
which the email package's own folding made in about one meeting subject in four.
"""
import random
import re
from collections import Counter

import pytest
from sqlalchemy import select

from app.account import services as account_services
from app.admin import services as admin_services
from app.auth import services as auth_services
from app.extensions import db
from app.jobs import get_queue
from app.jobs.mail import PortalMessage, deliver, text_header
from app.jobs.notifications import run_due
from app.meetings import services as meeting_services
from app.models import NotificationDelivery
from app.settings import set_setting
from tests.fixtures.mail import EMPTY_ENCODED_WORD, strict_subject, use_smtp
from tests.factories import PASSWORD, AdminFactory, GroupFactory, ParentFactory, family, teacher_of
from tests.meetings_data import book_directly, make_round, pretend, slot_at
from tests.test_notifications import WINTER, ams, at, make_album, make_message, make_news
from tests.fixtures.users import create_account

ATTACKER = "attacker@example.org"
PAYLOADS = {
    "crlf-bcc": f"\r\nBcc: {ATTACKER}",
    "lf-reply-to": f"\nReply-To: {ATTACKER}",
}
MORE_PAYLOADS = {
    **PAYLOADS,
    "cr-cc": f"\rCc: {ATTACKER}",
    "crlf-crlf-body": f"\r\n\r\nBcc: {ATTACKER}",
    "line-separator": f"\u2028Bcc: {ATTACKER}",
    "nel": f"\x85Reply-To: {ATTACKER}",
    "nul-tab": f"\x00\tBcc: {ATTACKER}",
}
# Subjects the email package's folding used to break: an empty encoded word before the
# en dash, or a word folded in two.
TRICKY_TITLES = [
    "maart rapportgesprekken maart",
    "rapportgesprekken 3 maart één Voortgangsgesprekken Voortgangsgesprekken Voortgangsgesprekken –",
    "Gesprekken groep 7/8 – najaar 2026 (één of twee tijdsloten) 😀 met juf Anneloes van der Heijden-Ørsted",
]
KINDS = {  # subject prefix -> kind
    "Activeer uw account": "activate",
    "Nieuw wachtwoord kiezen": "reset",
    "Bevestig uw nieuwe inlognaam": "email",
    "Uw inlognaam is gewijzigd": "login_changed_by_school",
    "Uw wachtwoord is gewijzigd": "password_changed",
    "Spoedbericht:": "urgent",
    "Nieuw fotoalbum:": "album",
    "Weekoverzicht": "digest",
    "Uitnodiging oudergesprek:": "meeting_opened",
    "Definitieve tijd oudergesprek:": "meeting_final",
    "Uw oudergesprek is": "meeting_changed",
}


def header_names(raw):
    """The names of the top-level headers of a raw mail, as a mail server reads them."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    return [line.split(b":", 1)[0].strip().lower().decode() for line in head.split(b"\r\n")
            if line and line[:1] not in (b" ", b"\t")]


def assert_no_injected_header(received, known_addresses):
    for mail in received:
        names = header_names(mail["raw"])
        assert not {"bcc", "cc", "reply-to"} & set(names), names
        assert Counter(names)["to"] == 1 and Counter(names)["from"] == 1 and Counter(names)["subject"] == 1
        for name in ("Bcc", "Cc", "Reply-To"):
            assert mail["message"][name] is None
        assert len(mail["to"]) == 1 and mail["to"][0].lower() in known_addresses, mail["to"]
        assert ATTACKER not in mail["to"] and ATTACKER not in (mail["from"] or "")
        assert not EMPTY_ENCODED_WORD.search(mail["raw"].split(b"\r\n\r\n", 1)[0])


def kind_of(mail):
    subject = str(mail["message"]["Subject"])
    for prefix, kind in KINDS.items():
        if subject.startswith(prefix):
            return kind
    raise AssertionError(f"unknown mail: {subject}")


def one_line(text):
    return " ".join(text.split())


def produce_every_kind(app, suffix, send_due, settle=lambda: None):
    """Make the portal send every kind of mail, with `suffix` in every value that reaches
    a header. `send_due(now)` runs the dispatcher at an Amsterdam time (the evening batch
    and the Wednesday digest); `settle()` lets queued jobs run (a round's invitation is not
    sent once the round is closed). Returns (the addresses mailed, expected {kind: count})."""
    set_setting("school.name", f"De Schutkampen{suffix}")
    db.session.commit()
    name = suffix[:40]  # names hold at most 100 characters
    group = GroupFactory(name="3")
    child, (parent,) = family(group, first_name=f"Sam{name}", last_name="Jansen")
    other, (mover,) = family(group, first_name="Noor", last_name="Bakker")
    mover.email = "noor.contact@example.org"  # Mijn account: contact address differs from the login name
    renamed = ParentFactory(first_name=f"Renée{name}")
    admin = AdminFactory()
    teacher = teacher_of(group)
    db.session.commit()

    create_account("nieuwe.ouder@example.org", f"Nieuwe{name}", "Ouder")         # activate
    auth_services.request_password_reset(parent.login_name)                                    # reset
    assert account_services.request_login_change(mover) is None                                # email
    renamed_before = renamed.login_name
    admin_services.change_login_name(renamed, "renee.nieuw@example.org", False, admin)          # login changed
    assert auth_services.change_password(teacher, PASSWORD, "Nieuw-wachtwoord-2026!")          # password changed
    make_message(ams(*WINTER, 10), groups=[group], urgent=True, title=f"Gym vervalt{suffix}")  # urgent
    make_album(ams(*WINTER, 11), groups=[group], title=f"Sportdag{suffix}")                    # album
    make_news(ams(*WINTER, 12), groups=[group], title=f"Schoolreis{suffix}")                   # digest
    send_due(at(WINTER, 17, 31))  # a Wednesday: the evening batch and the digest

    pretend(app)  # the round's day (March 2026) lies ahead
    round_ = make_round(group, invite=[child, other], status="concept", title=f"Voortgangsgesprekken{suffix}")
    meeting_services.open_round(teacher, round_)                                               # opened
    settle()
    book_directly(parent, round_, child, "10:00")
    meeting_services.close_round(teacher, round_)                                              # final
    meeting_services.staff_book(teacher, round_, child.id, slot_at(round_, "10:20").id)        # changed
    addresses = {a.lower() for a in ("nieuwe.ouder@example.org", parent.email, mover.email, mover.login_name,
                                     "renee.nieuw@example.org", renamed_before, teacher.email)}
    expected = {"activate": 1, "reset": 1, "email": 1, "login_changed_by_school": 2, "password_changed": 1, "urgent": 2, "album": 2,
                "digest": 2, "meeting_opened": 2, "meeting_final": 2, "meeting_changed": 1}
    return addresses, expected


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_an_injected_header_never_becomes_one_in_any_kind_of_mail(app, inline_smtp, payload):
    app.config["MAIL_DEFAULT_SENDER"] = f"Mijn School{payload} <noreply@schutkampen.example>"
    addresses, expected = produce_every_kind(app, payload, lambda now: run_due(now=now))
    received = inline_smtp.wait_for(sum(expected.values()))
    assert Counter(kind_of(mail) for mail in received) == expected
    assert_no_injected_header(received, addresses)
    folded = one_line(payload)
    urgent = next(mail["message"] for mail in received if kind_of(mail) == "urgent")
    # The value is still there, as text on the one Subject line.
    assert str(urgent["Subject"]) == f"Spoedbericht: Gym vervalt {folded} – De Schutkampen {folded}"
    assert str(urgent["From"]).startswith('"Mijn School') and "noreply@schutkampen.example" in str(urgent["From"])
    assert all(mail["from"] == "noreply@schutkampen.example" for mail in received)


@pytest.mark.parametrize("title", TRICKY_TITLES, ids=["empty-word-before-dash", "long-with-dashes", "emoji-long"])
def test_every_subject_of_every_kind_reads_right_in_a_strict_client(app, inline_smtp, title):
    addresses, expected = produce_every_kind(app, " " + title, lambda now: run_due(now=now))
    received = inline_smtp.wait_for(sum(expected.values()))
    assert Counter(kind_of(mail) for mail in received) == expected  # the server refused none
    for mail in received:
        subject = strict_subject(mail["raw"])  # raises on anything RFC 2047 forbids
        assert subject == str(mail["message"]["Subject"])
        assert subject.endswith(f" – De Schutkampen {title}")
    urgent = next(mail for mail in received if kind_of(mail) == "urgent")
    assert strict_subject(urgent["raw"]) == f"Spoedbericht: Gym vervalt {title} – De Schutkampen {title}"


def test_injected_values_through_redis_and_the_worker(app, pipeline):
    payload = PAYLOADS["crlf-bcc"]
    pipeline.env["MAIL_DEFAULT_SENDER"] = f"Mijn School{payload} <noreply@schutkampen.example>"
    addresses, expected = produce_every_kind(
        app, payload, lambda now: get_queue("mail").enqueue(run_due, kwargs={"now": now}), pipeline.drain)
    pipeline.drain()
    received = pipeline.smtp.wait_for(sum(expected.values()), timeout=60)
    assert Counter(kind_of(mail) for mail in received) == expected
    assert_no_injected_header(received, addresses)


def test_a_stored_address_that_is_not_one_address_is_never_mailed(app, inline_smtp, login_as):
    """An address already in the database with a header in it: no mail, no extra
    recipient, no 500; the failure is recorded and shown under Beheer > E-mail."""
    from tests.fixtures.users import Auth

    parent = ParentFactory(activated_at=None)
    parent.email = f"ouder@example.org\r\nBcc: {ATTACKER}"
    db.session.commit()
    client = login_as(AdminFactory())
    response = Auth(client).post(f"/beheer/school/personen/{parent.id}/activatiemail",
                                 csrf_page=f"/beheer/school/personen/{parent.id}")
    assert response.status_code == 302
    assert inline_smtp.messages == []
    (row,) = db.session.scalars(select(NotificationDelivery)).all()
    assert row.state == "failed" and row.kind == "account:activate"
    assert "Ongeldig e-mailadres" in row.last_error
    page = client.get("/beheer/e-mail/").get_data(as_text=True)
    assert "Activatiemail" in page and "Ongeldig e-mailadres" in page

    # A notice to a parent with such an address: that one fails, the others go.
    group = GroupFactory()
    _, (bad,) = family(group)
    _, (good,) = family(group)
    bad.email = f"ouder2@example.org\nReply-To: {ATTACKER}"
    db.session.commit()
    make_message(ams(*WINTER, 10), groups=[group], urgent=True, title="Gym vervalt")
    run_due(now=at(WINTER, 17, 31))
    (mail,) = inline_smtp.wait_for(1)
    assert mail["to"] == [good.email]
    assert_no_injected_header([mail], {good.email.lower()})
    notice = db.session.scalars(select(NotificationDelivery).where(NotificationDelivery.recipient_id == bad.id)).one()
    assert notice.state == "failed" and "Ongeldig e-mailadres" in notice.last_error


@pytest.mark.parametrize("payload", list(MORE_PAYLOADS.values()), ids=list(MORE_PAYLOADS))
def test_every_header_value_is_folded_to_one_line(app, smtp, payload):
    """The other values that reach a header — List-Unsubscribe, an attachment's file name
    and content type, the sender's name, the subject — with every kind of line break."""
    use_smtp(app, smtp)
    message = PortalMessage(
        subject=f"Onderwerp{payload}",
        recipients=["ouder@example.org"],
        body="Tekst",
        html="<p>Tekst</p>",
        sender=f"School{payload} <noreply@schutkampen.example>",
        extra_headers={"List-Unsubscribe": f"<http://localhost/account/notificaties{payload}>"},
    )
    message.attach(f"afspraak{payload}.ics", f"text/calendar; charset=utf-8{payload}", b"BEGIN:VCALENDAR")
    with app.test_request_context():
        deliver(message)
    (mail,) = smtp.wait_for(1)
    assert_no_injected_header([mail], {"ouder@example.org"})
    assert Counter(header_names(mail["raw"])) == Counter(
        ["content-type", "mime-version", "subject", "from", "to", "date", "message-id", "list-unsubscribe"])
    (attachment,) = list(mail["message"].iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert "\n" not in attachment.get_filename() and "\r" not in attachment.get_filename()
    assert set(mail["message"]["List-Unsubscribe"].split()) <= {"<http://localhost/account/notificaties", "Bcc:",
                                                               "Reply-To:", "Cc:", ATTACKER + ">"}


def test_a_header_a_caller_adds_must_be_one_we_know(app):
    with app.test_request_context():
        message = PortalMessage(subject="x", recipients=["ouder@example.org"], body="x",
                                extra_headers={"Bcc": ATTACKER})
        with pytest.raises(Exception, match="niet toegestaan"):
            message.as_bytes()
        with pytest.raises(ValueError):
            PortalMessage(subject="x", recipients=["ouder@example.org"], body="x", bcc=[ATTACKER])


def test_folding_never_makes_an_empty_or_overlong_encoded_word(app):
    """Thousands of subjects of every length and script: each reads back as written in the
    strict parser, with lines of at most 76 characters and no empty encoded word."""
    rng = random.Random(12)
    words = ["Voortgangsgesprekken", "maart", "groep", "3", "één", "–", "😀", "ß", "=?", "x" * 90,
             "Ørsted-Heijden", "日本語", "a", "\u0301"]
    for _ in range(1500):
        title = " ".join(rng.choice(words) for _ in range(rng.randint(1, 14)))
        subject = f"Uitnodiging oudergesprek: {title} – Kindcentrum CBS De Schutkampen"
        with app.test_request_context():
            raw = PortalMessage(subject=subject, recipients=["ouder@example.org"], body="x").as_bytes()
        head = raw.split(b"\r\n\r\n", 1)[0]
        assert not EMPTY_ENCODED_WORD.search(head), head
        assert strict_subject(raw) == one_line(subject)
        for line in head.split(b"\r\n"):
            assert b"=?" not in line or len(line) <= 76, line


def test_a_subject_header_value_is_folded_by_us():
    value = text_header("Subject", "Nieuw fotoalbum: Sportdag – Kindcentrum CBS De Schutkampen " * 3)
    lines = value.split("\r\n")
    assert len(lines) > 1 and all(line.startswith(" ") for line in lines[1:])
    assert len("Subject: " + lines[0]) <= 76 and all(len(line) <= 76 for line in lines)
    assert re.fullmatch(r"(=\?utf-8\?b\?[A-Za-z0-9+/=]+\?=)( =\?utf-8\?b\?[A-Za-z0-9+/=]+\?=)*",
                        " ".join(line.strip() for line in lines))

"""The yearly consent request and its reminder, through the real pipeline: Redis, `python
worker.py` and an SMTP server, the planner driven with a pretended moment (PRETEND_NOW for
the web side and the worker alike, and the batch's own `now`).

- the request goes at once to the parents of current pupils with a writable link and an
  activated account whose "Vragen om toestemming" switch is on; once, however often the
  planner runs;
- the reminder waits 14 days (the planner leaves it and asks again every tick), then goes
  only to the parents who themselves did not answer some purpose, naming those children;
- Beheer › E-mail lists the request under "Toestemming", a failed mail too."""
import time
from collections import Counter

import pytest
from sqlalchemy import select

from app.consent.requests import start_yearly_request
from app.extensions import db
from app.models import Guardianship, NotificationDelivery, NotificationEvent, utcnow
from app.notifications.services import set_preference
from app.privacy.consent import save_answer
from tests.content_helpers import main_of
from tests.factories import AdminFactory, GroupFactory, consent_purpose, family, teacher_of
from tests.fixtures.mail import mail_text
from tests.test_notifications_worker import enqueue_batch

START = "2026-09-07 09:00"          # a Monday in school year 2026-2027 (Amsterdam time)
JUST_BEFORE = "2026-09-21 08:59"    # 14 days minus a minute later
JUST_AFTER = "2026-09-21 09:01"


def pretend(app, pipeline, moment):
    """The same moment for this process (the web side) and the worker."""
    app.config["PRETEND_NOW"] = moment
    pipeline.env["PRETEND_NOW"] = moment


def run(app, pipeline, moment):
    pretend(app, pipeline, moment)
    enqueue_batch(moment)
    pipeline.drain()


def received(smtp):
    return Counter(address.lower() for m in smtp.messages for address in m["to"])


def emails(*people):
    return Counter(person.email.lower() for person in people)


def settle(smtp, count):
    smtp.wait_for(count, timeout=30)
    time.sleep(0.5)  # a duplicate would show up now


def ledger(kind):
    db.session.expire_all()
    rows = db.session.scalars(select(NotificationDelivery).where(NotificationDelivery.kind == kind)).all()
    db.session.commit()
    return rows


@pytest.fixture
def school(app, pipeline):
    pretend(app, pipeline, START)
    group, other_group = GroupFactory(name="3"), GroupFactory(name="6")
    sam, (mother, father, reader) = family(group, parents=3, first_name="Sam", last_name="Jansen")
    db.session.get(Guardianship, (reader.id, sam.id)).read_only = True
    mila, (mila_parent,) = family(other_group, first_name="Mila", last_name="Wouterse")
    noor, (noor_parent,) = family(group, first_name="Noor", last_name="Bakker")
    finn, (finn_parent,) = family(group, first_name="Finn", last_name="Visser")
    lotte, (lotte_parent,) = family(group, first_name="Lotte", last_name="Smit")
    # Fixed, unusual first names: nothing in a mail can be a random look-alike.
    for person, name in ((mother, "Marloes"), (father, "Peter"), (reader, "Wibo"), (mila_parent, "Gerolt"),
                         (noor_parent, "Ysbrand"), (finn_parent, "Tjitske"), (lotte_parent, "Aukje")):
        person.first_name = name
    set_preference(noor_parent, "consent", False)   # switched the consent mails off
    finn_parent.activated_at = None                 # never activated the account
    lotte.left_at = utcnow().date()                 # left school
    db.session.commit()
    albums = consent_purpose("Besloten fotoalbums in het ouderportaal", code="albums", position=1)
    website = consent_purpose("Website van de school", position=2)
    return {"sam": sam, "mother": mother, "father": father, "reader": reader, "mila": mila,
            "mila_parent": mila_parent, "noor_parent": noor_parent, "albums": albums, "website": website,
            "admin": AdminFactory(), "group": group}


def test_the_request_goes_once_to_the_parents_who_can_answer(app, pipeline, school):
    smtp = pipeline.smtp
    request = start_yearly_request(school["admin"])
    run(app, pipeline, "2026-09-07 09:01")
    settle(smtp, 3)
    # Not: the read-only guardian, the parent who switched it off, the one who never
    # activated the account, the parent of a pupil who left.
    assert received(smtp) == emails(school["mother"], school["father"], school["mila_parent"])
    message = smtp.to(school["mother"].email)[0]
    text = mail_text(message)
    assert message["Subject"].startswith("Toestemming gevraagd voor schooljaar 2026-2027")
    assert "Beste " + school["mother"].name in text
    assert "- Besloten fotoalbums in het ouderportaal" in text and "- Website van de school" in text
    assert f"Sam Jansen: http://localhost/kinderen/{school['sam'].id}/toestemming" in text
    assert "telt dat als nee" in text
    assert "http://localhost/account/notificaties" in text  # the shared footer
    assert message["List-Unsubscribe"] == "<http://localhost/account/notificaties>"
    for foreign in ("Mila", "Wouterse", "Noor", "Bakker", "Finn", "Lotte"):
        assert foreign not in text
    assert "Mila Wouterse" in mail_text(smtp.to(school["mila_parent"].email)[0])

    # Once: the planner runs every minute, nobody gets it again.
    smtp.clear()
    run(app, pipeline, "2026-09-07 09:02")
    time.sleep(0.5)
    assert smtp.messages == []
    assert len(ledger("consent_request")) == 3
    # The reminder is still waiting for its two weeks.
    db.session.expire_all()
    reminder = db.session.scalar(select(NotificationEvent).where(NotificationEvent.kind == "consent_reminder"))
    assert reminder.subject_id == request.id and reminder.dispatched_at is None


def test_the_reminder_waits_two_weeks_then_goes_to_those_who_did_not_answer(app, pipeline, school):
    smtp = pipeline.smtp
    start_yearly_request(school["admin"])
    run(app, pipeline, "2026-09-07 09:01")
    settle(smtp, 3)
    smtp.clear()
    sam = school["sam"]
    # Marloes answers everything, Peter only the albums; Gerolt (Mila) nothing.
    save_answer(school["mother"], sam, school["albums"], True)
    save_answer(school["mother"], sam, school["website"], False)
    save_answer(school["father"], sam, school["albums"], True)

    run(app, pipeline, JUST_BEFORE)
    time.sleep(0.5)
    assert smtp.messages == [] and ledger("consent_reminder") == []

    run(app, pipeline, JUST_AFTER)
    settle(smtp, 2)
    assert received(smtp) == emails(school["father"], school["mila_parent"])
    message = smtp.to(school["father"].email)[0]
    text = mail_text(message)
    assert message["Subject"].startswith("Herinnering: toestemming voor schooljaar 2026-2027")
    assert f"Sam Jansen: http://localhost/kinderen/{sam.id}/toestemming" in text
    assert "Mila" not in text and "http://localhost/account/notificaties" in text

    smtp.clear()
    run(app, pipeline, "2026-09-21 09:02")
    time.sleep(0.5)
    assert smtp.messages == []
    assert len(ledger("consent_reminder")) == 2


def test_beheer_email_lists_the_request_and_its_failed_mails(app, pipeline, school, login_as):
    smtp = pipeline.smtp
    start_yearly_request(school["admin"])
    run(app, pipeline, "2026-09-07 09:01")
    settle(smtp, 3)
    failed = ledger("consent_request")[0]
    failed.state, failed.last_error = "failed", "550 mailbox unavailable"
    db.session.commit()
    page = main_of(login_as(school["admin"]).get("/beheer/e-mail/"))
    assert 'id="mail-consent_request">Toestemming</h2>' in page
    assert "Toestemming gevraagd voor schooljaar 2026-2027" in page
    assert "Toestemming gevraagd: Toestemming gevraagd voor schooljaar 2026-2027" in page  # the failed list
    # A teacher does not manage the school's yearly request.
    teacher_page = main_of(login_as(teacher_of(school["group"])).get("/beheer/e-mail/"))
    assert "Toestemming gevraagd voor schooljaar" not in teacher_page


def test_the_switch_is_on_the_notifications_page(app, pipeline, school, login_as):
    client = login_as(school["mother"])
    page = main_of(client.get("/account/notificaties"))
    assert "Vragen om toestemming (beeldmateriaal)" in page
    labels = ["Nieuwe fotoalbums", "Vragen om toestemming (beeldmateriaal)", "Oudergesprekken"]
    assert [page.index(label) for label in labels] == sorted(page.index(label) for label in labels)

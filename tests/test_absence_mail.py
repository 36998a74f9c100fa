"""Afwezigheid's mail through the notification catalog, over the real SMTP server, with a
pretended clock (Wednesday 2 December 2026, cut-off 08:15).

Reports are made with the factories and told as a service would: `events.report_changed`
in a transaction, commit, `events.send_at_once()` (inline here: no Redis; one test goes
through Redis and the real worker). Exactly the right people, once:
- a report or change: every guardian of the child (a read-only link too) gets a
  confirmation, the teachers of the child's group get it at once; a teacher of another
  group, the office, other parents, deactivated and never-activated accounts get nothing;
- the reports of one transaction are one batch: a parent who reports two children at once
  gets ONE mail naming both, a teacher only their own group's pupil;
- a teacher on the morning summary: nothing at once, one summary at the cut-off (a
  withdrawn report left out, nothing left: no mail), a late report at once;
- a leave decision to every guardian, with the reason and the 6-week bezwaar text, even
  with the switch off; Beheer › E-mail shows a teacher nothing of another group's pupil.
"""
import time
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.absence import events
from app.extensions import db
from app.jobs.notifications import run_due
from app.models import Guardianship, NotificationDelivery, NotificationPreference, utcnow
from app.notifications.services import set_preference
from tests.content_helpers import main_of
from tests.factories import (
    AdminFactory,
    ChildFactory,
    GroupFactory,
    GuardianshipFactory,
    absence_reasons,
    absence_report,
    family,
    leave_request,
    teacher_of,
)
from tests.fixtures.mail import mail_text

EARLY = "2026-12-02 07:30"   # Wednesday, before the cut-off (08:15)
TODAY = date(2026, 12, 2)


def pretend(app, moment):
    app.config["PRETEND_NOW"] = moment


def received(smtp):
    return Counter(address.lower() for m in smtp.messages for address in m["to"])


def emails(*people):
    return Counter(person.email.lower() for person in people)


def only(smtp, person):
    [message] = smtp.to(person.email)
    return message


def ledger(kind=None):
    db.session.expire_all()
    query = select(NotificationDelivery)
    if kind:
        query = query.where(NotificationDelivery.kind == kind)
    rows = db.session.scalars(query).all()
    db.session.commit()
    return rows


def tell(reports, actor, change="nieuw"):
    """What a service does: record the change of every report in one transaction, commit,
    then enqueue the dispatcher (inline: it runs now)."""
    for report in reports:
        events.report_changed(report, actor, change)
    db.session.commit()
    events.send_at_once()


def report(child, by, change="nieuw", **fields):
    made = absence_report(child, by=by, **fields)
    tell([made], by, change)
    return made


@pytest.fixture
def school(app, inline_smtp):
    pretend(app, EARLY)
    group3, group6, group5 = GroupFactory(name="3"), GroupFactory(name="6"), GroupFactory(name="5")
    sam, (mother, father, reader, gone, never) = family(group3, parents=5, first_name="Sam", last_name="Jansen")
    db.session.get(Guardianship, (reader.id, sam.id)).read_only = True
    lotte = ChildFactory(group=group6, first_name="Lotte", last_name="Jansen")
    GuardianshipFactory(parent=mother, child=lotte)
    GuardianshipFactory(parent=father, child=lotte)
    noor, (noor_parent,) = family(group3, first_name="Noor", last_name="Bakker")
    finn, (finn_parent,) = family(group3, first_name="Finn", last_name="Visser")
    mila, (mila_parent,) = family(group6, first_name="Mila", last_name="Wouterse")
    for person, name in ((mother, "Marloes"), (father, "Peter"), (reader, "Wibo"), (gone, "Gerard"),
                         (never, "Nellie"), (noor_parent, "Ysbrand"), (finn_parent, "Tjitske"),
                         (mila_parent, "Gerolt")):
        person.first_name = name
    gone.deactivated_at = utcnow()       # deactivated
    never.activated_at = None            # never activated
    db.session.commit()
    juf3 = teacher_of(group3, first_name="Anna", last_name="de Vries")
    meester3 = teacher_of(group3, first_name="Bram", last_name="Kok")
    juf6 = teacher_of(group6, first_name="Carla", last_name="Smit")
    juf5 = teacher_of(group5, first_name="Door", last_name="Mulder")
    stopped3 = teacher_of(group3, first_name="Evert", last_name="Gone")
    stopped3.deactivated_at = utcnow()
    new3 = teacher_of(group3, first_name="Fien", last_name="Nieuw")
    new3.activated_at = None
    db.session.commit()
    absence_reasons()
    return {"group3": group3, "group6": group6, "sam": sam, "lotte": lotte, "noor": noor, "finn": finn,
            "mila": mila, "mother": mother, "father": father, "reader": reader, "gone": gone, "never": never,
            "noor_parent": noor_parent, "finn_parent": finn_parent, "mila_parent": mila_parent, "juf3": juf3,
            "meester3": meester3, "juf6": juf6, "juf5": juf5, "admin": AdminFactory(first_name="Olga")}


# --- a report: the guardians and the group's teachers, once ---------------------------------------

def test_a_report_goes_to_every_guardian_and_the_groups_teachers_once(app, school, smtp):
    s = school
    report(s["sam"], s["mother"], note="Koorts, blijft thuis.")
    # Both parents and the read-only link; Sam's teachers (not the deactivated one, nor the
    # one who never activated the account). Not:
    # the deactivated and never-activated guardians, other parents, group 6 and 5, the office.
    assert received(smtp) == emails(s["mother"], s["father"], s["reader"], s["juf3"], s["meester3"])

    mine = only(smtp, s["mother"])
    text = mail_text(mine)
    assert mine["Subject"] == "Afwezigheid gemeld: Sam – Kindcentrum CBS De Schutkampen"
    assert "Beste Marloes Jansen" in text
    assert "Sam is afwezig gemeld door u." in text
    assert "- Reden: Ziek" in text
    assert "- Wanneer: vanaf woensdag 2 december 2026, tot nader bericht" in text
    assert "- Toelichting: Koorts, blijft thuis." in text
    assert "na aanvang" not in text
    assert "http://localhost/afwezigheid" in text
    assert mine["List-Unsubscribe"] == "<http://localhost/account/notificaties>"
    assert "Sam is afwezig gemeld door Marloes Jansen." in mail_text(only(smtp, s["father"]))
    assert "Sam is afwezig gemeld door Marloes Jansen." in mail_text(only(smtp, s["reader"]))

    teacher = only(smtp, s["juf3"])
    body = mail_text(teacher)
    assert teacher["Subject"].startswith("Afwezigheid gemeld: Sam Jansen (Groep 3)")
    assert "Sam Jansen is afwezig gemeld door Marloes Jansen (ouder)." in body
    assert "- Reden: Ziek" in body and "Koorts, blijft thuis." in body
    assert "http://localhost/beheer/afwezigheid" in body
    assert "als leerkracht van de groep" in body and "http://localhost/account/notificaties" in body
    for message in smtp.messages:
        for foreign in ("Noor", "Finn", "Mila", "Lotte", "Bakker", "Visser", "Wouterse"):
            assert foreign not in mail_text(message["message"])

    # Once: the planner and sender run every minute, nobody gets it again.
    smtp.clear()
    assert run_due("2026-12-02 07:31").sent == 0
    assert smtp.messages == []
    assert len(ledger("absence_confirmation")) == 3 and len(ledger("absence_teacher")) == 2


def test_a_report_made_by_the_school_says_so_and_a_late_one_is_marked(app, school, smtp):
    s = school
    pretend(app, "2026-12-02 08:40")
    report(s["sam"], s["juf3"], late=True, end=TODAY, part="middag")
    text = mail_text(only(smtp, s["mother"]))
    assert "Sam is afwezig gemeld door de school." in text
    assert "- Wanneer: woensdag 2 december 2026, vanaf 's middags" in text
    assert "- Gemeld na aanvang van de schooldag (na 08:15)" in text
    assert received(smtp) == emails(s["mother"], s["father"], s["reader"], s["juf3"], s["meester3"])


def test_two_children_reported_at_once_make_one_mail_per_parent(app, school, smtp):
    s = school
    sam = absence_report(s["sam"], by=s["mother"], end=TODAY)
    lotte = absence_report(s["lotte"], by=s["mother"], end=TODAY)
    tell([sam, lotte], s["mother"])
    # One mail per parent naming both; the read-only link (Sam only) gets Sam only; each
    # teacher only their own group's pupil.
    assert received(smtp) == emails(s["mother"], s["father"], s["reader"], s["juf3"], s["meester3"], s["juf6"])
    for parent in (s["mother"], s["father"]):
        message = only(smtp, parent)
        assert message["Subject"].startswith("Afwezigheid gemeld: Lotte en Sam")
        text = mail_text(message)
        assert "Sam is afwezig gemeld" in text and "Lotte is afwezig gemeld" in text
    reader = mail_text(only(smtp, s["reader"]))
    assert "Sam is afwezig gemeld" in reader and "Lotte" not in reader
    assert "Lotte" not in mail_text(only(smtp, s["juf3"])) and "Sam Jansen" in mail_text(only(smtp, s["juf3"]))
    assert "Sam" not in mail_text(only(smtp, s["juf6"])) and "Lotte Jansen" in mail_text(only(smtp, s["juf6"]))
    assert len(ledger("absence_confirmation")) == 3


def test_two_children_stay_one_mail_when_a_sender_runs_between_their_plannings(app, school, smtp):
    """Exactly once, also in the race: the two events of one batch are planned one by one
    (each in its own transaction); a send run in between sends the batch's mail, and it
    names both children (every event of a batch names the whole batch), so the second
    planning adds nothing and nobody gets a second mail."""
    from app.jobs.ledger import transaction
    from app.jobs.notifications import plan_due, send_pending
    from app.jobs.notifications.planning import _plan_single
    from app.models import NotificationEvent

    s = school
    sam = absence_report(s["sam"], by=s["mother"], end=TODAY)
    lotte = absence_report(s["lotte"], by=s["mother"], end=TODAY)
    for made in (sam, lotte):
        events.report_changed(made, s["mother"], "nieuw")
    db.session.commit()
    first = db.session.scalars(select(NotificationEvent).where(NotificationEvent.kind == "absence_confirmation")
                               .order_by(NotificationEvent.id)).first()
    transaction(_plan_single, first.id, utcnow())
    send_pending()
    text = mail_text(only(smtp, s["mother"]))
    assert "Sam is afwezig gemeld" in text and "Lotte is afwezig gemeld" in text
    plan_due(EARLY)
    send_pending()
    assert len(smtp.to(s["mother"].email)) == 1 and len(smtp.to(s["father"].email)) == 1


def test_a_change_withdrawal_and_weer_beter_are_news_each_time(app, school, smtp):
    s = school
    made = report(s["sam"], s["mother"])
    smtp.clear()
    made.end_date = TODAY + timedelta(days=2)
    tell([made], s["mother"], "gewijzigd")
    assert received(smtp) == emails(s["mother"], s["father"], s["reader"], s["juf3"], s["meester3"])
    text = mail_text(only(smtp, s["father"]))
    assert only(smtp, s["father"])["Subject"].startswith("Afwezigheid gewijzigd: Sam")
    assert "van woensdag 2 december 2026 tot en met vrijdag 4 december 2026" in text
    smtp.clear()
    made.withdrawn_at = utcnow()
    tell([made], s["mother"], "ingetrokken")
    assert received(smtp) == emails(s["mother"], s["father"], s["reader"], s["juf3"], s["meester3"])
    assert "De afwezigheidsmelding van Sam is ingetrokken door u." in mail_text(only(smtp, s["mother"]))
    assert len(ledger("absence_confirmation")) == 9


# --- the morning summary ----------------------------------------------------------------------------

def test_the_morning_summary_instead_of_at_once(app, school, smtp):
    s = school
    set_preference(s["juf3"], "absence_summary", True)
    db.session.commit()
    report(s["sam"], s["mother"], note="Buikpijn")
    withdrawn = report(s["noor"], s["noor_parent"])
    pretend(app, "2026-12-02 07:50")
    withdrawn.withdrawn_at = utcnow()
    tell([withdrawn], s["noor_parent"], "ingetrokken")
    later = report(s["finn"], s["finn_parent"], start=TODAY + timedelta(days=1), end=TODAY + timedelta(days=1))
    # Anna is on the summary: nothing at once. Bram (direct) gets every one of them.
    assert smtp.to(s["juf3"].email) == []
    assert len(smtp.to(s["meester3"].email)) == 4   # Sam, Noor, Noor withdrawn, Finn

    smtp.clear()
    assert run_due("2026-12-02 08:14").sent == 0
    run_due("2026-12-02 08:15")
    assert received(smtp) == emails(s["juf3"])
    summary = only(smtp, s["juf3"])
    assert summary["Subject"].startswith("Ochtendoverzicht afwezigheid woensdag 2 december 2026")
    text = mail_text(summary)
    assert "Sam Jansen (Groep 3)" in text and "Buikpijn" in text
    assert "Noor" not in text          # withdrawn before the cut-off
    assert "Finn" not in text          # tomorrow's: in tomorrow's summary
    smtp.clear()
    assert run_due("2026-12-02 08:16").sent == 0

    # After the cut-off a report for today goes at once, also to Anna ("na aanvang").
    pretend(app, "2026-12-02 08:30")
    report(s["noor"], s["noor_parent"], late=True, end=TODAY)
    assert received(smtp) == emails(s["noor_parent"], s["juf3"], s["meester3"])
    late = only(smtp, s["juf3"])
    assert late["Subject"].startswith("Na aanvang: Afwezigheid gemeld: Noor Bakker (Groep 3)")
    assert "Gemeld na aanvang van de schooldag (na 08:15)" in mail_text(late)
    # A change after the cut-off to a report covering today: at once as well.
    smtp.clear()
    pretend(app, "2026-12-02 09:00")
    sam_report = db.session.scalars(select(type(withdrawn)).where(type(withdrawn).child_id == s["sam"].id)).one()
    sam_report.end_date = TODAY
    tell([sam_report], s["juf3"], "gewijzigd")
    assert Counter(m["message"]["Subject"].split(":")[0] for m in smtp.messages
                   if s["juf3"].email in m["to"]) == {"Na aanvang": 1}

    # Tomorrow at 08:15: Finn's report, made the day before.
    smtp.clear()
    pretend(app, "2026-12-03 08:15")
    run_due("2026-12-03 08:15")
    assert received(smtp) == emails(s["juf3"])
    text = mail_text(only(smtp, s["juf3"]))
    assert "Finn Visser" in text and "Sam" not in text and "Noor" not in text
    assert len(ledger("absence_summary")) == 2


def test_a_summary_with_nothing_left_is_not_sent(app, school, smtp):
    s = school
    set_preference(s["juf3"], "absence_summary", True)
    db.session.commit()
    made = report(s["sam"], s["mother"])
    made.withdrawn_at = utcnow()
    tell([made], s["mother"], "ingetrokken")
    smtp.clear()
    run_due("2026-12-02 08:15")
    assert smtp.messages == []
    assert [row.state for row in ledger("absence_summary")] == ["skipped"]


def test_one_summary_for_a_teacher_of_two_groups(app, school, smtp):
    s = school
    s["group6"].teachers.append(s["juf3"])
    set_preference(s["juf3"], "absence_summary", True)
    db.session.commit()
    report(s["sam"], s["mother"])
    report(s["mila"], s["mila_parent"])
    smtp.clear()
    run_due("2026-12-02 08:20")   # the worker was late: the summary still goes, once
    summary = only(smtp, s["juf3"])
    assert "Sam Jansen (Groep 3)" in mail_text(summary) and "Mila Wouterse (Groep 6)" in mail_text(summary)


# --- switches and accounts ----------------------------------------------------------------------------

def test_switched_off_means_nothing(app, school, smtp):
    s = school
    set_preference(s["mother"], "absence", False)
    set_preference(s["juf3"], "absence_now", False)   # and no summary: no absence mail at all
    db.session.commit()
    report(s["sam"], s["father"])
    assert received(smtp) == emails(s["father"], s["reader"], s["meester3"])
    # Switched off after planning, before sending: honoured at the last moment too.
    smtp.clear()
    pretend(app, "2026-12-02 07:40")
    made = absence_report(s["noor"], by=s["noor_parent"])
    events.report_changed(made, s["noor_parent"], "nieuw")
    db.session.commit()
    from app.jobs.notifications import plan_due

    plan_due("2026-12-02 07:40")
    set_preference(s["noor_parent"], "absence", False)
    db.session.commit()
    run_due("2026-12-02 07:41")
    assert received(smtp) == emails(s["meester3"])


# --- leave ----------------------------------------------------------------------------------------------

def test_a_leave_decision_goes_to_every_guardian_with_the_reason_and_the_right_to_object(app, school, smtp):
    s = school
    set_preference(s["mother"], "absence", False)  # not switchable: she gets it all the same
    db.session.commit()
    request = leave_request([s["sam"], s["lotte"]], by=s["mother"], first=date(2026, 12, 10), last=date(2026, 12, 11))
    request.status, request.decided_at, request.decided_by = "geweigerd", utcnow(), s["admin"]
    request.decision_reason = "Een familiebezoek is geen gewichtige omstandigheid."
    events.leave_decided(request, s["admin"])
    db.session.commit()
    events.send_at_once()
    assert received(smtp) == emails(s["mother"], s["father"], s["reader"])
    message = only(smtp, s["mother"])
    assert message["Subject"].startswith("Verlof geweigerd voor Lotte en Sam")
    assert message["List-Unsubscribe"] is None
    text = mail_text(message)
    assert "Het verlof is niet toegestaan door de directeur van de school." in text
    assert "Een familiebezoek is geen gewichtige omstandigheid." in text
    assert "van donderdag 10 december 2026 tot en met vrijdag 11 december 2026 (2 schooldagen)" in text
    assert ("U kunt binnen 6 weken na de datum van dit besluit (2 december 2026) bezwaar maken bij de directeur"
            " van de school.") in text
    assert "krijgt u altijd per e-mail" in text
    reader = mail_text(only(smtp, s["reader"]))
    assert "Sam" in reader and "Lotte" not in reader
    smtp.clear()
    assert run_due("2026-12-02 07:40").sent == 0


def test_forwarded_then_decided_by_the_leerplichtambtenaar(app, school, smtp):
    s = school
    request = leave_request([s["sam"]], by=s["mother"], first=date(2027, 1, 11), last=date(2027, 1, 29))
    request.status, request.forwarded_at = "doorgestuurd", utcnow()
    events.leave_decided(request, s["admin"])
    db.session.commit()
    events.send_at_once()
    text = mail_text(only(smtp, s["father"]))
    assert "beslist de leerplichtambtenaar" in text and "bezwaar" not in text.lower()
    smtp.clear()
    request.status, request.decided_at, request.decision_reason = "toegestaan", utcnow(), "Akkoord."
    events.leave_decided(request, s["admin"])
    db.session.commit()
    events.send_at_once()
    text = mail_text(only(smtp, s["father"]))
    assert "Het verlof is toegestaan door de leerplichtambtenaar van de gemeente." in text
    assert "bezwaar maken bij de leerplichtambtenaar van de gemeente" in text


def test_a_new_leave_request_is_confirmed_to_the_guardians_and_told_to_the_office(app, school, smtp):
    s = school
    request = leave_request([s["sam"]], by=s["mother"], kind="vakantie", first=date(2027, 3, 1),
                            last=date(2027, 3, 5), checks=[{"code": "notice", "text": "Te laat aangevraagd."}])
    events.leave_submitted(request, s["mother"])
    db.session.commit()
    events.send_at_once()
    assert received(smtp) == emails(s["mother"], s["father"], s["reader"], s["admin"])
    parent = mail_text(only(smtp, s["father"]))
    assert "Vakantieverlof" in parent and "niet aan alle regels" in parent and "Te laat aangevraagd" not in parent
    office = mail_text(only(smtp, s["admin"]))
    assert "Sam Jansen (Groep 3)" in office and "Te laat aangevraagd." in office
    assert "/beheer/afwezigheid/verlof/" in office


def test_through_redis_and_the_worker(app, pipeline, school):
    """The real pipeline: the service's enqueue goes to Redis, `worker.py` sends."""
    s, smtp = school, pipeline.smtp
    app.config["PRETEND_NOW"] = pipeline.env["PRETEND_NOW"] = EARLY
    smtp.clear()
    report(s["sam"], s["mother"])
    pipeline.drain()
    smtp.wait_for(5, timeout=30)
    time.sleep(0.5)  # a duplicate would show up now
    assert received(smtp) == emails(s["mother"], s["father"], s["reader"], s["juf3"], s["meester3"])
    assert {row.state for row in ledger()} == {"sent"}


# --- headers, Beheer › E-mail, Notificaties -----------------------------------------------------------

def test_no_note_or_name_reaches_a_header(app, school, smtp):
    s = school
    attacker = "attacker@example.org"
    nul = "" if db.engine.dialect.name == "postgresql" else "\x00"  # PostgreSQL cannot store a NUL at all
    s["sam"].first_name = f"Sam\r\nBcc: {attacker}"
    db.session.commit()
    report(s["sam"], s["mother"], note=f"Koorts\r\nBcc: {attacker}{nul}\nReply-To: {attacker}")
    assert smtp.messages
    for message in smtp.messages:
        head = message["raw"].split(b"\r\n\r\n", 1)[0].lower()
        assert b"\r\nbcc:" not in head and b"\r\nreply-to:" not in head
        assert attacker not in [address.lower() for address in message["to"]]
    assert "Koorts" in mail_text(only(smtp, s["mother"]))


def test_beheer_email_shows_a_teacher_only_their_own_pupils(app, school, smtp, login_as):
    s = school
    sam = absence_report(s["sam"], by=s["mother"])
    lotte = absence_report(s["lotte"], by=s["mother"])
    tell([sam, lotte], s["mother"])
    for row in ledger("absence_confirmation"):
        row.state, row.last_error = "failed", "550 mailbox unavailable"
    db.session.commit()
    juf3 = main_of(login_as(s["juf3"]).get("/beheer/e-mail/"))
    assert "Afwezigheid van Sam Jansen" in juf3 and "Lotte" not in juf3
    juf6 = main_of(login_as(s["juf6"]).get("/beheer/e-mail/"))
    assert "Afwezigheid van Lotte Jansen" in juf6 and "Sam" not in juf6
    juf5 = main_of(login_as(s["juf5"]).get("/beheer/e-mail/"))
    assert "Afwezigheid" not in juf5 and "Jansen" not in juf5
    office = main_of(login_as(s["admin"]).get("/beheer/e-mail/"))
    assert "Afwezigheid van Sam Jansen" in office and "Afwezigheid van Lotte Jansen" in office
    assert 'id="mail-absence_report"' not in office  # no section: records, not publications


def test_staff_see_their_own_switches_on_notificaties(app, school, login_as):
    from tests.test_account import form_post

    s = school
    client = login_as(s["juf3"])
    page = main_of(client.get("/account/notificaties"))
    assert "Ziekmeldingen van mijn groep(en) direct per melding" in page
    assert "Ochtendoverzicht om 08:15 in plaats daarvan" in page
    # The third switch is Gesprekken (a parent's message), on by default.
    assert "Nieuwe berichten van ouders in Gesprekken" in page
    assert page.count('role="switch"') == 3 and page.count(" checked") == 2
    assert "Spoedberichten" not in page and "Nieuwe verlofaanvragen" not in page
    form_post(client, "/account/notificaties",
              {"aan": ["absence_now", "absence_summary", "conversations_staff", "news"]})
    stored = {p.kind: p.enabled for p in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == s["juf3"].id))}
    assert stored == {"absence_summary": True}   # a parent's switch is not a teacher's to set
    office = main_of(login_as(s["admin"]).get("/account/notificaties"))
    assert "Nieuwe verlofaanvragen" in office and "Ochtendoverzicht" not in office
    parent = main_of(login_as(s["mother"]).get("/account/notificaties"))
    assert "Ziekmeldingen en verlof" in parent and "Het besluit over verlof krijgt u altijd" in parent
    assert "Ochtendoverzicht" not in parent

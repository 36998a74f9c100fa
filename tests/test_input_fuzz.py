"""A fuzz over every route of the app (issue 12): NUL bytes and numbers too large for the
database in every URL part and query string, and NUL bytes, line breaks, 100,000 characters
and huge numbers in every field of every form the pages show — as a visitor, a parent, a
teacher and the office, on the demo school. Nothing answers 5xx, every 4xx is a Dutch page,
and no page shows an English WTForms message or an attribute rendered as "None".

It runs on SQLite and on PostgreSQL (TEST_DATABASE_URL), where a number beyond 2**31 in a
query or a NUL byte in a string raises: exactly the class of bug it looks for.
"""
from sqlalchemy import select

from app.auth.services import issue_token
from app.clock import school_year
from app.consent.purposes import create_purpose
from app.demo import DEMO_PASSWORD, run_demo
from app.extensions import db
from app.models import Child, Group, Guardianship, MeetingInvitation, MeetingRound, MeetingSlot, Message, User
from tests.fixtures.users import Auth
from tests.input_fuzz import ENGLISH, Explorer

# POST routes whose form the crawl cannot reach: the CSV import's second step needs an
# upload (tests/test_admin_import.py), the demo school has no failed mail to retry, and it
# has its albums purpose, so the button that creates a missing one is not offered
# (tests/test_consent_staff.py). All take no field but the CSRF token; the URL part of the
# fuzz still covers them. The editor's preview is an htmx button, not a form
# (tests/test_editor_preview.py). Album photos go one file per request from
# static/js/uploads.js, not from a form of their own (tests/test_albums_upload.py).
NOT_ON_A_PAGE = {"admin.import_commit", "staff_mail.retry", "staff_consent.albums_create", "staff.preview",
                 "staff_albums.add_photo"}

ROLES = {
    "parent": "ouder@example.nl",
    "teacher": "juf.anna@schutkampen.example",
    "office": "beheer@schutkampen.example",
}


def test_the_english_messages_are_read_from_wtforms():
    # The list the fuzz looks for is WTForms' own, not a hand-made one that could go stale.
    assert "Invalid Choice: could not coerce." in ENGLISH
    assert "Not a valid date value." in ENGLISH
    assert "This field is required." in ENGLISH
    assert len(ENGLISH) >= 40


def prepare_states():
    """What the demo school lacks so that every other form is on some page: pages to start
    the crawl from, per role."""
    from app.people.services import add_number
    from app.meetings import services as meetings

    users = {role: db.session.scalar(select(User).where(User.login_name == login)) for role, login in ROLES.items()}
    parent, teacher = users["parent"], users["teacher"]
    # Mijn account: an extra number.
    add_number(parent, "user", parent, "Werk", "06-12345678")
    # Toestemming: a purpose asked this school year (the ja/nee forms, Home's "Later").
    from app.privacy.consent import active_purposes
    from tests.factories import consent_purpose

    if not active_purposes():
        consent_purpose("Website van de school")
    # Sam's double meeting booked (the Annuleren form).
    round_ = db.session.scalar(select(MeetingRound).where(MeetingRound.status == "open"))
    sam = db.session.scalar(select(Child).join(Guardianship).where(
        Guardianship.parent_id == parent.id, Child.group_id == round_.group_id))
    invitation = db.session.scalar(select(MeetingInvitation).where(
        MeetingInvitation.round_id == round_.id, MeetingInvitation.child_id == sam.id))
    for slot in db.session.scalars(select(MeetingSlot).where(MeetingSlot.round_id == round_.id)
                                   .order_by(MeetingSlot.id)):
        try:
            meetings.book(parent, invitation, slot.id, None)
            break
        except meetings.MeetingError:  # taken, or no second free slot after it
            continue
    # A message of Sam's group open to replies (the reply form).
    message = db.session.scalar(select(Message).where(Message.replies_allowed.is_(True), Message.school_wide.is_(True))
                                .order_by(Message.id.desc()))
    # Beheer: a concept round (Openen, Verwijderen) and a group without pupils (Verwijderen).
    concept = MeetingRound(group_id=round_.group_id, title="Voorjaarsgesprekken", created_by_id=teacher.id)
    empty = Group(name="8z", level=8, sort_order=99)
    db.session.add_all([concept, empty])
    # Links from mails: activation (a never-activated account), password reset, login change.
    never = db.session.scalar(select(User).where(User.activated_at.is_(None), User.deactivated_at.is_(None)))
    other = db.session.scalar(select(User).where(User.login_name == "ouder2@example.nl"))
    activate = issue_token(never, "activate", 24)
    reset = issue_token(other, "reset", 1)
    change = issue_token(parent, "email", 24, new_email="marloes.werk@example.nl")
    # The demo's deactivated parent (Ingrid Verbeek): erased accounts (the demo's former
    # pupil Fenna's parent) are deactivated too, but their page is gone; the database may
    # return either first.
    deactivated = db.session.scalar(select(User).where(User.deactivated_at.is_not(None),
                                                       User.login_name == "ouder.verbeek@example.nl"))
    # A contact address other than the login name offers "Inlognaam ook wijzigen".
    parent.email = "marloes.werk@example.nl"
    db.session.commit()
    # Beheer › Toestemming › Doelen: a purpose nobody answered (Verwijderen, and the year switches).
    unanswered = create_purpose(users["office"], "Schoolgids", "Foto's in de schoolgids.", [school_year()])
    return {
        "anonymous": [f"/activeren/{activate}", f"/wachtwoord-herstellen/{reset}"],
        "parent": ["/account/bereikbaarheid", f"/oudergesprekken/{round_.id}/kind/{sam.id}",
                   f"/account/inlognaam/{change}", f"/berichten/{message.id}"],
        # Afwezigheid: the staff report form of a pupil (the bare URL, which the crawl tries
        # first, is a 404 without ?leerling=).
        "teacher": [f"/beheer/oudergesprekken/{concept.id}", f"/kinderen/{sam.id}/privacy",
                    f"/beheer/afwezigheid/melden?leerling={sam.id}"],
        "office": [f"/beheer/school/groepen/{empty.id}", f"/beheer/school/personen/{never.id}",
                   f"/beheer/school/personen/{deactivated.id}", f"/kinderen/{sam.id}/privacy",
                   f"/beheer/toestemming/doelen/{unanswered.id}"],
    }


def test_no_input_on_any_route_gives_a_server_error(app):
    run_demo(echo=lambda *_: None)
    seeds = prepare_states()
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)

    explorers = {"anonymous": Explorer(app, app.test_client(), "anonymous")}
    # A second device of the parent, so Mijn account > Apparaten shows a form to end it.
    assert Auth(app.test_client()).login(ROLES["parent"], DEMO_PASSWORD).status_code == 302
    for role, login in ROLES.items():
        client = app.test_client()
        response = Auth(client).login(login, DEMO_PASSWORD)
        assert response.status_code == 302, f"{role} could not log in"
        explorers[role] = Explorer(app, client, role)

    # Crawl as every role first (what each can see), then send the bad input, the office
    # last as its forms change the most. A form another role already had (Mijn account, say)
    # takes the same input path and is not sent again.
    for role, explorer in explorers.items():
        explorer.crawl(seeds[role])
    done = {"auth.logout"}
    for role in ("anonymous", "parent", "teacher", "office"):
        explorer = explorers[role]
        explorer.fuzz_urls(rules)
        explorer.fuzz_query()
        if role == "anonymous":
            explorer.fuzz_methods(rules)
        explorer.fuzz_forms(skip=done)
        done |= set(explorer.forms)

    problems = [problem for explorer in explorers.values() for problem in explorer.problems]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:80])

    # The fuzz reached what it meant to reach: many forms, the pages behind a login, and
    # the sessions lived to the end (no form logged a role out half-way).
    for role in ROLES:
        assert explorers[role].still_logged_in(), f"{role} was logged out during the fuzz"
    assert len(explorers["office"].forms) >= 30, sorted(explorers["office"].forms)
    assert len(explorers["teacher"].forms) >= 15, sorted(explorers["teacher"].forms)
    assert len(explorers["parent"].forms) >= 10, sorted(explorers["parent"].forms)
    post_rules = {rule.endpoint for rule in rules if "POST" in rule.methods}
    found = set().union(*(explorer.forms for explorer in explorers.values()))
    assert post_rules - found <= NOT_ON_A_PAGE, sorted(post_rules - found - NOT_ON_A_PAGE)
    assert sum(explorer.requests for explorer in explorers.values()) > 2500

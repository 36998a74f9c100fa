"""A mail that cannot be written or sent after a commit: never a 500, never the end of the
other mails of the same action; it is recorded in the delivery ledger, retried (with a
fresh link: the raw token is never stored) and shown under Beheer > E-mail.

Real pieces: the aiosmtpd server (`smtp`), refusing a recipient with 550 or answering 451;
no SMTP server at all (a closed port); Redis and `worker.py` (`pipeline`); Redis gone.
"""
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs import get_queue
from app.jobs.notifications import send_pending_job
from app.models import AccountToken, NotificationDelivery, User
from tests.fixtures.mail import first_link, mail_text, use_smtp
from tests.fixtures.services import free_port
from tests.fixtures.users import Auth, login_client
from tests.factories import AdminFactory, ParentFactory
from tests.test_admin_import import commit, make_csv, row, upload
from tests.fixtures.users import create_account


@pytest.fixture
def school(app):
    from tests.test_admin_import import Group

    for order, (name, level) in enumerate([("3", 3), ("4", 4)]):
        db.session.add(Group(name=name, level=level, sort_order=order, school_year="2026-2027"))
    db.session.commit()


def ledger(kind=None):
    db.session.expire_all()
    query = select(NotificationDelivery).order_by(NotificationDelivery.id)
    if kind:
        query = query.where(NotificationDelivery.kind == kind)
    rows = db.session.scalars(query).all()
    db.session.commit()
    return rows


def post(client, path, data, page):
    return Auth(client).post(path, data, csrf_page=page)


def activation_works(app, message):
    """The link in an activation mail opens the page to choose a password."""
    link = first_link(message, "/activeren/")
    page = app.test_client().get(link.replace(app.config["PORTAL_URL"], ""))
    return page.status_code == 200 and "Account activeren" in page.get_data(as_text=True)


def import_parents(client, count, bad_index):
    rows = [row(f"L{n:03d}", first=f"Kind{n}", p1=(f"Ouder{n}", "Jansen", f"ouder{n}@example.nl"))
            for n in range(count)]
    preview = upload(client, make_csv(rows)).get_data(as_text=True)
    return commit(client, preview)


def test_an_import_where_the_server_refuses_one_address_mails_all_the_others(app, school, inline_smtp):
    """Without Redis (mail inline, in the request): 20 parents, the server refuses the
    fourth with 550. The import answers normally, 19 activation mails go, the refused one
    is shown as failed with the server's answer; after the office fixed the address,
    "Opnieuw versturen" sends it with a link that works."""
    inline_smtp.refuse["ouder3@example.nl"] = "550 5.1.1 Mailbox bestaat niet"
    office = login_client(app, AdminFactory())
    response = import_parents(office, 20, bad_index=3)
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:300]
    received = inline_smtp.wait_for(19)
    assert sorted(m["to"][0] for m in received) == sorted(f"ouder{n}@example.nl" for n in range(20) if n != 3)
    assert all(activation_works(app, m["message"]) for m in received[:2])
    rows = ledger("account:activate")
    assert sorted(r.state for r in rows) == ["failed"] + ["sent"] * 19
    failed = next(r for r in rows if r.state == "failed")
    assert "550" in failed.last_error
    page = office.get("/beheer/e-mail/").get_data(as_text=True)
    assert "Mislukte e-mails" in page and "ouder3@example.nl" in page and "Mailbox bestaat niet" in page
    assert "Activatiemail" in page

    # The office corrects the address and retries: a fresh link (the first was never stored).
    user = db.session.get(User, failed.recipient_id)
    user.email = "ouder3.juist@example.nl"
    db.session.commit()
    tokens_before = db.session.scalars(select(AccountToken.token_hash).where(AccountToken.user_id == user.id)).all()
    response = post(office, f"/beheer/e-mail/{failed.id}/opnieuw", {}, "/beheer/e-mail/")
    assert response.status_code == 302
    (retried,) = [m for m in inline_smtp.wait_for(20) if m["to"] == ["ouder3.juist@example.nl"]]
    assert activation_works(app, retried["message"])
    token = first_link(retried["message"], "/activeren/").rsplit("/", 1)[1]
    assert token not in " ".join(tokens_before)
    assert [r.state for r in ledger("account:activate")].count("sent") == 20
    # The first link (never delivered) no longer works: one open activation link per account.
    open_links = db.session.scalars(select(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.purpose == "activate", AccountToken.used_at.is_(None))).all()
    assert len(open_links) == 1


def test_no_smtp_server_at_all_the_request_succeeds_and_the_mail_waits(app, smtp, login_as):
    """No server listens (a closed port): creating an account answers normally, the
    activation mail waits for a retry and Beheer > E-mail says so; when the server is back,
    `flask notifications send` delivers it with a link that works."""
    app.config["NOTIFY_RETRY_DELAYS"] = "1,1"
    use_smtp(app, smtp)
    app.config["MAIL_PORT"] = free_port()
    from app.extensions import mail

    mail.init_app(app)
    office = login_as(AdminFactory())
    response = post(office, "/beheer/school/personen/nieuw", {
        "login_name": "nieuw@example.nl", "first_name": "Nieuwe", "last_name": "Ouder", "role": "ouder"},
        "/beheer/school/personen/nieuw")
    assert response.status_code == 302
    (waiting,) = ledger("account:activate")
    assert waiting.state == "pending" and waiting.attempts == 1 and waiting.next_attempt_at is not None
    assert "refused" in waiting.last_error.lower() or "connection" in waiting.last_error.lower()
    page = office.get("/beheer/e-mail/").get_data(as_text=True)
    assert "Wachten op een nieuwe poging" in page and "nieuw@example.nl" in page

    app.config["MAIL_PORT"] = smtp.port  # the server is back
    mail.init_app(app)
    time.sleep(1.2)
    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code == 0, result.output
    (received,) = smtp.wait_for(1)
    assert received["to"] == ["nieuw@example.nl"]
    assert activation_works(app, received["message"])
    assert [r.state for r in ledger("account:activate")] == ["sent"]


def test_account_mails_through_the_worker_retry_a_refusal_and_record_a_rejection(app, pipeline):
    """Through Redis and worker.py: the server answers 451 to the first mail (it waits and
    goes with a fresh link) and refuses one address with 550 (failed, shown to the office);
    the other mails of the same action are not held up."""
    smtp = pipeline.smtp
    pipeline.env["NOTIFY_RETRY_DELAYS"] = "1"
    smtp.fail_next = 1
    smtp.refuse["weg@example.nl"] = "550 5.1.1 Onbekende ontvanger"
    first = create_account("eerste@example.nl", "Eerste", "Ouder")
    create_account("weg@example.nl", "Weg", "Ouder")
    create_account("derde@example.nl", "Derde", "Ouder")
    pipeline.drain()
    smtp.wait_for(1)
    states = {db.session.get(User, r.recipient_id).login_name: r.state for r in ledger()}
    assert states == {"eerste@example.nl": "pending", "weg@example.nl": "failed", "derde@example.nl": "sent"}

    time.sleep(1.2)
    get_queue("mail").enqueue(send_pending_job)
    pipeline.drain()
    smtp.wait_for(2)
    time.sleep(0.3)
    assert sorted(m["to"][0] for m in smtp.messages) == ["derde@example.nl", "eerste@example.nl"]
    retried = smtp.to("eerste@example.nl")[0]
    assert activation_works(app, retried)
    assert "Beste Eerste Ouder" in mail_text(retried) or "Eerste" in mail_text(retried)
    rows = {db.session.get(User, r.recipient_id).login_name: r for r in ledger()}
    assert rows["eerste@example.nl"].state == "sent" and rows["eerste@example.nl"].attempts == 2
    assert rows["weg@example.nl"].state == "failed" and "550" in rows["weg@example.nl"].last_error
    assert first.id == rows["eerste@example.nl"].recipient_id


def test_redis_gone_the_request_still_answers_and_the_tick_sends_the_mail(app, smtp, login_as):
    """REDIS_URL set but nothing answers there: the request answers at once, sends nothing
    itself (no SMTP inside a request), and the mail's ledger row, committed with the
    account, is due at once: the worker's minute tick sends it, once."""
    from app.jobs import reset_queue_state
    from app.jobs.notifications import run_due

    use_smtp(app, smtp)
    office = login_as(AdminFactory())
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    app.extensions.pop("portal_redis", None)
    try:
        response = post(office, "/beheer/school/personen/nieuw", {
            "login_name": "zonder.redis@example.nl", "first_name": "Zonder", "last_name": "Redis",
            "role": "ouder"}, "/beheer/school/personen/nieuw")
        assert response.status_code == 302
        time.sleep(0.3)
        assert smtp.messages == []
        (row,) = ledger("account:activate")
        assert row.state == "pending" and row.next_attempt_at is None
        app.config["REDIS_URL"] = None  # the worker's tick, run here
        run_due()
        run_due()
        (received,) = smtp.wait_for(1)
        time.sleep(0.3)
        assert len(smtp.messages) == 1 and received["to"] == ["zonder.redis@example.nl"]
        assert activation_works(app, received["message"])
        assert [r.state for r in ledger("account:activate")] == ["sent"]
    finally:
        reset_queue_state()


def test_a_job_run_again_sends_nothing_twice(app, pipeline):
    """An account mail's job claims its ledger row: the same job run a second time (as
    after a worker died between sending and finishing) sends nothing."""
    from app.jobs.mail import record_account_mail, send_account_mail

    parent = ParentFactory()
    mail = record_account_mail(parent.id, "password_changed")
    db.session.commit()
    for _ in range(2):
        get_queue("mail").enqueue(send_account_mail, args=(mail.kind, mail.key, None), job_id="notice-mail-1")
        pipeline.drain()
    pipeline.smtp.wait_for(1)
    time.sleep(0.3)
    assert len(pipeline.smtp.messages) == 1
    assert [(r.state, r.key) for r in ledger()] == [("sent", mail.key)]


def test_the_tick_first_then_the_late_job_one_mail_with_a_working_link(app, smtp):
    """The minute tick takes a row whose job is late (its grace is over) and sends it with
    a fresh link; the job, when it comes, finds the row claimed and sends nothing. And the
    other way round: a job that runs first leaves nothing for the tick."""
    from app.auth import services
    from app.jobs.mail import send_account_mail
    from app.jobs.notifications import run_due

    use_smtp(app, smtp)
    app.config["MAIL_JOB_GRACE"] = 0
    user, mail = services.new_account("laat@example.nl", "Laat", "Ouder")
    db.session.commit()
    run_due()  # the tick, before the job
    (received,) = smtp.wait_for(1)
    assert send_account_mail(mail.kind, mail.key, mail.raw_token) is None  # the late job
    time.sleep(0.3)
    assert len(smtp.messages) == 1 and activation_works(app, received["message"])

    smtp.clear()
    other, mail = services.new_account("vroeg@example.nl", "Vroeg", "Ouder")
    db.session.commit()
    assert send_account_mail(mail.kind, mail.key, mail.raw_token) == "sent"  # the job first
    run_due()
    time.sleep(0.3)
    assert len(smtp.messages) == 1 and activation_works(app, smtp.messages[0]["message"])
    assert [r.state for r in ledger("account:activate")] == ["sent", "sent"]


def test_account_mails_are_for_the_office_only(app, login_as):
    """Teachers see the mails about their own groups' items; an account mail is about a
    person's account: the office's business only (a teacher's retry is a 404)."""
    from tests.factories import GroupFactory, teacher_of

    parent = ParentFactory(activated_at=None)
    delivery = NotificationDelivery(recipient_id=parent.id, kind="account:activate", key="mail:x", state="failed",
                                    attempts=1, last_error="550 Mailbox bestaat niet")
    db.session.add(delivery)
    db.session.commit()
    teacher = login_as(teacher_of(GroupFactory()))
    page = teacher.get("/beheer/e-mail/").get_data(as_text=True)
    assert "550 Mailbox bestaat niet" not in page and "Accountmails" not in page
    assert post(teacher, f"/beheer/e-mail/{delivery.id}/opnieuw", {}, "/beheer/e-mail/").status_code == 404
    office = login_as(AdminFactory())
    assert "550 Mailbox bestaat niet" in office.get("/beheer/e-mail/").get_data(as_text=True)


def test_every_account_mail_kind_fits_the_ledger():
    # A kind too long for the column would fail its INSERT on PostgreSQL: the mail would be
    # neither sent nor recorded (it happened to "login_changed_by_school").
    from app.jobs.mail import ACCOUNT_MAILS

    width = NotificationDelivery.__table__.c.kind.type.length
    too_long = [kind for kind in ACCOUNT_MAILS if len(f"account:{kind}") > width]
    assert not too_long, too_long

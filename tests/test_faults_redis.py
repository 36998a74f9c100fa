"""Redis stopped while parents browse and the office creates an account: every answer a
2xx or 3xx (pages, the login, the rate limits, the page cache), nothing sent inside a
request; Redis started again and a real worker (`python worker.py`) sends the activation
and the reset mail that could not be queued, each exactly once, with links that work.

Our own redis-server on a free port (tests/fixtures/servers.py), stopped and started by
the test; the machine's Redis is never touched. Also: the privacy mail and the inzage
export when the queue does not answer (a closed port).
"""
import time

import pytest
from sqlalchemy import select

from app.extensions import db, limiter
from app.jobs import reset_queue_state
from app.models import NotificationDelivery, User
from tests.content_helpers import make_school
from tests.fixtures.mail import first_link, mail_text
from tests.fixtures.redis_worker import WorkerRunner
from tests.fixtures.servers import RedisServer
from tests.fixtures.users import Auth, login_client

PARENT_PAGES = ("/", "/nieuws/", "/agenda/", "/berichten", "/fotoalbums", "/account/")


@pytest.fixture
def own_redis(app):
    """The app as in production, on a Redis of the test's own: queue, rate limits, page cache."""
    server = RedisServer().start()
    app.config.update(REDIS_URL=server.url(0), RATELIMIT_STORAGE_URI=server.url(1))
    app.extensions.pop("portal_redis", None)
    limiter.init_app(app)
    reset_queue_state()
    yield server
    server.close()
    reset_queue_state()


def ledger_states(kind):
    db.session.expire_all()
    states = list(db.session.scalars(select(NotificationDelivery.state).where(NotificationDelivery.kind == kind)))
    db.session.commit()
    return states


def answers(response):
    return 200 <= response.status_code < 400


def test_redis_down_for_a_while_pages_work_and_the_mails_go_once_it_is_back(app, own_redis, smtp):
    school = make_school()
    parent, office = school["people"]["parent_in"], school["people"]["office"]
    browsing = login_client(app, parent)
    admin = login_client(app, office)
    for path in PARENT_PAGES:
        assert browsing.get(path).status_code == 200, path

    own_redis.stop()
    statuses = {}
    for path in PARENT_PAGES * 2:  # twice: the page cache's path too
        statuses[path] = browsing.get(path).status_code
    fresh = app.test_client()  # logging in: the login's rate limits live in Redis
    statuses["login"] = Auth(fresh).login(school["people"]["parent_out"]).status_code
    statuses["login page"] = fresh.get("/").status_code
    statuses["new account"] = Auth(admin).post("/beheer/school/personen/nieuw", {
        "login_name": "nieuw.gezin@example.nl", "first_name": "Nieuw", "last_name": "Gezin", "role": "ouder"},
        csrf_page="/beheer/school/personen/nieuw").status_code
    anonymous = app.test_client()
    statuses["reset"] = Auth(anonymous).post("/wachtwoord-vergeten", {"username": parent.login_name},
                                             csrf_page="/wachtwoord-vergeten").status_code
    statuses["health"] = app.test_client().get("/healthz").status_code
    assert all(200 <= status < 400 for status in statuses.values()), statuses
    time.sleep(0.5)
    assert smtp.messages == []  # no SMTP inside a request
    assert ledger_states("account:activate") == ["pending"] and ledger_states("account:reset") == ["pending"]

    own_redis.start()
    reset_queue_state()  # (this process's own pause after the failure lasts seconds only)
    worker = WorkerRunner(app, own_redis.url(0), smtp)
    worker.start()  # its catch-up tick at start sends what waits in the ledger
    try:
        smtp.wait_for(2, timeout=60)
        time.sleep(2)  # anything sent twice would have come by now
    finally:
        worker.stop()
    recipients = sorted(address for message in smtp.messages for address in message["to"])
    assert recipients == sorted(["nieuw.gezin@example.nl", parent.login_name])
    assert ledger_states("account:activate") == ["sent"] and ledger_states("account:reset") == ["sent"]

    activation = smtp.to("nieuw.gezin@example.nl")[0]
    page = app.test_client().get(first_link(activation, "/activeren/").replace(app.config["PORTAL_URL"], ""))
    assert page.status_code == 200 and "Account activeren" in page.get_data(as_text=True)
    reset = smtp.to(parent.login_name)[0]
    assert "/wachtwoord-herstellen/" in mail_text(reset)
    new_user = db.session.scalar(select(User).where(User.login_name == "nieuw.gezin@example.nl"))
    assert new_user is not None and new_user.activated_at is None


def test_the_privacy_mail_waits_in_its_event_when_the_queue_does_not_answer(app, smtp):
    """The office makes a choice stricter while Redis is gone: the change is saved, the
    mail's event with it, nothing is sent in the request; the minute tick sends one mail to
    each parent, once."""
    from app import privacy
    from app.jobs.notifications import run_due
    from app.models import NotificationEvent
    from tests.factories import AdminFactory, family
    from tests.fixtures.mail import use_smtp
    from tests.fixtures.services import free_port

    use_smtp(app, smtp)
    child, (mother, father) = family(parents=2)
    privacy.save_child_levels(mother, child, {"address": "school"})
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    try:
        assert privacy.save_child_levels(AdminFactory(), child, {"address": "staff"}) == ["address"]
    finally:
        reset_queue_state()
    time.sleep(0.3)
    assert smtp.messages == []
    (event,) = db.session.scalars(select(NotificationEvent)).all()
    assert event.kind == "privacy_child" and event.payload == {"fields": [["address", "school", "staff"]]}
    app.config["REDIS_URL"] = None  # the worker's tick, run here
    run_due()
    run_due()
    smtp.wait_for(2)
    time.sleep(0.3)
    assert sorted(m["to"][0] for m in smtp.messages) == sorted([mother.email, father.email])
    assert all("strenger gemaakt door de school" in str(m["message"]["Subject"]) for m in smtp.messages)


def test_when_the_queue_does_not_answer_try_again_later_and_the_old_export_stays(app):
    """Redis set but gone: the request says in Dutch to try again later, no export is left
    "wordt gemaakt" for ever, and the person's ready export is still there."""
    from app.models import AuditEntry, DataExport
    from tests.factories import family
    from tests.fixtures.services import free_port
    from tests.test_inzage import _ask

    _, (parent,) = family()
    client = login_client(app, parent)
    _ask(client)
    [ready] = db.session.scalars(select(DataExport).where(DataExport.user_id == parent.id)).all()
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    try:
        response = _ask(client)
        assert response.status_code == 302
        page = client.get(response.location).get_data(as_text=True)
        assert "Probeer het over een paar minuten opnieuw." in page
        assert "Uw download is klaar" in page and "wordt gemaakt" not in page
    finally:
        reset_queue_state()
    db.session.expire_all()
    assert db.session.scalars(select(DataExport.id).where(DataExport.user_id == parent.id)).all() == [ready.id]
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == parent.id)).all()
    assert actions.count("inzage aangevraagd") == 1  # the refused request is not recorded as asked

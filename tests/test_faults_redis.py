"""Redis stopped while parents browse and the office creates an account: every answer a
2xx or 3xx (pages, the login, the rate limits, the page cache), nothing sent inside a
request; Redis started again and a real worker (`python worker.py`) sends the activation
and the reset mail that could not be queued, each exactly once, with links that work.

Our own redis-server on a free port (tests/fixtures/servers.py), stopped and started by
the test; the machine's Redis is never touched.
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
    app.config.update(REDIS_URL=server.url(0), RATELIMIT_STORAGE_URI=server.url(1), PAGE_CACHE=True)
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

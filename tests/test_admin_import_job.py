"""The CSV import as a job (app/admin/csv_import/job.py): with Redis, "Importeren" queues the
import and the office's page shows how far it is until the counts; 5,000 new pupils and
parents through the real worker. Redis away: a Dutch message and nothing imported. A file
that became outdated before the job ran: nothing imported, and the page says why."""
import re
import time

from sqlalchemy import func, select

from app.extensions import db
from app.jobs import reset_queue_state
from app.models import AccountToken, Child, Guardianship, User
from tests.fixtures.redis_worker import WorkerRunner
from tests.fixtures.services import free_port
from tests.fixtures.users import login_client
from tests.factories import AdminFactory
from tests.test_admin_import import commit, make_csv, office, row, school, snapshot, upload  # noqa: F401


def many_rows(count):
    return [row(f"{100000 + n}", first=f"Kind{n}", last="Jansen", p1=("Ouder", f"Nummer{n}", f"ouder{n}@example.nl"))
            for n in range(count)]


def start_job(client, rows):
    preview = upload(client, make_csv(rows)).get_data(as_text=True)
    assert "Importeren" in preview
    response = commit(client, preview)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"]


def poll(client, url, timeout=240):
    """Ask the status fragment as the page's htmx does, until the import ends; returns every
    text the office saw."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(url, headers={"HX-Request": "true"})
        if response.status_code == 503 and db.engine.dialect.name == "sqlite":
            # SQLite locks readers out while the job writes its one big transaction (the
            # page's login check reads the database); the page asks again. PostgreSQL does not.
            time.sleep(0.25)
            continue
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        html = response.get_data(as_text=True)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
        if not seen or seen[-1] != text:
            seen.append(text)
        if 'hx-trigger="every' not in html:
            return seen
        time.sleep(0.25)
    raise AssertionError(f"the import did not end: {seen[-3:]}")


def test_five_thousand_rows_run_as_a_job_with_progress_and_counts(app, office, redis_url, smtp):  # noqa: F811
    app.config["REDIS_URL"] = redis_url
    app.extensions.pop("portal_redis", None)
    reset_queue_state()
    url = start_job(office, many_rows(5000))
    assert url.startswith("/beheer/school/importeren/voortgang/")
    # Queued, not done in the request: nothing is there yet.
    assert db.session.scalar(select(func.count(Child.id))) == 0
    page = office.get(url).get_data(as_text=True)
    assert "De import staat klaar en begint zo." in page

    worker = WorkerRunner(app, redis_url, smtp)
    worker.start()
    try:
        seen = poll(office, url)
    finally:
        worker.stop()
    running = [text for text in seen if text.startswith("De import loopt:")]
    assert running, seen
    numbers = [tuple(int(n.replace(".", "")) for n in re.findall(r"([\d.]+) van ([\d.]+)", text)[0]) for text in running]
    assert all(total == 15000 for _, total in numbers) and any(done < total for done, total in numbers), numbers
    assert seen[-1].startswith("Import klaar: 5000 leerlingen toegevoegd, 0 gewijzigd, 5000 nieuwe ouderaccounts "
                               "(zij krijgen nu een activatiemail), 5000 koppelingen ouder–leerling."), seen[-1]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Child.id))) == 5000
    assert db.session.scalar(select(func.count()).select_from(Guardianship)) == 5000
    # Every new parent has an activation link (the worker may already be mailing them).
    assert db.session.scalar(select(func.count(func.distinct(AccountToken.user_id)))
                             .where(AccountToken.purpose == "activate")) == 5000
    assert db.session.scalar(select(func.count(User.id)).where(User.login_name.like("ouder%@example.nl"))) == 5000


def test_redis_away_says_so_and_imports_nothing(app, office):  # noqa: F811
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    app.extensions.pop("portal_redis", None)
    reset_queue_state()
    try:
        before = snapshot()
        preview = upload(office, make_csv(many_rows(3))).get_data(as_text=True)
        response = commit(office, preview)
        assert response.status_code == 302 and response.headers["Location"] == "/beheer/school/importeren"
        html = office.get("/beheer/school/importeren").get_data(as_text=True)
        assert ("Dit kan op dit moment niet worden gestart: een onderdeel van het portaal is even niet bereikbaar. "
                "Probeer het over een paar minuten opnieuw. Er is niets geïmporteerd.") in html
        assert snapshot() == before
    finally:
        reset_queue_state()


def test_a_file_outdated_before_the_job_ran_imports_nothing(app, office, redis_url, smtp):  # noqa: F811
    app.config["REDIS_URL"] = redis_url
    app.extensions.pop("portal_redis", None)
    reset_queue_state()
    url = start_job(office, many_rows(20))
    # Meanwhile the office adds one of these pupils by hand: the preview no longer holds.
    from app.models import Group

    db.session.add(Child(student_number="100003", first_name="Al", last_name="Hier",
                         group=db.session.scalar(select(Group).where(Group.name == "3"))))
    db.session.commit()
    before = snapshot()
    WorkerRunner(app, redis_url, smtp).drain()
    seen = poll(office, url, timeout=30)
    assert "Er is intussen iets veranderd in het portaal. Er is niets geïmporteerd." in seen[-1]
    assert snapshot() == before


def test_another_session_cannot_see_the_import(app, office, redis_url):  # noqa: F811
    app.config["REDIS_URL"] = redis_url
    app.extensions.pop("portal_redis", None)
    reset_queue_state()
    url = start_job(office, many_rows(2))
    other = login_client(app, AdminFactory())
    assert other.get(url).status_code == 404

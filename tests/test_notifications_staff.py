"""Beheer > E-mail (/beheer/e-mail): mails per message and album (sent, failed, waiting),
and retrying a failed one; teachers see their own groups' items only."""
import re
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs import get_queue
from app.jobs.notifications import run_due
from app.models import NotificationDelivery, NotificationDeliveryItem
from tests.fixtures.users import Auth
from tests.factories import AdminFactory, GroupFactory, family, teacher_of
from tests.fixtures.queries import recorded_statements
from tests.test_notifications import WINTER, ams, at, make_album, make_message


def failed_delivery(recipient, subject_type, subject_id, kind="album", error="550 Mailbox bestaat niet"):
    """A ledger row as the sender leaves it after a permanent refusal."""
    delivery = NotificationDelivery(recipient_id=recipient.id, kind=kind, key=f"{subject_type}:{subject_id}",
                                    state="failed", attempts=1, last_error=error)
    db.session.add(delivery)
    db.session.flush()
    db.session.add(NotificationDeliveryItem(delivery_id=delivery.id, kind=kind, subject_type=subject_type,
                                            subject_id=subject_id))
    db.session.commit()
    return delivery


def counts_row(html, section, title):
    """[sent, failed, waiting] as shown in the row of `title` in a section's table."""
    part = html.split(f'id="mail-{section}"', 1)[1].split("</section>", 1)[0]
    for row in re.findall(r"<tr>(.*?)</tr>", part, re.S):
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if cells and cells[0].startswith(title):
            return [int(cell) for cell in cells[2:5]]
    raise AssertionError(f"{title} not in section {section}")


def page_text(client):
    response = client.get("/beheer/e-mail/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_parents_cannot_open_it(app, login_as):
    _, (parent,) = family(GroupFactory())
    client = login_as(parent)
    assert client.get("/beheer/e-mail/").status_code == 403


def test_counts_per_item_and_retrying_a_failed_mail(pipeline, login_as):
    smtp = pipeline.smtp
    group = GroupFactory()
    people = [family(group)[1][0] for _ in range(3)]
    album = make_album(ams(*WINTER, 9), groups=[group], title="Sportdag")
    message = make_message(ams(*WINTER, 10), groups=[group], urgent=True, title="Gym vervalt")
    pipeline.env["NOTIFY_RETRY_DELAYS"] = "none"  # a refusal is final at once
    smtp.fail_next = 1
    get_queue("mail").enqueue(run_due, kwargs={"now": at(WINTER, 17, 31)})
    pipeline.drain()
    smtp.wait_for(5)

    client = login_as(AdminFactory())
    html = page_text(client)
    assert "Mislukte e-mails" in html and "451" in html
    (failed,) = db.session.scalars(select(NotificationDelivery).where(NotificationDelivery.state == "failed")).all()
    assert failed.recipient.email in html
    # Per item: the album's first mail was refused (it was the first one sent).
    assert counts_row(html, "album", album.title) == [2, 1, 0]
    assert counts_row(html, "message", message.title) == [3, 0, 0]

    response = Auth(client).post(f"/beheer/e-mail/{failed.id}/opnieuw", csrf_page="/beheer/e-mail/")
    assert response.status_code == 302
    assert "De e-mail wordt opnieuw verstuurd." in client.get(response.location).get_data(as_text=True)
    pipeline.drain()
    smtp.wait_for(6)
    time.sleep(0.3)
    assert sorted(a for m in smtp.messages for a in m["to"]) == sorted(
        [p.email for p in people] * 2)
    db.session.expire_all()
    assert db.session.get(NotificationDelivery, failed.id).state == "sent"
    html = page_text(client)
    assert "Er zijn geen mislukte e-mails." in html
    assert counts_row(html, "album", album.title) == [3, 0, 0]


def test_teacher_sees_own_groups_only_and_cannot_retry_another_groups_mail(app, login_as):
    mine, theirs = GroupFactory(), GroupFactory()
    teacher = teacher_of(mine)
    _, (my_parent,) = family(mine)
    _, (their_parent,) = family(theirs)
    my_album = make_album(ams(*WINTER, 9), groups=[mine], title="Ons album")
    their_album = make_album(ams(*WINTER, 9), groups=[theirs], title="Hun album")
    school_message = make_message(ams(*WINTER, 9), school_wide=True, title="Voor iedereen")
    mine_failed = failed_delivery(my_parent, "album", my_album.id)
    theirs_failed = failed_delivery(their_parent, "album", their_album.id)
    school_failed = failed_delivery(my_parent, "message", school_message.id, kind="urgent_message")

    client = login_as(teacher)
    html = page_text(client)
    assert "Ons album" in html and my_parent.email in html
    assert "Hun album" not in html and their_parent.email not in html
    assert "Voor iedereen" not in html  # school-wide: the office's
    auth = Auth(client)
    for other in (theirs_failed, school_failed):
        response = auth.post(f"/beheer/e-mail/{other.id}/opnieuw", csrf_page="/beheer/e-mail/")
        assert response.status_code == 404
    assert auth.post("/beheer/e-mail/999999/opnieuw", csrf_page="/beheer/e-mail/").status_code == 404
    db.session.expire_all()
    assert db.session.get(NotificationDelivery, theirs_failed.id).state == "failed"

    response = auth.post(f"/beheer/e-mail/{mine_failed.id}/opnieuw", csrf_page="/beheer/e-mail/")
    assert response.status_code == 302
    db.session.expire_all()
    # No Redis in this test: the retry ran inline and went to the outbox.
    assert db.session.get(NotificationDelivery, mine_failed.id).state == "sent"


def test_retry_needs_csrf_and_a_failed_mail(app, login_as):
    group = GroupFactory()
    _, (parent,) = family(group)
    album = make_album(ams(*WINTER, 9), groups=[group])
    delivery = failed_delivery(parent, "album", album.id)
    client = login_as(AdminFactory())
    assert client.post(f"/beheer/e-mail/{delivery.id}/opnieuw").status_code == 400
    delivery.state = "sent"
    db.session.commit()
    auth = Auth(client)
    response = auth.post(f"/beheer/e-mail/{delivery.id}/opnieuw", csrf_page="/beheer/e-mail/")
    assert response.status_code == 302
    assert "niet mislukt" in client.get(response.location).get_data(as_text=True)


def test_htmx_retry_returns_the_fragment(app, login_as):
    group = GroupFactory()
    _, (parent,) = family(group)
    album = make_album(ams(*WINTER, 9), groups=[group])
    delivery = failed_delivery(parent, "album", album.id)
    client = login_as(AdminFactory())
    token = Auth(client).csrf("/beheer/e-mail/")
    response = client.post(f"/beheer/e-mail/{delivery.id}/opnieuw", headers={"HX-Request": "true", "X-CSRFToken": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card mail-failed" id="mislukte-emails"')
    assert "De e-mail wordt opnieuw verstuurd." in html and "Er zijn geen mislukte e-mails." in html


@pytest.mark.parametrize("role", ["admin", "teacher"])
def test_page_queries_do_not_grow_with_the_number_of_items(app, login_as, role):
    group = GroupFactory()
    staff = AdminFactory() if role == "admin" else teacher_of(group)
    parents = [family(group)[1][0] for _ in range(3)]

    def add(count):
        for index in range(count):
            album = make_album(ams(*WINTER, 9), groups=[group], title=f"Album {index}")
            failed_delivery(parents[index % 3], "album", album.id)
            make_message(ams(*WINTER, 9), groups=[group], title=f"Bericht {index}")

    def queries():
        client = login_as(staff)
        with recorded_statements() as statements:
            page_text(client)
        return len(statements)

    add(2)
    few = queries()
    add(15)
    many = queries()
    assert few == many, (few, many)


def test_an_item_not_yet_mailed_shows_when_its_mail_goes_out(app, login_as):
    group = GroupFactory()
    family(group)
    make_message(ams(2030, 1, 14, 9), groups=[group], title="Oproep hulpouders")
    html = page_text(login_as(AdminFactory()))
    assert "E-mail gaat uit op woensdag 16 januari 2030 17:30" in html


def test_news_published_later_shows_the_digest_after_publication(app, login_as):
    from tests.test_notifications import make_news

    group = GroupFactory()
    family(group)
    make_news(ams(2030, 1, 14, 9), school_wide=True, title="Vooraankondiging", published_at=ams(2030, 1, 20, 9))
    html = page_text(login_as(AdminFactory()))
    assert "E-mail gaat uit op woensdag 23 januari 2030 17:30" in html


def test_a_web_process_shows_every_section_without_importing_the_dispatcher(app):
    """gunicorn never imports app.jobs.notifications (this test process does, through its
    imports): Beheer > E-mail in a fresh process still knows every kind, meeting rounds too."""
    import os
    import subprocess
    import sys

    from tests.fixtures.services import ROOT
    from tests.meetings_data import make_round

    group = GroupFactory()
    child, _ = family(group)
    make_round(group, invite=[child], title="Rapportgesprekken")
    admin = AdminFactory()
    code = (
        "import sys\n"
        "from app import create_app\n"
        "from app.extensions import db\n"
        "from app.models import User\n"
        "from app.notifications.services import mail_overview\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    sections = mail_overview(db.session.get(User, {admin.id}))\n"
        "    print([s['name'] for s in sections], [r['item'].title for s in sections for r in s['rows']])\n"
        "    print('app.jobs.notifications' in sys.modules)\n"
    )
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "PORTAL_ENV": "test",
           "SECRET_KEY": app.config["SECRET_KEY"], "REDIS_URL": ""}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert lines[-2] == "['message', 'album', 'news', 'meeting_round', 'consent_request'] ['Rapportgesprekken']"
    assert lines[-1] == "False"

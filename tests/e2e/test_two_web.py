"""Two web processes (two gunicorns under honcho, on two ports) sharing PostgreSQL, Redis
and the object store, behind a real nginx on loopback: what one process did, the other
knows — a photo uploaded through one is served by the other, a login on one holds on the
other, a form's CSRF token from one is accepted by the other, the parents' page cache
notices a message posted through the other, and the login limit counts attempts on both.
"""
import re

from tests.e2e import day
from tests.e2e.services import Nginx
from tests.e2e.web import Browser, flash_text
from tests.fixtures.services import free_port


def _two_webs(portal):
    port_b = free_port()
    portal.stop("web")
    common = {"TRUSTED_PROXIES": 1, "WEB_CONCURRENCY": 2}
    portal.start("web", **common)
    portal.start("web", key="web-b", PORT=port_b, GUNICORN_BIND=f"127.0.0.1:{port_b}", **common)
    portal.ensure_running("worker")
    return portal.url, f"http://127.0.0.1:{port_b}"


def test_two_web_processes_behind_nginx(portal, services, e2e_root):
    url_a, url_b = _two_webs(portal)
    proxy = Nginx(e2e_root, [portal.port, int(url_b.rsplit(":", 1)[1])])
    proxy.start()
    try:
        _session_and_csrf_across(url_a, url_b, services.s3)
        _written_on_b_read_on_a(url_a, url_b)
        _through_the_proxy(proxy)
    finally:
        proxy.stop()
        portal.stop("web-b")
        portal.stop("web")


def _session_and_csrf_across(url_a, url_b, s3):
    """The teacher logs in on A; B knows her session. The album form comes from A (its
    CSRF token too) and is posted to B; the photos B stored are served by A."""
    teacher = day.logged_in(url_a, day.TEACHER)
    on_b = teacher.get(url_b + "/beheer/fotoalbums/nieuw")
    assert on_b.status_code == 200 and "/login" not in on_b.url
    form = teacher.form(contains="title", page=teacher.get(url_a + "/beheer/fotoalbums/nieuw"))
    before = set(s3.objects())
    files = [("photos", (f"twee-{i}.jpg", day.jpeg(70 + i), "image/jpeg")) for i in range(2)]
    response = teacher.request("POST", url_b + "/beheer/fotoalbums/nieuw", files=files,
                               data=form.values(title="Twee webservers", description="Via B geplaatst."))
    assert response.status_code == 200 and response.url.startswith(url_b), (response.status_code, response.url)
    flash = flash_text(response.text)
    assert "Het album is aangemaakt" in flash and "2 foto" in flash, flash
    album_id = day.album_id_of(response)
    assert len(set(s3.objects()) - before) == 4

    parent = day.logged_in(url_a, day.PARENT)
    _, images = day.view_album(parent, album_id)
    assert len(images) == 4 and all(image.status_code == 200 and image.content[:2] == b"\xff\xd8" for image in images)


def _written_on_b_read_on_a(url_a, url_b):
    """A parent's Berichten on A, twice; a spoedbericht posted through B is on A's next
    answer."""
    parent = day.logged_in(url_a, day.PARENT)
    for _ in range(2):
        assert parent.get("/berichten").status_code == 200
    teacher = day.logged_in(url_b, day.TEACHER)
    day.post_urgent_message(teacher, "Gymles vervalt (via B)")
    assert "Gymles vervalt (via B)" in parent.get("/berichten").text


def _through_the_proxy(proxy):
    """Through nginx both processes serve one parent's browsing; five wrong passwords
    for one login name, spread over both, and the sixth try is refused — the right
    password too, for now."""
    parent = day.logged_in(proxy.url, day.PARENT)
    served_by = set()
    for path in ["/", "/berichten", "/fotoalbums", "/oudergesprekken/", "/kinderen/"] * 3:
        response = parent.get(path)
        assert response.status_code == 200 and "/login" not in response.url, (path, response.status_code)
        served_by.add(response.headers["X-Upstream"])
    assert len(served_by) == 2, served_by

    stranger = Browser(proxy.url)
    login_name, tried_on = "ouder2@example.nl", set()
    stranger.get("/login")
    form = stranger.form("/login")  # one form, posted again and again: round robin spreads the posts
    for attempt in range(5):
        response = stranger.submit(form, username=login_name, password=f"fout-{attempt}")
        assert response.status_code == 422, response.status_code
        tried_on.add(response.headers["X-Upstream"])
    assert len(tried_on) == 2, tried_on
    refused = stranger.submit(form, username=login_name, password=day.PASSWORD)
    assert refused.status_code == 429, (refused.status_code, flash_text(refused.text))
    assert re.search(r"te vaak|Te veel", refused.text)

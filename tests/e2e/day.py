"""What the people of a school day do, over HTTP, as a person would with a browser:
each step is a page visited and a form submitted (with its CSRF token), and each returns
what a person would notice (the flash message, a link, a page).
"""
import io
import re
import time

from PIL import Image

from tests.e2e.web import Browser, flash_text, links

PASSWORD = "Demo!2026"  # the demo accounts' (README)
OFFICE = "beheer@schutkampen.example"
TEACHER = "juf.anna@schutkampen.example"   # groep 3
PARENT = "ouder@example.nl"                # Sam in groep 3, Lotte in groep 6
NEW_PASSWORD = "Zonnig-Schoolplein-2026"
GROUP_3 = "3"  # the id of groep 3 in the demo (its filter value on Beheer › Leerlingen)


def jpeg(seed, size=(640, 480)):
    """A small photo of its own colour: each upload differs."""
    buffer = io.BytesIO()
    Image.new("RGB", size, ((seed * 53) % 256, (seed * 29) % 256, 160)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def logged_in(url, username, password=PASSWORD, tally=None, label="page"):
    browser = Browser(url, tally=tally, label=label)
    browser.login(username, password)
    return browser


def pupils_of_group(office, group=GROUP_3):
    page = office.get(f"/beheer/school/leerlingen?groep={group}")
    return [int(link.rsplit("/", 1)[1]) for link in links(page.text, r"^/beheer/school/leerlingen/\d+$")]


def create_parent(office, child_id, email, first_name, last_name):
    """Beheer › Leerlingen › a pupil › Ouder toevoegen; returns the flash message."""
    response = office.fill(f"/beheer/school/personen/nieuw?leerling={child_id}", "/personen/nieuw",
                           login_name=email, email=email, first_name=first_name, last_name=last_name)
    message = flash_text(response.text)
    assert response.status_code == 200 and "is aangemaakt" in message, (response.status_code, message)
    return message


def activation_link(sink, email, timeout=60):
    message = wait_for_mail(sink, email, "Activeer", timeout)
    body = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"https?://\S+/activeren/[\w-]+", body)
    assert found, body
    return found.group(0)


def activate(browser, link, password=NEW_PASSWORD):
    """The parent follows the activation link and chooses a password."""
    response = browser.fill(link, contains="password", password=password, confirm=password)
    assert response.status_code == 200, (response.status_code, flash_text(response.text))
    return response


def post_urgent_message(teacher, title, text="Morgen begint de school een uur later."):
    response = teacher.fill("/beheer/berichten/nieuw", contains="title", title=title, text=text, urgent="y")
    message = flash_text(response.text)
    assert response.status_code == 200 and "geplaatst" in message, (response.status_code, message)
    return response


def create_album(teacher, title, photos=3, seed=0):
    """A new album with `photos` photos; returns the staff page's response."""
    teacher.get("/beheer/fotoalbums/nieuw")
    files = [("photos", (f"foto-{seed + i}.jpg", jpeg(seed + i), "image/jpeg")) for i in range(photos)]
    return teacher.submit(teacher.form(contains="title"), files=files, title=title,
                          description="Foto's van vandaag.")


def album_id_of(response):
    found = re.search(r"/beheer/fotoalbums/(\d+)", response.url)
    assert found, response.url
    return int(found.group(1))


def view_album(parent, album_id):
    """The album page, its thumbnails and every photo at full size (as a parent clicking
    through it); returns the responses of the images."""
    page = parent.get(f"/fotoalbums/{album_id}")
    assert page.status_code == 200, page.status_code
    photos = links(page.text, rf"^/fotoalbums/{album_id}/foto/\d+$")
    sources = links(page.text, rf"^/fotoalbums/{album_id}/foto/\d+/miniatuur") + [f"{p}/afbeelding" for p in photos]
    return page, [parent.get(src) for src in sources]


def book_first_free_slot(parent):
    """Oudergesprekken: the first invitation, its first free slot; returns the flash."""
    index = parent.get("/oudergesprekken/")
    (detail, *_) = links(index.text, r"^/oudergesprekken/\d+/kind/\d+$")
    parent.get(detail)
    form = parent.form("/reserveren")
    name, value = form.buttons[0]  # the first "Reserveren mogelijk"
    response = parent.submit(form, **{name: value})
    message = flash_text(response.text)
    assert response.status_code == 200, (response.status_code, message)
    return message


def wait_for_mail(sink, email, subject_part, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in sink.to(email):
            if subject_part in str(message["Subject"]):
                return message
        time.sleep(0.2)
    raise AssertionError(f"no mail {subject_part!r} to {email} within {timeout} s; got "
                         f"{[str(m['Subject']) for m in sink.to(email)]}")

"""One back-link style (issue 17): every page's way back goes through _macros/nav.html's
back_link, and the rendered link is the same everywhere."""
import re
from pathlib import Path

from tests.factories import AdminFactory

TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "templates"
# A hand-made back link: an arrow before the label, "Terug naar ...", or the old classes.
HAND_MADE = re.compile(r'<a [^>]*>\s*[←‹]|>\s*Terug naar|class="(back|breadcrumb)[ "]')


def test_no_template_makes_its_own_back_link():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if path.parts[-2] == "email" or path.name == "nav.html":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if HAND_MADE.search(line) and 'rel="prev"' not in line:
                offenders.append(f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}")
    assert not offenders, "use back_link from _macros/nav.html:\n" + "\n".join(offenders)


def test_back_link_as_rendered(login_as):
    html = login_as(AdminFactory()).get("/beheer/nieuws/").get_data(as_text=True)
    assert '<p class="back-link"><a href="/beheer/"><span class="back-arrow" aria-hidden="true">←</span> Beheer</a></p>' in html
    html = login_as(AdminFactory()).get("/beheer/nieuws/nieuw").get_data(as_text=True)
    assert '<span class="back-arrow" aria-hidden="true">←</span> Nieuws beheren</a></p>' in html

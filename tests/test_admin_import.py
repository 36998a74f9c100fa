"""CSV import of pupils with their parents and groups: preview, one transaction, re-import,
changed files, bad rows, encodings and delimiters."""
import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import clock
from app.admin import csv_import
from app.extensions import db
from app.models import AccountToken, AuditEntry, Child, Group, Guardianship, Role, User
from tests.fixtures.mail import mail_text
from tests.fixtures.users import csrf_from, login_client
from tests.factories import AdminFactory, ParentFactory, TeacherFactory, png_bytes

SAMPLE = Path(__file__).resolve().parent.parent / "app" / "data" / "voorbeeld-leerlingen.csv"
HEADER = ["Leerlingnummer", "Roepnaam", "Tussenvoegsel", "Achternaam", "Geboortedatum", "Geslacht", "Groep",
          "Straat", "Huisnummer", "Postcode", "Woonplaats", "Ouder 1 roepnaam", "Ouder 1 achternaam",
          "Ouder 1 e-mail", "Ouder 1 mobiel", "Ouder 2 roepnaam", "Ouder 2 achternaam", "Ouder 2 e-mail",
          "Ouder 2 alleen lezen"]


def row(number, first="Sam", last="Jansen", born="03-10-2019", group="3", p1=("Marloes", "Jansen", "m@example.nl"),
        p2=("", "", ""), read_only="nee", **extra):
    values = {"Leerlingnummer": number, "Roepnaam": first, "Tussenvoegsel": "", "Achternaam": last,
              "Geboortedatum": born, "Geslacht": "M", "Groep": group, "Straat": "Schutkamp", "Huisnummer": "1",
              "Postcode": "3851 AA", "Woonplaats": "Ermelo", "Ouder 1 roepnaam": p1[0], "Ouder 1 achternaam": p1[1],
              "Ouder 1 e-mail": p1[2], "Ouder 1 mobiel": "06-11111111", "Ouder 2 roepnaam": p2[0],
              "Ouder 2 achternaam": p2[1], "Ouder 2 e-mail": p2[2], "Ouder 2 alleen lezen": read_only}
    values.update(extra)
    return [values[column] for column in HEADER]


def make_csv(rows, header=HEADER, delimiter=";", encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def school(app):
    groups = {}
    for order, (name, level) in enumerate([("1/2a", 1), ("1/2b", 1), ("3", 3), ("4", 4), ("5", 5), ("6", 6),
                                           ("7", 7), ("8", 8)]):
        groups[name] = Group(name=name, level=level, sort_order=order, school_year="2026-2027")
        db.session.add(groups[name])
    db.session.commit()
    return groups


@pytest.fixture
def office(app, school):
    return login_client(app, AdminFactory())


def upload(client, data, name="leerlingen.csv"):
    token = csrf_from(client.get("/beheer/school/importeren").get_data(as_text=True))
    return client.post("/beheer/school/importeren", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def commit(client, preview_html, skip=False, csrf=None):
    data = {
        "csrf_token": csrf or csrf_from(preview_html),
        "upload": re.search(r'name="upload" type="hidden" value="([0-9a-f]+)"', preview_html).group(1),
        "fingerprint": re.search(r'name="fingerprint" type="hidden" value="([0-9a-f]+)"', preview_html).group(1),
    }
    if skip:
        data["skip_bad_rows"] = "y"
    return client.post("/beheer/school/importeren/uitvoeren", data=data)


def summary(html):
    """The preview's summary as {label: number}."""
    return {label.strip(): int(number) for number, label in re.findall(r"<strong>(\d+)</strong> ([^<]+)", html)}


def snapshot():
    """Everything an import could write, to prove that nothing was written."""
    db.session.expire_all()
    return {
        "children": sorted((c.student_number, c.first_name, c.last_name, str(c.birth_date), c.group_id, c.street,
                            c.left_at) for c in db.session.scalars(select(Child))),
        "users": sorted((u.login_name, u.first_name, u.last_name, u.phone_mobile) for u in db.session.scalars(select(User))),
        "links": sorted((g.parent_id, g.child_id, g.read_only) for g in db.session.scalars(select(Guardianship))),
        "tokens": db.session.scalar(select(func.count()).select_from(AccountToken)),
        "audit": db.session.scalar(select(func.count()).select_from(AuditEntry)),
    }


def sample_facts():
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    emails = [r[f"Ouder {n} e-mail"].lower() for r in rows for n in (1, 2) if r[f"Ouder {n} e-mail"]]
    return rows, emails


# --- the sample file ------------------------------------------------------------------------

def test_sample_file_preview_then_import_then_reimport_changes_nothing(app, office):
    rows, emails = sample_facts()
    assert 190 <= len(rows) <= 210
    before = snapshot()
    response = upload(office, SAMPLE.read_bytes())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    counts = summary(html)
    assert counts["nieuwe leerlingen"] == len(rows)
    assert counts["nieuwe ouderaccounts (krijgen een activatiemail)"] == len(set(emails))
    assert counts["nieuwe koppelingen ouder–leerling"] == len(emails)
    assert counts["foutieve rijen"] == 0
    assert "tekenset UTF-8" in html and "puntkomma" in html
    assert snapshot() == before  # the preview writes nothing

    response = commit(office, html)
    assert response.status_code == 302
    flashed = office.get(response.location).get_data(as_text=True)
    assert f"{len(rows)} leerlingen toegevoegd" in flashed
    assert db.session.scalar(select(func.count()).select_from(Child)) == len(rows)
    parents = db.session.scalars(select(User).where(User.role == Role.PARENT)).all()
    assert len(parents) == len(set(emails)) and all(p.activated_at is None for p in parents)
    assert db.session.scalar(select(func.count()).select_from(Guardianship)) == len(emails)
    # Each new parent has one activation link, and its mail (outbox without Redis).
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == len(set(emails))
    assert len(list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))) == len(set(emails))
    first = rows[0]
    child = db.session.scalar(select(Child).where(Child.student_number == first["Leerlingnummer"]))
    assert child.first_name == first["Roepnaam"] and child.group.name == first["Groep"]
    assert child.birth_date.strftime("%d-%m-%Y") == first["Geboortedatum"]
    read_only = [r for r in rows if r["Ouder 2 alleen lezen"] == "ja"]
    assert read_only, "the sample shows a read-only parent"
    link = db.session.scalar(select(Guardianship).join(User).where(
        User.login_name == read_only[0]["Ouder 2 e-mail"].lower(), Guardianship.child_id == db.session.scalar(
            select(Child.id).where(Child.student_number == read_only[0]["Leerlingnummer"]))))
    assert link.read_only is True

    # Re-import of the same file: the preview says nothing changes, and importing changes nothing.
    after_import = snapshot()
    html = upload(office, SAMPLE.read_bytes()).get_data(as_text=True)
    counts = summary(html)
    assert counts["leerlingen ongewijzigd"] == len(rows)
    assert counts["nieuwe leerlingen"] == counts["leerlingen met wijzigingen"] == 0
    assert counts["nieuwe ouderaccounts (krijgen een activatiemail)"] == 0
    assert counts["nieuwe koppelingen ouder–leerling"] == 0
    assert "Er is niets te importeren" in html
    token = re.search(r'name="fingerprint"', html)
    assert token is None  # no import button
    assert snapshot() == after_import


def test_changed_file_updates_only_what_changed(app, office, school):
    first = make_csv([
        row("1001", "Sam", "Jansen", group="3", p1=("Marloes", "Jansen", "marloes@example.nl"),
            p2=("Peter", "Jansen", "peter@example.nl")),
        row("1002", "Lotte", "Jansen", born="21-04-2016", group="6", p1=("Marloes", "Jansen", "marloes@example.nl")),
        row("1003", "Daan", "Bos", born="01-02-2018", group="5", p1=("Ilse", "Bos", "ilse@example.nl")),
    ])
    commit(office, upload(office, first).get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.PARENT)) == 3
    # A parent keeps their own data up to date in Mijn account; an import never overwrites it.
    peter = db.session.scalar(select(User).where(User.login_name == "peter@example.nl"))
    peter.phone_mobile = "06-99999999"
    db.session.commit()
    tokens_before = db.session.scalar(select(func.count()).select_from(AccountToken))

    changed = make_csv([
        row("1001", "Sam", "Jansen", group="4", p1=("Marloes", "Jansen", "marloes@example.nl"),
            p2=("Peter", "Jansen", "peter@example.nl"), read_only="ja", Huisnummer="12"),
        row("1002", "Lotte", "Jansen", born="21-04-2016", group="6", p1=("Marloes", "Jansen", "marloes@example.nl"),
            p2=("Peter", "Jansen", "peter@example.nl")),
        row("1003", "Daan", "Bos", born="01-02-2018", group="5", p1=("Ilse", "Bos", "ilse@example.nl")),
        row("1004", "Noor", "Vos", born="09-09-2017", group="6", p1=("Eva", "Vos", "eva@example.nl")),
    ])
    html = upload(office, changed).get_data(as_text=True)
    counts = summary(html)
    assert counts["nieuwe leerlingen"] == 1 and counts["leerlingen met wijzigingen"] == 1
    assert counts["leerlingen ongewijzigd"] == 2
    assert counts["nieuwe ouderaccounts (krijgen een activatiemail)"] == 1
    assert counts["nieuwe koppelingen ouder–leerling"] == 2  # Peter–Lotte, Eva–Noor
    assert counts["koppelingen met een ander ‘alleen lezen’"] == 1
    assert "groep: <del>Groep 3</del> → <ins>Groep 4</ins>" in html
    assert "huisnummer: <del>1</del> → <ins>12</ins>" in html

    assert commit(office, html).status_code == 302
    db.session.expire_all()
    sam = db.session.scalar(select(Child).where(Child.student_number == "1001"))
    assert sam.group.name == "4" and sam.house_number == "12"
    assert db.session.get(Guardianship, (peter.id, sam.id)).read_only is True
    lotte = db.session.scalar(select(Child).where(Child.student_number == "1002"))
    assert db.session.get(Guardianship, (peter.id, lotte.id)) is not None
    assert db.session.get(User, peter.id).phone_mobile == "06-99999999"
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == tokens_before + 1  # only Eva
    changes = db.session.scalars(select(AuditEntry).where(AuditEntry.subject_id == sam.id,
                                                          AuditEntry.action == "gewijzigd (import)")).all()
    assert [sorted(entry.fields) for entry in changes] == [["group", "house_number"]]


def test_new_parents_get_their_mail_only_after_the_commit(app, office, pipeline):
    data = make_csv([row("2001", p1=("Anna", "Smit", "anna.smit@example.nl"), p2=("Bas", "Smit", "bas.smit@example.nl"))])
    html = upload(office, data).get_data(as_text=True)
    pipeline.drain()
    assert pipeline.smtp.messages == []  # the preview sends nothing
    assert commit(office, html).status_code == 302
    assert pipeline.smtp.messages == []  # nothing sent inside the request
    pipeline.drain()
    received = pipeline.smtp.wait_for(2)
    assert sorted(m["to"][0] for m in received) == ["anna.smit@example.nl", "bas.smit@example.nl"]
    assert all("/activeren/" in mail_text(m["message"]) for m in received)


# --- bad rows ---------------------------------------------------------------------------------

BAD_ROWS = [
    (row("3002", born="31-02-2019"), "Geboortedatum '31-02-2019' is geen geldige datum"),
    (row("3003", group="9"), "Groep '9' bestaat niet in het portaal"),
    (row("3004", p1=("Jan", "Bos", "gezin@example.nl"), p2=("Els", "Bos", "GEZIN@example.nl")),
     "Ouder 1 en ouder 2 hebben hetzelfde e-mailadres"),
    (row("3005", p1=("Kees", "Vos", "m@example.nl")), "staat in regel 2 bij een andere ouder (Marloes Jansen)"),
    (row("3006")[:10], "Deze rij heeft 10 kolommen en de kopregel 19"),
    (row("3001", first="Dubbel"), "Leerlingnummer 3001 staat ook in regel 2"),
    (row("3008", p1=("Piet", "Post", "geen-adres")), "'geen-adres' is geen geldig e-mailadres"),
    (row("3009", p1=("Juf", "Anna", "juf@school.example")), "is de inlognaam van een medewerker"),
]


def test_bad_rows_are_named_and_nothing_is_written_until_left_out(app, office):
    TeacherFactory(login_name="juf@school.example")
    good = row("3001")  # Sam Jansen, parent m@example.nl
    data = make_csv([good] + [bad for bad, _ in BAD_ROWS] + [row("3010", "Mila", "de Wit", group="1/2a",
                                                                  p1=("Eva", "de Wit", "eva@example.nl"))])
    before = snapshot()
    response = upload(office, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert summary(html)["foutieve rijen"] == len(BAD_ROWS)
    for (_, reason), line in zip(BAD_ROWS, range(3, 3 + len(BAD_ROWS))):
        assert reason in html.replace("&#39;", "'"), reason
        assert f'data-label="Regel">{line}</th>' in html

    # Import without leaving them out: refused, nothing written.
    response = commit(office, html)
    assert response.status_code == 422
    assert "Er is niets geïmporteerd" in response.get_data(as_text=True)
    assert snapshot() == before

    # Explicitly leaving the bad rows out imports the good rows only.
    response = commit(office, html, skip=True)
    assert response.status_code == 302
    assert "8 foutieve rijen overgeslagen" in office.get(response.location).get_data(as_text=True)
    numbers = sorted(db.session.scalars(select(Child.student_number)))
    assert numbers == ["3001", "3010"]
    logins = sorted(db.session.scalars(select(User.login_name).where(User.role == Role.PARENT)))
    assert logins == ["eva@example.nl", "m@example.nl"]


@pytest.mark.parametrize("data, message", [
    (make_csv([row("1")], header=[h for h in HEADER if h != "Geboortedatum"]),
     "Deze verplichte kolom ontbreekt: Geboortedatum."),
    (make_csv([row("1")], header=[h if h != "Groep" else "Leerjaar" for h in HEADER]),
     "Deze verplichte kolom ontbreekt: Groep."),
    (make_csv([row("1")], delimiter="|"), "De kolommen van dit bestand zijn niet te herkennen"),
    (make_csv([row("1")], encoding="utf-16"), "Unicode-tekst"),
    ("Leerlingnummer;Roepnaam;Achternaam;Geboortedatum;Groep\r\n1;Zo\x81;Bos;01-01-2019;3\r\n".encode("latin-1"),
     "De tekens in dit bestand zijn niet te lezen"),
    (b"PK\x03\x04" + b"\x00" * 100, "Dit is een Excel-bestand"),
    (make_csv([]), "alleen een kopregel"),
    (b"", "Het gekozen bestand is leeg."),
])
def test_unreadable_files_are_refused_with_a_clear_message(office, data, message):
    before = snapshot()
    response = upload(office, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert snapshot() == before


@pytest.mark.parametrize("delimiter, encoding", [(";", "utf-8"), (",", "utf-8"), (";", "cp1252"), (",", "cp1252"),
                                                 ("\t", "utf-8-sig")])
def test_delimiters_and_encodings_are_detected(office, delimiter, encoding):
    data = make_csv([row("4001", "Zoë", "Prins", p1=("Renée", "Prins", "renee@example.nl")),
                     row("4002", "Chloé", "van Dijk, de Jong", p1=("Daniël", "Dijk", "daniel@example.nl"))],
                    delimiter=delimiter, encoding=encoding)
    html = upload(office, data).get_data(as_text=True)
    assert summary(html)["foutieve rijen"] == 0
    assert commit(office, html).status_code == 302
    names = sorted(db.session.scalars(select(Child.first_name)))
    assert names == ["Chloé", "Zoë"]
    assert db.session.scalar(select(Child.last_name).where(Child.student_number == "4002")) == "van Dijk, de Jong"
    assert db.session.scalar(select(User.first_name).where(User.login_name == "renee@example.nl")) == "Renée"


def test_header_names_are_matched_loosely_and_unknown_columns_ignored(office):
    header = ["LEERLINGNUMMER", "voornaam", "achternaam", "geboorte-datum", "groep", "Opmerking", "ouder_1_email",
              "Ouder 1 Achternaam"]
    data = make_csv([["5001", "Sem", "Kok", "2019-03-01", "Groep 3", "allergie", "k@example.nl", "Kok"]], header=header)
    html = upload(office, data).get_data(as_text=True)
    assert "genegeerde kolommen: Opmerking" in html
    assert commit(office, html).status_code == 302
    child = db.session.scalar(select(Child).where(Child.student_number == "5001"))
    assert child.group.name == "3" and str(child.birth_date) == "2019-03-01"


# --- one transaction, and a preview that is still true -----------------------------------------

def test_a_failure_halfway_writes_nothing(app, school, monkeypatch):
    from app.admin import services

    parsed = csv_import.read_csv(SAMPLE.read_bytes())
    plan = csv_import.make_plan(parsed)
    admin = AdminFactory()
    before = snapshot()
    real, calls = services.new_account, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 50:
            raise RuntimeError("database weg")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "new_account", failing)
    with pytest.raises(RuntimeError):
        csv_import.apply_plan(plan, admin)
    assert snapshot() == before
    assert not list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))


def test_preview_that_became_outdated_is_shown_again(office):
    data = make_csv([row("6001", p1=("Anna", "Smit", "anna@example.nl"))])
    html = upload(office, data).get_data(as_text=True)
    ParentFactory(login_name="anna@example.nl", first_name="Anna")  # someone made the account meanwhile
    response = commit(office, html)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Er is intussen iets veranderd" in text
    assert db.session.scalar(select(func.count()).select_from(Child)) == 0
    assert commit(office, text).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Child)) == 1


def test_an_upload_belongs_to_the_session_that_made_it(app, office):
    html = upload(office, make_csv([row("7001")])).get_data(as_text=True)
    other = login_client(app, AdminFactory())
    response = commit(other, html, csrf=csrf_from(other.get("/").get_data(as_text=True)))
    assert response.status_code == 302
    assert "niet meer beschikbaar" in other.get(response.location).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Child)) == 0


def test_sample_file_can_be_downloaded(office):
    response = office.get("/beheer/school/importeren/voorbeeld.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data == SAMPLE.read_bytes()


# --- what trying it as a school found (issue 12) ------------------------------------------------

def preview_rows(html, section_id):
    """[(line, pupil, [messages])] of a preview table (foutieve rijen, let op)."""
    part = html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]
    found = []
    for line, pupil, reasons in re.findall(r'data-label="Regel">(\d+)</th><td data-label="Leerling">(.*?)</td>\s*'
                                           r'<td data-label="[^"]+"><ul class="reasons">(.*?)</ul>', part, re.S):
        found.append((int(line), unescape(pupil), [unescape(m) for m in re.findall(r"<li>(.*?)</li>", reasons)]))
    return found


def unescape(text):
    import html as html_module

    return html_module.unescape(text)


@pytest.mark.parametrize("sep_line, delimiter", [(b"sep=;\r\n", ";"), (b"sep=,\r\n", ","), (b'"sep=;"\r\n', ";"),
                                                 (b"SEP=;;;;\r\n", ";")])
def test_an_excel_sep_line_is_understood(office, sep_line, delimiter):
    data = sep_line + make_csv([row("8001", "Noëlle", "Bos"), row("8002", born="31-02-2019")], delimiter=delimiter)
    html = upload(office, data).get_data(as_text=True)
    assert summary(html)["nieuwe leerlingen"] == 1
    # Line numbers are the file's own: the sep line is line 1, the header line 2.
    assert [(line, reasons[0][:30]) for line, _, reasons in preview_rows(html, "fouten-kop")] == \
        [(4, "Geboortedatum '31-02-2019' is ")]
    assert commit(office, html, skip=True).status_code == 302
    assert db.session.scalar(select(Child.first_name).where(Child.student_number == "8001")) == "Noëlle"


def test_an_unknown_separator_in_the_sep_line_is_refused(office):
    response = upload(office, b"sep=|\r\n" + make_csv([row("1")], delimiter="|"))
    assert response.status_code == 422
    assert "noemt een scheidingsteken dat niet wordt ondersteund" in unescape(response.get_data(as_text=True))


def mixed_file():
    lines = [make_csv([row("8101", "Noëlle", "Bos", p1=("Renée", "Bos", "renee@example.nl"))]),          # UTF-8
             make_csv([row("8102", "Zoë", "Prins", p1=("Daniël", "Prins", "d@example.nl"))], encoding="cp1252")]
    return lines[0] + lines[1].split(b"\r\n", 1)[1]  # header and line 2 in UTF-8, line 3 in Windows-1252


def test_a_file_that_mixes_utf8_and_windows_1252_is_refused_naming_the_line(office):
    before = snapshot()
    response = upload(office, mixed_file())
    text = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Het bestand mengt twee tekensets: regel 3 is Windows-1252 (ANSI) en regel 2 is UTF-8" in text
    assert "NoÃ«lle" in text  # the message says what would have happened
    assert snapshot() == before
    # Both halves on one line: that line is named.
    one_line = "Leerlingnummer;Roepnaam;Achternaam;Geboortedatum;Groep\r\n1;Jip;Bos;01-01-2019;3\r\n".encode() + \
        "2;Noëlle;".encode() + "Zoë;01-01-2019;3\r\n".encode("cp1252")
    text = unescape(upload(office, one_line).get_data(as_text=True))
    assert "Regel 3 van het bestand bevat zowel UTF-8- als Windows-1252-tekens" in text
    assert snapshot() == before


def test_a_line_break_inside_a_quoted_value_is_refused_for_that_row(office):
    data = make_csv([row("8201", "Jip\r\nJansen"), row("8202", "Sam", Straat="Dorps\nstraat"), row("8203", "Mila", "Bos"),
                     row("8204", born="31-02-2019")])
    html = upload(office, data).get_data(as_text=True)
    bad = preview_rows(html, "fouten-kop")
    # Each row is named by the line it starts on: 8201 spans lines 2-3, 8202 lines 4-5.
    assert [(line, reasons[0]) for line, _, reasons in bad[:2]] == [
        (2, "Roepnaam bevat een regelovergang (Enter) binnen aanhalingstekens. Zet de waarde op één regel."),
        (4, "Straat bevat een regelovergang (Enter) binnen aanhalingstekens. Zet de waarde op één regel.")]
    assert bad[2][0] == 7  # line numbers after them are still the file's
    assert commit(office, html, skip=True).status_code == 302
    assert sorted(db.session.scalars(select(Child.student_number))) == ["8203"]


@pytest.mark.parametrize("postcode, country, stored", [
    ("3851ab", None, ("3851 AB", "")),
    ("3851 AB", "Nederland", ("3851 AB", "")),
    ("47533", "Duitsland", ("47533", "Duitsland")),
    ("B-2000", "België", ("B-2000", "België")),
    ("", None, ("", "")),
])
def test_good_postcodes_and_foreign_addresses(office, postcode, country, stored):
    header = HEADER + (["Land"] if country is not None else [])
    values = row("8301", Postcode=postcode) + ([country] if country is not None else [])
    html = upload(office, make_csv([values], header=header)).get_data(as_text=True)
    assert summary(html)["foutieve rijen"] == 0
    assert commit(office, html).status_code == 302
    child = db.session.scalar(select(Child).where(Child.student_number == "8301"))
    assert (child.postcode, child.country) == stored


@pytest.mark.parametrize("postcode, country, message", [
    ("0851 AB", None, "Postcode '0851 AB' is geen Nederlandse postcode (zoals 3851 AA). Woont de leerling in het "
                      "buitenland? Zet het land dan in de kolom Land."),
    ("3851 SS", None, "Postcode '3851 SS' is geen Nederlandse postcode"),
    ("47533", None, "Postcode '47533' is geen Nederlandse postcode"),
    ("47533", "", "Postcode '47533' is geen Nederlandse postcode"),
    ("3851", "Nederland", "Postcode '3851' is geen Nederlandse postcode"),
    ("47533!", "Duitsland", "Postcode '47533!' is geen geldige postcode."),
    ("47533", "123", "Land '123' is geen landnaam."),
])
def test_bad_postcodes_are_bad_rows(office, postcode, country, message):
    header = HEADER + (["Land"] if country is not None else [])
    values = row("8401", Postcode=postcode) + ([country] if country is not None else [])
    before = snapshot()
    html = upload(office, make_csv([values], header=header)).get_data(as_text=True)
    assert [reasons for _, _, reasons in preview_rows(html, "fouten-kop")][0][0].startswith(message)
    assert commit(office, html).status_code == 422
    assert snapshot() == before


def jpeg_bytes():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def huge_png():
    """Only the header of a PNG of 100,000 × 100,000 pixels: too large for Pillow to open."""
    import struct
    import zlib

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("data, message", [
    (make_csv([row("1"), row("2")]).replace(b"Ermelo", b"Erm\x00lo", 2)[:-20] + b"\r\n",
     "Regel 2 van het bestand bevat een NUL-teken"),
    (b"Leerlingnummer;Roepnaam\r\n1;Jip\x00\r\n", "Regel 2 van het bestand bevat een NUL-teken"),
    (png_bytes(), "Dit is een afbeelding (PNG), geen CSV-bestand."),
    (jpeg_bytes(), "Dit is een afbeelding (JPEG), geen CSV-bestand."),
    (huge_png(), "Dit is een afbeelding, geen CSV-bestand."),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "Dit is een PDF-bestand, geen CSV-bestand."),
    (make_csv([row("1")], encoding="utf-16-le"), "Unicode-tekst"),  # UTF-16 without a byte order mark
])
def test_a_nul_byte_or_an_image_gets_its_own_message(office, data, message):
    before = snapshot()
    response = upload(office, data)
    text = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert message in text
    if "Unicode" not in message:
        assert "UTF-16" not in text
    assert snapshot() == before


def test_unlikely_birth_dates_are_warnings_per_row_and_still_import(office):
    today = clock.today()  # the school's (Amsterdam) day, as the import counts ages

    def years_ago(years):  # on 29 February: the 28th
        return date(today.year - years, today.month, min(today.day, 28 if today.month == 2 else today.day))

    born = {
        "8501": years_ago(7),                          # fine
        "8502": years_ago(3) + timedelta(days=1),      # still 2
        "8503": years_ago(15),                         # 15
        "8504": today + timedelta(days=30),            # not born yet
        "8505": years_ago(3),                          # just 3: fine
        "8506": years_ago(15) + timedelta(days=1),     # still 14: fine
    }
    data = make_csv([row(number, f"Kind{number}", "Bos", born=f"{day:%d-%m-%Y}") for number, day in born.items()])
    html = upload(office, data).get_data(as_text=True)
    assert summary(html)["foutieve rijen"] == 0
    assert "Let op (3 rijen)" in html
    warned = preview_rows(html, "let-op-kop")
    assert warned == [
        (3, "Kind8502 Bos (8502)", [f"Geboortedatum {born['8502']:%d-%m-%Y}: de leerling is 2 jaar, jonger dan 3. "
                                   f"Klopt de datum?"]),
        (4, "Kind8503 Bos (8503)", [f"Geboortedatum {born['8503']:%d-%m-%Y}: de leerling is 15 jaar, ouder dan 14. "
                                   f"Klopt de datum?"]),
        (5, "Kind8504 Bos (8504)", [f"Geboortedatum {born['8504']:%d-%m-%Y} ligt in de toekomst. Klopt de datum?"]),
    ]
    assert commit(office, html).status_code == 302
    stored = dict(db.session.execute(select(Child.student_number, Child.birth_date)).all())
    assert stored == born


def test_dutch_particles_are_stored_lower_case_and_the_preview_sorts_on_the_main_surname(office):
    header = HEADER[:12] + ["Ouder 1 tussenvoegsel"] + HEADER[12:]
    rows = [row("8601", "Daan", "De Vries", p1=("Karin", "Vries", "karin@example.nl"), Tussenvoegsel=""),
            row("8602", "Jip", "Dam", p1=("Ruud", "Dam", "ruud@example.nl"), Tussenvoegsel="Van"),
            row("8603", "Anna", "Hart", p1=("Tom", "Hart", "tom@example.nl"), Tussenvoegsel="t"),
            row("8604", "Bo", "Berg", p1=("Ida", "Berg", "ida@example.nl"), Tussenvoegsel="Van Den"),
            row("8605", "Mila", "Bakker", p1=("Noor", "Bakker", "noor@example.nl"))]
    infixes = {"8601": "De", "8602": "Van", "8603": "t", "8604": "van den", "8605": ""}
    rows = [r[:12] + [infixes[r[0]]] + r[12:] for r in rows]
    rows[0][3], rows[0][2] = "Vries", "De"  # De + Vries for the pupil as well
    html = upload(office, make_csv(rows, header=header)).get_data(as_text=True)
    new = [unescape(name) for name in re.findall(r'<td data-label="Naam">(.*?)</td>', html)]
    assert new == ["Mila Bakker", "Bo van den Berg", "Jip van Dam", "Anna 't Hart", "Daan de Vries"]
    parents = html.split('id="ouders-kop"', 1)[1].split("</section>", 1)[0]
    assert [unescape(n) for n in re.findall(r"<li>(.*?) – ", parents)] == \
        ["Noor Bakker", "Ida van den Berg", "Ruud van Dam", "Tom 't Hart", "Karin de Vries"]
    assert commit(office, html).status_code == 302
    stored = dict(db.session.execute(select(Child.student_number, Child.last_name)).all())
    assert stored == {"8601": "de Vries", "8602": "van Dam", "8603": "'t Hart", "8604": "van den Berg",
                      "8605": "Bakker"}
    assert db.session.scalar(select(User.last_name).where(User.login_name == "ruud@example.nl")) == "van Dam"
    # The same file again changes nothing: "Van" in the file is the stored "van".
    again = upload(office, make_csv(rows, header=header)).get_data(as_text=True)
    assert summary(again)["leerlingen ongewijzigd"] == 5 and "Er is niets te importeren" in again


def test_a_foreign_address_shows_its_country_in_beheer_and_to_the_parents(app, office):
    header = HEADER + ["Land"]
    data = make_csv([row("8701", "Jip", "Bos", p1=("Ilse", "Bos", "ilse@example.nl"), Straat="Hauptstraße",
                         Huisnummer="12", Postcode="47533", Woonplaats="Kleve") + ["Duitsland"]], header=header)
    assert commit(office, upload(office, data).get_data(as_text=True)).status_code == 302
    child = db.session.scalar(select(Child).where(Child.student_number == "8701"))
    page = office.get(f"/beheer/school/leerlingen/{child.id}").get_data(as_text=True)
    assert re.search(r'name="country"[^>]*value="Duitsland"|value="Duitsland"[^>]*name="country"', page)
    parent = db.session.scalar(select(User).where(User.login_name == "ilse@example.nl"))
    parent.password_hash = AdminFactory.build().password_hash
    parent.activated_at = parent.created_at
    db.session.commit()
    own = login_client(app, parent).get(f"/kinderen/{child.id}").get_data(as_text=True)
    assert "<dt>Land</dt><dd>Duitsland</dd>" in own and "47533" in own
    card = office.get(f"/groepen/{child.group_id}").get_data(as_text=True)
    assert "Hauptstraße 12, 47533 Kleve, Duitsland" in card

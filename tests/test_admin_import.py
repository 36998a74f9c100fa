"""CSV import of pupils with their parents and groups: preview, one transaction, re-import,
changed files, bad rows, encodings and delimiters."""
import csv
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.admin import csv_import
from app.extensions import db
from app.models import AccountToken, AuditEntry, Child, Group, Guardianship, Role, User
from tests.conftest import csrf_from, login_client, mail_text
from tests.factories import AdminFactory, ParentFactory, TeacherFactory

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

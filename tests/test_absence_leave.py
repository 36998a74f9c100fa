"""Verlof aanvragen, the parents' side, with a pretend clock (Wednesday 2 December 2026)
and an explicit school calendar: the Leerplichtwet's checks at their edges (10 vs 11
school days, 8 weeks exactly vs a day less, the first two weeks of a school year, a
second vakantieverlof), the parent told and still able to submit, the leerplichtambtenaar
for more than 10 days of gewichtige omstandigheden, the statement (required, macros
refused, kept between two posts, only for the family), withdrawing while pending, the
decision with the right to object, who may see what, and bad input."""
import io
import re
from datetime import date
from html import unescape

import pytest

from app.absence import events
from app.extensions import db
from app.models import AuditEntry, LeaveRequest
from tests.absence_family import leave_requests, make_family, post, pretend
from tests.factories import leave_request, pdf_bytes, school_holiday
from tests.office_files import VBA_PROJECT, ole_file, ooxml_file

NEW = "/afwezigheid/verlof/aanvragen"


@pytest.fixture
def school(app, login_as, monkeypatch):
    pretend(app, "2026-12-02 10:00")
    data = make_family()
    data["login_as"] = login_as
    data["app"] = app
    school_holiday("Kerstvakantie", date(2026, 12, 19), date(2027, 1, 3))
    school_holiday("Voorjaarsvakantie", date(2027, 2, 15), date(2027, 2, 19))
    school_holiday("Zomervakantie", date(2027, 7, 17), date(2027, 8, 29))
    data["submitted"] = submitted = []
    monkeypatch.setattr(events, "leave_submitted", lambda request, actor: submitted.append(request.id))
    return data


def plain(response):
    html = response.get_data(as_text=True)
    main = re.search(r"<main[^>]*>(.*)</main>", html, re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", main.group(1) if main else html)))


def pdf(name="werkgeversverklaring.pdf"):
    return (io.BytesIO(pdf_bytes("# Werkgeversverklaring\n\nGeen vakantie in juli en augustus.")), name)


def apply(school, *children, kind="vakantie", first="2027-02-01", last="2027-02-12", reason="Seizoenswerk in de "
          "horeca: in de zomer werk ik zeven dagen per week.", statement=True, confirm=None, token=None,
          user=None, client=None):
    """confirm: the page with the explanations the parent ticks "toch indienen" on."""
    client = client or school["login_as"](user or school["mother"])
    data = {"kind": kind, "children": [str(getattr(child, "id", child)) for child in children or [school["sam"]]],
            "first_day": first, "last_day": last, "reason": reason}
    if statement:
        data["statement"] = statement if isinstance(statement, tuple) else pdf()
    if confirm is not None:
        data["confirm"] = "y"
        data["checks_seen"] = hidden(confirm, "checks_seen") if not isinstance(confirm, str) else confirm
    if token:
        data["statement_token"] = token
    return client, post(client, NEW, data, form_page=NEW, content_type="multipart/form-data")


def hidden(response, name):
    found = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', response.get_data(as_text=True))
    return found.group(1) if found else ""


def token_of(response):
    return hidden(response, "statement_token")


def submitted_page(client, response):
    assert response.status_code == 302, plain(response)[:800]
    return plain(client.get(response.headers["Location"]))


# --- art. 13a: vakantieverlof ----------------------------------------------------------------------

def test_vakantieverlof_meeting_every_rule_is_submitted_at_once(school):
    client, response = apply(school, school["sam"], school["lotte"], first="2027-02-01", last="2027-02-12")
    page = submitted_page(client, response)
    assert "Uw aanvraag is ingediend." in page and "Status: In behandeling" in page
    assert "De directeur beslist over uw aanvraag." in page
    (request,) = leave_requests()
    assert (request.kind, request.status, request.school_days, request.school_year, request.checks) == (
        "vakantie", "ingediend", 10, "2026-2027", [])
    assert [child.first_name for child in request.children] == ["Lotte", "Sam"]
    assert request.statement_name == "werkgeversverklaring.pdf" and request.requested_by_id == school["mother"].id
    assert school["submitted"] == [request.id]
    audit = db.session.query(AuditEntry).filter_by(action="verlof aangevraagd").all()
    assert sorted(entry.subject_id for entry in audit) == sorted([school["sam"].id, school["lotte"].id])


@pytest.mark.parametrize("last, days, checked", [("2027-02-19", 10, False), ("2027-02-22", 11, True)])
def test_vakantieverlof_is_for_at_most_ten_school_days(school, last, days, checked):
    """1 to 19 February holds the voorjaarsvakantie (15-19): 10 school days; to the 22nd: 11."""
    _, response = apply(school, first="2027-02-01", last=last)
    text = f"Vakantieverlof is voor ten hoogste 10 schooldagen (artikel 13a Leerplichtwet); deze aanvraag omvat " \
           f"{days} schooldagen."
    assert (text in plain(response)) is checked
    assert (response.status_code == 302) is not checked
    assert len(leave_requests()) == (0 if checked else 1)


@pytest.mark.parametrize("first, checked", [("2027-01-27", False), ("2027-01-26", True)])
def test_vakantieverlof_eight_weeks_ahead_exactly_or_a_day_less(school, first, checked):
    _, response = apply(school, first=first, last="2027-01-29")
    assert ("Vakantieverlof vraagt u ten minste 8 weken van tevoren aan" in plain(response)) is checked
    assert len(leave_requests()) == (0 if checked else 1)


@pytest.mark.parametrize("first, last, checked", [
    ("2027-09-13", "2027-09-17", False),  # the third week
    ("2027-09-10", "2027-09-10", True),   # the last day of the first two weeks
    ("2027-08-30", "2027-08-31", True),   # the first school day
    ("2027-08-26", "2027-08-30", True),   # from the summer holiday into the first day
])
def test_vakantieverlof_never_in_the_first_two_weeks_of_the_school_year(school, first, last, checked):
    _, response = apply(school, first=first, last=last)
    text = "Vakantieverlof kan niet in de eerste twee lesweken van het schooljaar (30 augustus 2027 tot en met " \
           "12 september 2027)."
    assert (text in plain(response)) is checked


@pytest.mark.parametrize("status, counts", [("ingediend", True), ("toegestaan", True), ("geweigerd", False),
                                            ("ingetrokken", False)])
def test_a_second_vakantieverlof_in_a_school_year(school, status, counts):
    leave_request([school["sam"]], kind="vakantie", first=date(2027, 2, 1), last=date(2027, 2, 5), status=status)
    _, response = apply(school, first="2027-06-07", last="2027-06-11")
    text = "Vakantieverlof kan één keer per schooljaar: voor Sam is in schooljaar 2026-2027 al vakantieverlof " \
           "aangevraagd of gegeven."
    assert (text in plain(response)) is counts
    assert len(leave_requests()) == (1 if counts else 2)


def test_the_parent_is_told_and_may_still_submit_keeping_the_statement(school):
    client, response = apply(school, first="2027-01-11", last="2027-01-22")
    assert response.status_code == 200
    page = plain(response)
    assert "Let op: deze aanvraag voldoet niet aan alle regels van de Leerplichtwet." in page
    assert "uiterlijk op 16 november 2026" in page and "Ik wil de aanvraag toch indienen" in page
    assert "Al toegevoegd: werkgeversverklaring.pdf." in page
    assert len(leave_requests()) == 0
    token = token_of(response)
    assert token
    # Ticked, without choosing the file again.
    _, confirmed = apply(school, first="2027-01-11", last="2027-01-22", statement=False, confirm=response,
                         token=token, client=client)
    submitted_page(client, confirmed)
    (request,) = leave_requests()
    assert [check["code"] for check in request.checks] == ["notice"]
    assert request.statement_name == "werkgeversverklaring.pdf"
    download = client.get(f"/afwezigheid/verlof/{request.id}/verklaring")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")


def test_other_dates_with_other_checks_are_shown_again_before_they_are_submitted(school):
    client, response = apply(school, first="2027-01-11", last="2027-01-22")  # the 8 weeks only
    assert "ten minste 8 weken" in plain(response) and "deze aanvraag omvat" not in plain(response)
    _, response = apply(school, first="2027-01-11", last="2027-01-29", statement=False, confirm=response,
                        token=token_of(response), client=client)  # now 15 school days as well
    assert response.status_code == 200 and "deze aanvraag omvat 15 schooldagen" in plain(response)
    assert leave_requests() == []
    _, response = apply(school, first="2027-01-11", last="2027-01-29", statement=False, confirm=response,
                        token=token_of(response), client=client)
    submitted_page(client, response)
    assert sorted(check["code"] for check in leave_requests()[0].checks) == ["max_days", "notice"]


def test_another_parents_statement_token_is_worth_nothing(school):
    _, response = apply(school, first="2027-01-11", last="2027-01-22")
    token = token_of(response)
    _, response = apply(school, school["noor"], first="2027-01-11", last="2027-01-22", statement=False,
                        confirm=response, token=token, user=school["other"])
    assert response.status_code == 422 and "Voeg een verklaring van de werkgever toe" in plain(response)
    assert leave_requests() == []


def test_a_statement_is_required_for_vakantieverlof(school):
    _, response = apply(school, statement=False)
    assert response.status_code == 422
    assert "Voeg een verklaring van de werkgever toe" in plain(response) and leave_requests() == []


def test_a_macro_office_file_is_refused(school):
    macro = ooxml_file(parts={"word/vbaProject.bin": ole_file(VBA_PROJECT)},
                       defaults={"bin": "application/vnd.ms-office.vbaProject"})
    _, response = apply(school, statement=(io.BytesIO(macro), "verklaring.docx"))
    assert response.status_code == 422
    assert "Office-bestanden met macro's worden niet geaccepteerd. Sla het bestand op zonder macro's." in plain(response)
    assert leave_requests() == []


# --- art. 14: gewichtige omstandigheden ----------------------------------------------------------------

def test_gewichtig_needs_no_statement_and_the_director_decides(school):
    client, response = apply(school, kind="gewichtig", first="2026-12-11", last="2026-12-11",
                             reason="Bruiloft van mijn zus in Groningen.", statement=False)
    page = submitted_page(client, response)
    assert "De directeur beslist over uw aanvraag." in page and "leerplichtambtenaar" not in page
    (request,) = leave_requests()
    assert (request.kind, request.school_days, request.checks, request.statement_stored) == ("gewichtig", 1, [], None)


def test_gewichtig_over_ten_days_goes_to_the_leerplichtambtenaar(school):
    leave_request([school["sam"]], kind="gewichtig", first=date(2026, 11, 16), last=date(2026, 11, 25),
                  status="toegestaan")  # 8 school days
    client, response = apply(school, kind="gewichtig", first="2026-12-09", last="2026-12-11",
                             reason="Ernstige ziekte van opa in Suriname.", statement=False)
    assert response.status_code == 200
    assert ("Voor Sam komt het verlof in schooljaar 2026-2027 hiermee op 11 schooldagen. Over meer dan 10 schooldagen "
            "per schooljaar beslist de leerplichtambtenaar") in plain(response)
    _, response = apply(school, kind="gewichtig", first="2026-12-09", last="2026-12-11",
                        reason="Ernstige ziekte van opa in Suriname.", statement=False, confirm=response, client=client)
    page = submitted_page(client, response)
    assert "de school stuurt uw aanvraag door naar de leerplichtambtenaar" in page
    request = leave_requests()[-1]
    assert [check["code"] for check in request.checks] == ["attendance_officer"] and request.status == "ingediend"


def test_gewichtig_afterwards_at_most_two_days_after(school):
    _, response = apply(school, kind="gewichtig", first="2026-11-27", last="2026-11-27", statement=False)
    assert response.status_code == 422 and "uiterlijk twee dagen na de gebeurtenis" in plain(response)
    client, response = apply(school, kind="gewichtig", first="2026-11-30", last="2026-11-30", statement=False)
    submitted_page(client, response)


# --- withdrawing, the decision, who may see ---------------------------------------------------------

def test_withdraw_while_pending_and_not_after_the_decision(school):
    pending = leave_request([school["sam"]], by=school["mother"])
    decided = leave_request([school["sam"]], status="geweigerd", decision_reason="Geen gewichtige omstandigheid.")
    client = school["login_as"](school["mother"])
    assert "Aanvraag intrekken" in plain(client.get(f"/afwezigheid/verlof/{pending.id}"))
    response = post(client, f"/afwezigheid/verlof/{pending.id}/intrekken", {})
    assert "Uw aanvraag is ingetrokken." in submitted_page(client, response)
    db.session.expire_all()
    pending = db.session.get(LeaveRequest, pending.id)
    assert pending.status == "ingetrokken" and pending.withdrawn_at is not None
    assert "Aanvraag intrekken" not in plain(client.get(f"/afwezigheid/verlof/{decided.id}"))
    response = post(client, f"/afwezigheid/verlof/{decided.id}/intrekken", {})
    assert response.status_code == 409 and "Over deze aanvraag is al besloten" in plain(response)
    db.session.expire_all()
    assert db.session.get(LeaveRequest, decided.id).status == "geweigerd"


def test_the_decision_shows_its_reason_and_the_right_to_object(school):
    refused = leave_request([school["sam"]], status="geweigerd", decision_reason="Een verjaardag is geen gewichtige "
                            "omstandigheid.", decided_at=db.func.now())
    forwarded = leave_request([school["lotte"]], status="doorgestuurd", forwarded_at=db.func.now())
    decided_by_officer = leave_request([school["lotte"]], status="toegestaan", forwarded_at=db.func.now(),
                                       decided_at=db.func.now())
    client = school["login_as"](school["mother"])
    page = plain(client.get(f"/afwezigheid/verlof/{refused.id}"))
    assert "Status: Geweigerd" in page and "Een verjaardag is geen gewichtige omstandigheid." in page
    assert "Bent u het niet eens met dit besluit? U kunt binnen 6 weken bezwaar maken bij de directeur van" in page
    page = plain(client.get(f"/afwezigheid/verlof/{forwarded.id}"))
    assert "Status: Bij de leerplichtambtenaar" in page and "doorgestuurd naar de leerplichtambtenaar" in page
    assert "bezwaar maken bij de leerplichtambtenaar" in page
    page = plain(client.get(f"/afwezigheid/verlof/{decided_by_officer.id}"))
    assert "U kunt binnen 6 weken bezwaar maken bij de leerplichtambtenaar van de gemeente" in page
    overview = plain(client.get("/afwezigheid"))
    assert "Status: Geweigerd" in overview and "Status: Bij de leerplichtambtenaar" in overview


def test_another_familys_leave_request_and_statement_are_404(school):
    _, response = apply(school, school["noor"], user=school["other"], first="2027-02-01", last="2027-02-05")
    (request,) = leave_requests()
    client = school["login_as"](school["mother"])
    assert client.get(f"/afwezigheid/verlof/{request.id}").status_code == 404
    assert client.get(f"/afwezigheid/verlof/{request.id}/verklaring").status_code == 404
    assert post(client, f"/afwezigheid/verlof/{request.id}/intrekken", {}).status_code == 404
    assert "Noor" not in plain(client.get("/afwezigheid"))
    bas = school["login_as"](school["bas"])  # a teacher of another group
    assert bas.get(f"/afwezigheid/verlof/{request.id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(LeaveRequest, request.id).status == "ingediend"


def test_another_familys_child_in_the_request_stores_nothing(school):
    _, response = apply(school, school["sam"], school["noor"], kind="gewichtig", first="2026-12-11",
                        last="2026-12-11", statement=False)
    assert response.status_code == 422 and "Kies alleen kinderen uit de lijst." in plain(response)
    assert leave_requests() == []


def test_a_read_only_link_sees_the_request_but_cannot_ask_or_withdraw(school):
    request = leave_request([school["sam"]], by=school["mother"])
    reader = school["login_as"](school["reader"])
    assert reader.get(NEW).status_code == 403
    _, response = apply(school, kind="gewichtig", first="2026-12-11", last="2026-12-11", statement=False,
                        client=reader)
    assert response.status_code == 403
    page = plain(reader.get(f"/afwezigheid/verlof/{request.id}"))
    assert "Status: In behandeling" in page and "Aanvraag intrekken" not in page
    assert post(reader, f"/afwezigheid/verlof/{request.id}/intrekken", {}).status_code == 403
    assert len(leave_requests()) == 1 and leave_requests()[0].status == "ingediend"


# --- bad input --------------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, message", [
    ("kind", "luxe", "Kies een van de mogelijkheden uit de lijst."),
    ("first_day", "99999-01-01", "Vul een geldige datum in, bijvoorbeeld 12-03-2027."),
    ("first_day", "2027-02-31", "Vul een geldige datum in, bijvoorbeeld 12-03-2027."),
    ("last_day", "", "Vul de laatste dag in."),
    ("last_day", "2027-01-29", "De laatste dag ligt vóór de eerste dag."),
    ("first_day", "2026-12-19", "In deze periode zijn geen schooldagen"),
    ("reason", "", "Schrijf waarom u verlof aanvraagt."),
    ("reason", "Bruiloft\x1b[31m", "De reden bevat een teken dat niet in tekst hoort."),
    ("children", str(10**30), "Kies kinderen uit de lijst."),
])
def test_bad_input_gets_a_dutch_message_and_nothing_is_stored(school, field, value, message):
    values = {"kind": "gewichtig", "first": "2027-02-01", "last": "2027-02-03", "reason": "Bruiloft van mijn zus.",
              "statement": False}
    if field == "first_day" and value == "2026-12-19":
        values["last"] = "2026-12-20"
    key = {"first_day": "first", "last_day": "last"}.get(field, field)
    children = ()
    if field == "children":
        children = (value,)
    else:
        values[key] = value
    _, response = apply(school, *children, **values)
    assert response.status_code == 422 and message in plain(response)
    assert leave_requests() == []


def test_a_reason_with_line_breaks_is_kept(school):
    client, response = apply(school, kind="gewichtig", first="2026-12-11", last="2026-12-11", statement=False,
                             reason="Bruiloft van mijn zus.\r\nHet feest is in Groningen.")
    submitted_page(client, response)
    assert leave_requests()[0].reason == "Bruiloft van mijn zus.\nHet feest is in Groningen."


def test_a_nul_byte_is_refused(school):
    _, response = apply(school, kind="gewichtig", reason="Brui\x00loft", statement=False)
    assert response.status_code == 400 and leave_requests() == []

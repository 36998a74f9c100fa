"""Beheer › Afwezigheid: the CSV export for the leerplicht administration (content, the
formula cells neutralised, the period checked) and the settings (times, reasons, holidays).
Pretend clock: Wednesday 2 December 2026, 08:20."""
import csv
import io
from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from app.absence.calendar import absence_settings, holidays
from app.absence.reasons import reasons as offered_reasons
from app.extensions import db
from app.models import AbsenceReason, SchoolHoliday
from tests.absence_staff_data import MONDAY, TODAY, post, school, text  # noqa: F401 (the fixture)
from tests.factories import absence_report, leave_request, school_holiday

EXPORT = "/beheer/afwezigheid/export"
SETTINGS = "/beheer/afwezigheid/instellingen"


def csv_rows(response):
    assert response.status_code == 200, text(response)[:500]
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


def as_dicts(rows):
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def export(client, what="meldingen", first="2026-11-01", last="2026-12-31", group=""):
    return client.get(EXPORT, query_string={"groep": group, "van": first, "tot": last, "soort": what})


# --- the export ------------------------------------------------------------------------------------

def test_the_form_starts_with_this_school_year_until_today(school, login_as):
    page = login_as(school["admin"]).get(EXPORT)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="2026-08-01"' in html and 'value="2026-12-02"' in html
    assert "Alle groepen" in html and "Groep 5" in html


def test_reports_one_row_each_with_the_dutch_columns(school, login_as):
    reasons = school["reasons"]
    absence_report(school["bram"], reasons["Ziek"], start=MONDAY, end=None, note="Griep.", by=school["bram_parent"])
    absence_report(school["cato"], reasons["Te laat"], start=TODAY, end=TODAY, part="ochtend", late=True,
                   by=school["teacher"])
    absence_report(school["dirk"], reasons["Ziek"], start=TODAY, withdrawn_at=datetime(2026, 12, 2, 7))
    rows = csv_rows(export(login_as(school["admin"])))
    assert rows[0] == ["Leerling", "Leerlingnummer", "Groep", "Reden", "Geoorloofd", "Van", "Dagdeel", "Tot en met",
                       "Schooldagen in de periode", "Uren in de periode", "Gemeld door", "Na aanvang", "Toelichting"]
    assert rows[1:] == [
        ["Bramwald Quist", "L0001", "3", "Ziek", "ja", "30-11-2026", "Hele dag", "tot nader bericht", "3", "16,5",
         "ouder", "nee", "Griep."],
        ["Catootje Quist", "L0002", "3", "Te laat", "nee", "02-12-2026", "Ochtend", "02-12-2026", "1", "3", "school",
         "ja", ""],
    ]


def test_school_days_and_hours_count_within_the_period(school, login_as):
    absence_report(school["bram"], school["reasons"]["Ziek"], start=date(2026, 11, 30), end=date(2026, 12, 4),
                   part="middag")
    school_holiday("Studiedag", date(2026, 12, 3), date(2026, 12, 3))
    rows = as_dicts(csv_rows(export(login_as(school["admin"]), first="2026-12-01", last="2026-12-31")))
    assert [(row["Van"], row["Tot en met"], row["Schooldagen in de periode"], row["Uren in de periode"])
            for row in rows] == [("30-11-2026", "04-12-2026", "3", "16,5")]  # 1, 2 and 4 December


def test_a_group_and_its_pupils_only(school, login_as):
    absence_report(school["bram"], school["reasons"]["Ziek"])
    absence_report(school["eva"], school["reasons"]["Ziek"])
    client = login_as(school["admin"])
    rows = as_dicts(csv_rows(export(client, group=str(school["group5"].id))))
    assert [row["Leerling"] for row in rows] == ["Evalien Zwaantje"]
    response = export(client, group=str(school["group5"].id))
    assert "groep-5" in response.headers["Content-Disposition"]
    assert [row["Leerling"] for row in as_dicts(csv_rows(export(client)))] == ["Bramwald Quist", "Evalien Zwaantje"]


def test_leave_one_row_per_request_and_child(school, login_as):
    leave_request([school["bram"], school["cato"]], first=date(2026, 12, 14), last=date(2026, 12, 15),
                  status="toegestaan", decided_at=datetime(2026, 12, 1, 9), decision_reason="Bruiloft.")
    leave_request([school["dirk"]], first=date(2026, 12, 7), last=date(2026, 12, 25), status="geweigerd",
                  forwarded_at=datetime(2026, 11, 20, 9), decided_at=datetime(2026, 11, 27, 9),
                  decision_reason="Te lang.")
    leave_request([school["femke"]], kind="vakantie", first=date(2027, 2, 1), last=date(2027, 2, 5))
    leave_request([school["eva"]], first=date(2026, 12, 14), status="ingetrokken")
    rows = csv_rows(export(login_as(school["admin"]), what="verlof", last="2027-03-01"))
    assert rows[0] == ["Leerling", "Leerlingnummer", "Groep", "Soort verlof", "Van", "Tot en met", "Schooldagen",
                       "Status", "Besluit", "Reden besluit", "Datum besluit"]
    assert rows[1:] == [
        ["Bramwald Quist", "L0001", "3", "Gewichtige omstandigheden", "14-12-2026", "15-12-2026", "2", "Toegestaan",
         "toegestaan door de school", "Bruiloft.", "01-12-2026"],
        ["Catootje Quist", "L0002", "3", "Gewichtige omstandigheden", "14-12-2026", "15-12-2026", "2", "Toegestaan",
         "toegestaan door de school", "Bruiloft.", "01-12-2026"],
        ["Dirkjan Quist", "L0003", "3", "Gewichtige omstandigheden", "07-12-2026", "25-12-2026", "15", "Geweigerd",
         "geweigerd door de leerplichtambtenaar", "Te lang.", "27-11-2026"],
        ["Femkelien Quist", "L0004", "3", "Vakantieverlof", "01-02-2027", "05-02-2027", "5", "In behandeling", "", "",
         ""],
    ]


def test_both_in_one_file_with_a_type_column(school, login_as):
    absence_report(school["bram"], school["reasons"]["Ziek"], end=TODAY)
    leave_request([school["cato"]], first=date(2026, 12, 14), status="toegestaan")
    rows = csv_rows(export(login_as(school["admin"]), what="beide"))
    assert rows[0][:4] == ["Soort regel", "Leerling", "Leerlingnummer", "Groep"]
    assert "Soort verlof" in rows[0] and "Toelichting" in rows[0] and len(set(rows[0])) == len(rows[0])
    table = as_dicts(rows)
    assert [(row["Soort regel"], row["Leerling"]) for row in table] == [("Melding", "Bramwald Quist"),
                                                                       ("Verlof", "Catootje Quist")]
    assert table[0]["Reden"] == "Ziek" and table[0]["Status"] == ""
    assert table[1]["Status"] == "Toegestaan" and table[1]["Reden"] == "" and table[1]["Van"] == "14-12-2026"


def test_formula_cells_are_neutralised(school, login_as):
    school["bram"].first_name = "@Bram"
    db.session.commit()
    absence_report(school["bram"], school["reasons"]["Overig"], note='=HYPERLINK("http://evil.example","klik")')
    absence_report(school["cato"], school["reasons"]["Overig"], note="+31 6 1234")
    absence_report(school["dirk"], school["reasons"]["Overig"], note="-2 dagen")
    absence_report(school["femke"], school["reasons"]["Overig"], note="\tkop")
    leave_request([school["eva"]], first=date(2026, 12, 14), status="geweigerd", decision_reason="=1+1")
    client = login_as(school["admin"])
    notes = {row["Leerling"]: row["Toelichting"] for row in as_dicts(csv_rows(export(client)))}
    assert notes["'@Bram Quist"] == "'=HYPERLINK(\"http://evil.example\",\"klik\")"
    assert notes["Catootje Quist"] == "'+31 6 1234" and notes["Dirkjan Quist"] == "'-2 dagen"
    assert notes["Femkelien Quist"] == "'\tkop"
    leave = as_dicts(csv_rows(export(client, what="verlof")))
    assert leave[0]["Reden besluit"] == "'=1+1"
    body = export(client, what="beide").get_data(as_text=True)
    assert ";=" not in body and ";+" not in body and ";@" not in body and "\n=" not in body


@pytest.mark.parametrize("query, message", [
    ({"van": "2026-12-10", "tot": "2026-12-01"}, "De laatste dag ligt vóór de eerste dag."),
    ({"van": "0001-01-01", "tot": "2026-12-01"}, "Kies een datum vanaf 1 januari 2000"),
    ({"van": "2026-01-01", "tot": "99999-01-01"}, "Vul een geldige datum in"),
    ({"van": "2026-01-01", "tot": "9999-12-31"}, "Kies een datum vanaf 1 januari 2000"),
    ({"van": "2026-02-30", "tot": "2026-12-01"}, "Vul een geldige datum in"),
    ({"van": "", "tot": "2026-12-01"}, "Vul de eerste dag van de periode in."),
    ({"van": "2026-01-01", "tot": "2026-12-01", "groep": "999999"}, "Kies een van de mogelijkheden uit de lijst."),
    ({"van": "2026-01-01", "tot": "2026-12-01", "soort": "alles"}, "Kies een van de mogelijkheden uit de lijst."),
])
def test_the_period_and_choices_are_checked(school, login_as, query, message):
    response = login_as(school["admin"]).get(EXPORT, query_string=query)
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert message in text(response)


def test_the_export_is_the_offices(school, login_as):
    assert login_as(school["teacher"]).get(EXPORT).status_code == 403
    assert export(login_as(school["teacher"])).status_code == 403


# --- settings: times -------------------------------------------------------------------------------

def times(cutoff="08:30", afternoon="12:45", morning="200", afternoon_minutes="120"):
    return {"cutoff": cutoff, "afternoon": afternoon, "minutes_morning": morning,
            "minutes_afternoon": afternoon_minutes}


def test_the_office_sets_the_times(school, login_as):
    client = login_as(school["admin"])
    page = client.get(SETTINGS).get_data(as_text=True)
    assert 'value="08:15"' in page and 'value="13:00"' in page and 'value="180"' in page
    assert post(client, SETTINGS, times(), page=SETTINGS).status_code == 302
    settings = absence_settings()
    assert (settings.cutoff, settings.afternoon, settings.minutes_morning, settings.minutes_afternoon) == (
        time(8, 30), time(12, 45), 200, 120)


@pytest.mark.parametrize("data, message", [
    (times(cutoff="25:00"), "Vul een geldige tijd in, bijvoorbeeld 08:15."),
    (times(cutoff="8.15"), "Vul een geldige tijd in, bijvoorbeeld 08:15."),
    (times(cutoff=""), "Vul een tijd in, bijvoorbeeld 08:15."),
    (times(afternoon="08:00"), "De middag begint na het begin van de schooldag."),
    (times(morning="0"), "Kies een getal van 30 tot en met 480."),
    (times(afternoon_minutes="99999999999999999999"), "Kies een getal van 0 tot en met 480."),
    (times(morning="veel"), "Vul een heel getal in"),
])
def test_bad_times_change_nothing(school, login_as, data, message):
    response = post(login_as(school["admin"]), SETTINGS, data, page=SETTINGS)
    assert response.status_code == 422 and message in text(response)
    assert absence_settings().cutoff == time(8, 15) and absence_settings().minutes_afternoon == 150


# --- settings: reasons -----------------------------------------------------------------------------

def reason_named(name):
    return db.session.scalar(select(AbsenceReason).where(AbsenceReason.name == name))


def test_the_office_adds_a_reason_with_its_flags(school, login_as):
    client = login_as(school["admin"])
    response = post(client, f"{SETTINGS}/redenen", {"name": "Schorsing", "staff_only": "y"}, page=SETTINGS)
    assert response.status_code == 302
    reason = reason_named("Schorsing")
    assert (reason.excused, reason.needs_note, reason.staff_only, reason.active) == (False, False, True, True)
    assert reason.position == max(each.position for each in db.session.scalars(select(AbsenceReason)))
    assert "Schorsing" not in [each.name for each in offered_reasons()]  # parents do not get it
    for name, message in (("ziek", "Er is al een reden ‘ziek’."), ("", "Vul de naam van de reden in."),
                          ("x" * 61, "De naam mag maximaal 60 tekens zijn.")):
        response = post(client, f"{SETTINGS}/redenen", {"name": name, "excused": "y"}, page=SETTINGS)
        assert response.status_code == 422 and message in text(response), name
    assert db.session.scalar(select(func.count(AbsenceReason.id))) == 8


def test_rename_switch_off_and_back_on(school, login_as):
    client = login_as(school["admin"])
    religious = reason_named("Religieuze feestdag")
    url = f"{SETTINGS}/redenen/{religious.id}"
    assert post(client, url, {"name": "Religieuze of culturele feestdag", "excused": "y"}, page=url).status_code == 302
    db.session.refresh(religious)
    assert religious.name == "Religieuze of culturele feestdag" and not religious.active
    assert religious.id not in [each.id for each in offered_reasons()]
    assert "uit" in text(client.get(SETTINGS))
    assert post(client, url, {"name": religious.name, "excused": "y", "active": "y"}, page=url).status_code == 302
    db.session.refresh(religious)
    assert religious.active and religious.id in [each.id for each in offered_reasons()]


def test_parents_always_keep_a_reason(school, login_as):
    client = login_as(school["admin"])
    parents = [each for each in offered_reasons()]
    for reason in parents[:-1]:
        url = f"{SETTINGS}/redenen/{reason.id}"
        assert post(client, url, {"name": reason.name}, page=url).status_code == 302
    last = parents[-1]
    url = f"{SETTINGS}/redenen/{last.id}"
    response = post(client, url, {"name": last.name}, page=url)
    assert response.status_code == 422 and "Ouders moeten minstens één reden kunnen kiezen" in text(response)
    response = post(client, url, {"name": last.name, "active": "y", "staff_only": "y"}, page=url)
    assert response.status_code == 422
    db.session.refresh(last)
    assert last.active and not last.staff_only


def test_reorder_reasons(school, login_as):
    client = login_as(school["admin"])
    doctor = reason_named("Bezoek huisarts of tandarts")
    response = post(client, f"{SETTINGS}/redenen/{doctor.id}/verplaatsen", {"richting": "omhoog"}, page=SETTINGS)
    assert response.status_code == 302
    assert [each.name for each in offered_reasons()][:2] == ["Bezoek huisarts of tandarts", "Ziek"]
    assert post(client, f"{SETTINGS}/redenen/{doctor.id}/verplaatsen", {"richting": "opzij"},
                page=SETTINGS).status_code == 400


def test_a_reason_in_use_is_never_deleted_an_unused_one_may_be(school, login_as):
    client = login_as(school["admin"])
    sick, religious = reason_named("Ziek"), reason_named("Religieuze feestdag")
    absence_report(school["bram"], sick, withdrawn_at=datetime(2026, 12, 2, 7))  # withdrawn still uses it
    assert "Geen enkele melding gebruikt deze reden" not in text(client.get(f"{SETTINGS}/redenen/{sick.id}"))
    response = post(client, f"{SETTINGS}/redenen/{sick.id}/verwijderen", page=SETTINGS)
    assert response.status_code == 302
    assert "‘Ziek’ staat in 1 melding en blijft daarom bestaan." in text(client.get(response.headers["Location"]))
    assert reason_named("Ziek") is not None
    assert post(client, f"{SETTINGS}/redenen/{religious.id}/verwijderen", page=SETTINGS).status_code == 302
    assert reason_named("Religieuze feestdag") is None


# --- settings: holidays ----------------------------------------------------------------------------

def holiday(name="Kerstvakantie", first="2026-12-19", last="2027-01-03"):
    return {"name": name, "first_day": first, "last_day": last}


def test_the_office_adds_and_deletes_holidays(school, login_as):
    client = login_as(school["admin"])
    assert post(client, f"{SETTINGS}/vakanties", holiday(), page=SETTINGS).status_code == 302
    assert holidays() == [(date(2026, 12, 19), date(2027, 1, 3), "Kerstvakantie")]
    assert "Geen school: Kerstvakantie." in text(client.get("/beheer/afwezigheid?dag=2026-12-21"))
    stored = db.session.scalar(select(SchoolHoliday))
    assert post(client, f"{SETTINGS}/vakanties/{stored.id}/verwijderen", page=SETTINGS).status_code == 302
    assert holidays() == []


@pytest.mark.parametrize("data, message", [
    (holiday(first="2027-01-03", last="2026-12-19"), "De laatste dag ligt vóór de eerste dag."),
    (holiday(first="0001-01-01"), "Kies data tussen 2000 en 2099."),
    (holiday(last="99999-01-01"), "Vul een geldige datum in"),
    (holiday(name=""), "Vul de naam van de vakantie in."),
    (holiday(name="x" * 61), "De naam mag maximaal 60 tekens zijn."),
    (holiday(name="Te lang", first="2026-01-01", last="2027-06-01"), "Een vakantie duurt hoogstens een jaar."),
    (holiday(name="Kerst 2", first="2027-01-02", last="2027-01-10"), "overlapt met ‘Kerstvakantie’"),
])
def test_bad_holidays_are_refused(school, login_as, data, message):
    school_holiday("Kerstvakantie", date(2026, 12, 19), date(2027, 1, 3))
    response = post(login_as(school["admin"]), f"{SETTINGS}/vakanties", data, page=SETTINGS)
    assert response.status_code == 422 and message in text(response)
    assert db.session.scalar(select(func.count(SchoolHoliday.id))) == 1


def test_settings_are_the_offices(school, login_as):
    client = login_as(school["teacher"])
    reason = reason_named("Ziek")
    assert client.get(SETTINGS).status_code == 403
    assert client.get(f"{SETTINGS}/redenen/{reason.id}").status_code == 403
    assert post(client, f"{SETTINGS}/redenen", {"name": "Nieuw"}).status_code == 403
    assert post(client, f"{SETTINGS}/vakanties", holiday()).status_code == 403
    assert reason_named("Nieuw") is None and holidays() == []

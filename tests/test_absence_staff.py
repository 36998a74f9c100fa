"""Beheer › Afwezigheid: the teacher's day list, the office's counts per pupil and the DUO
counter, and the office's leave decisions. Pretend clock: Wednesday 2 December 2026, 08:20."""
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.absence import counts
from app.absence.calendar import AbsenceSettings, save_settings
from app.absence.decisions import DecisionRefused, decide
from app.extensions import db
from app.models import AuditEntry, LeaveRequest
from tests.absence_staff_data import (  # noqa: F401 (the fixture)
    MONDAY, PARENT_PHONE, TODAY, post, pretend, school, school_day_before, section, text,
)
from tests.factories import absence_report, leave_request, school_holiday

DAYLIST = "/beheer/afwezigheid"


def group_text(page, group):
    return section(page, f"groep-{group.id}-kop")


# --- the day list: who sees what ---------------------------------------------------------------

def test_a_teacher_sees_only_the_groups_they_teach(school, login_as):
    absence_report(school["bram"], school["reasons"]["Ziek"], note="Koorts sinds gisteravond.")
    absence_report(school["eva"], school["reasons"]["Bezoek huisarts of tandarts"], note="Tandarts om 9 uur.")
    client = login_as(school["teacher"])
    page = client.get(DAYLIST)
    assert page.status_code == 200
    assert "Bramwald Quist" in text(page) and "Koorts sinds gisteravond." in text(page)
    assert "Evalien" not in text(page) and "Tandarts om 9 uur" not in text(page) and "Groep 5" not in text(page)
    assert client.get(f"{DAYLIST}?groep={school['group5'].id}").status_code == 404
    assert client.get(f"{DAYLIST}?groep={school['group3'].id}").status_code == 200
    # The other group's teacher sees nothing of Bram.
    other = text(login_as(school["teacher5"]).get(DAYLIST))
    assert "Bramwald" not in other and "Koorts" not in other and "Evalien Zwaantje" in other


def test_the_office_sees_every_group_in_the_school_order_and_can_filter(school, login_as):
    absence_report(school["eva"], school["reasons"]["Ziek"])
    client = login_as(school["admin"])
    page = text(client.get(DAYLIST))
    assert page.index("Groep 3") < page.index("Groep 5")
    assert "Evalien Zwaantje" in page and "Bramwald Quist" in page
    only5 = text(client.get(f"{DAYLIST}?groep={school['group5'].id}"))
    assert "Evalien Zwaantje" in only5 and "Bramwald" not in only5
    assert client.get(f"{DAYLIST}?groep=999999").status_code == 404


def test_parents_reach_none_of_the_staff_pages(school, login_as):
    client = login_as(school["bram_parent"])
    for path in (DAYLIST, f"{DAYLIST}/leerlingen", f"{DAYLIST}/verlof", f"{DAYLIST}/export",
                 f"{DAYLIST}/instellingen"):
        assert client.get(path).status_code == 403, path


def test_the_list_shows_reason_note_part_late_badge_and_who_reported(school, login_as):
    reasons = school["reasons"]
    absence_report(school["bram"], reasons["Ziek"], note="Buikpijn.", late=True, by=school["bram_parent"])
    absence_report(school["cato"], reasons["Bezoek specialist of ziekenhuis"], part="middag", end=TODAY,
                   by=school["teacher"])
    page = login_as(school["teacher"]).get(DAYLIST)
    bram = group_text(page, school["group3"])
    assert "Bramwald Quist – Ziek na aanvang" in bram
    assert "Toelichting: Buikpijn." in bram and "gemeld door een ouder" in bram
    assert "Catootje Quist – Bezoek specialist of ziekenhuis" in bram
    assert "Middag · alleen 02-12-2026 · gemeld door de school" in bram
    assert bram.count("na aanvang") == 1


def test_an_open_illness_spans_the_days_until_it_ends(school, login_as):
    report = absence_report(school["bram"], school["reasons"]["Ziek"], start=MONDAY)
    client = login_as(school["teacher"])
    for day in (MONDAY, TODAY, date(2026, 12, 7)):
        page = group_text(client.get(f"{DAYLIST}?dag={day.isoformat()}"), school["group3"])
        assert "Bramwald Quist – Ziek" in page, day
        assert "vanaf 30-11-2026, tot nader bericht" in page
    assert "Hele dag" in group_text(client.get(DAYLIST), school["group3"])
    before = client.get(f"{DAYLIST}?dag=2026-11-27")
    assert "Afwezig (0)" in group_text(before, school["group3"])
    report.end_date = TODAY
    db.session.commit()
    after = client.get(f"{DAYLIST}?dag=2026-12-03")
    assert "Afwezig (0)" in group_text(after, school["group3"])


def test_a_withdrawn_report_is_not_shown(school, login_as):
    absence_report(school["bram"], school["reasons"]["Ziek"], withdrawn_at=datetime(2026, 12, 2, 6, 0))
    page = group_text(login_as(school["teacher"]).get(DAYLIST), school["group3"])
    assert "Afwezig (0)" in page and "Niemand afwezig gemeld." in page
    assert "4 van 4 aanwezig" in page


def test_the_present_count_and_the_links(school, login_as):
    report = absence_report(school["bram"], school["reasons"]["Ziek"])
    absence_report(school["cato"], school["reasons"]["Ziek"], part="ochtend", end=TODAY)
    page = login_as(school["teacher"]).get(DAYLIST)
    body = group_text(page, school["group3"])
    html = page.get_data(as_text=True)
    assert "2 van 4 aanwezig" in body and "Afwezig (2)" in body and "Aanwezig (2)" in body
    present = body.split("Aanwezig (2)", 1)[1]
    assert "Dirkjan Quist" in present and "Femkelien Quist" in present and "Bramwald" not in present
    assert f'href="/beheer/afwezigheid/melden?leerling={school["dirk"].id}"' in html
    assert f'href="/beheer/afwezigheid/melden?leerling={school["bram"].id}"' not in html
    assert f'href="/beheer/afwezigheid/melding/{report.id}"' in html


def test_granted_leave_shows_as_verlof_pending_leave_does_not(school, login_as):
    leave_request([school["bram"], school["cato"]], kind="gewichtig", first=TODAY, last=TODAY + timedelta(days=1),
                  status="toegestaan")
    leave_request([school["dirk"]], first=TODAY, status="ingediend")
    body = group_text(login_as(school["teacher"]).get(DAYLIST), school["group3"])
    assert "Bramwald Quist – Verlof Gewichtige omstandigheden" in body
    assert "Catootje Quist – Verlof" in body and "Dirkjan Quist – Verlof" not in body
    assert "2 van 4 aanwezig" in body


def test_a_day_without_school_says_so(school, login_as):
    school_holiday("Kerstvakantie", date(2026, 12, 19), date(2027, 1, 3))
    absence_report(school["bram"], school["reasons"]["Ziek"])
    client = login_as(school["teacher"])
    saturday = text(client.get(f"{DAYLIST}?dag=2026-12-05"))
    assert "Geen school: het is weekend." in saturday and "Bramwald" not in saturday
    holiday = text(client.get(f"{DAYLIST}?dag=2026-12-23"))
    assert "Geen school: Kerstvakantie." in holiday


def test_previous_and_next_school_day_skip_weekends_and_holidays(school, login_as):
    school_holiday("Kerstvakantie", date(2026, 12, 19), date(2027, 1, 3))
    client = login_as(school["teacher"])
    friday = client.get(f"{DAYLIST}?dag=2026-12-18").get_data(as_text=True)
    assert 'href="/beheer/afwezigheid?dag=2027-01-04" rel="next"' in friday
    assert 'href="/beheer/afwezigheid?dag=2026-12-17" rel="prev"' in friday
    monday = client.get(f"{DAYLIST}?dag=2026-12-07").get_data(as_text=True)
    assert 'href="/beheer/afwezigheid?dag=2026-12-04" rel="prev"' in monday


def test_a_bad_day_gets_a_dutch_message_not_a_500(school, login_as):
    client = login_as(school["teacher"])
    for value in ("0001-01-01", "99999", "2026-02-30", "gisteren", "9999-12-31", "2026-12-02%00"):
        response = client.get(f"{DAYLIST}?dag={value}")
        assert response.status_code == 400, value
        if "%00" not in value:
            assert "Kies een datum" in text(response) or "Die datum bestaat niet" in text(response), value


def test_never_a_phone_list(school, login_as):
    absence_report(school["bram"], school["reasons"]["Ziek"], note="Griep.")
    for user in (school["teacher"], school["admin"]):
        html = login_as(user).get(DAYLIST).get_data(as_text=True)
        assert "Bramwald Quist" in html
        for private in (PARENT_PHONE, "Lindelaan", "Hattem", "bramwald@example.nl", school["bram_parent"].email):
            assert private not in html, private


def test_beheer_start_page_shows_today(school, login_as):
    absence_report(school["bram"], school["reasons"]["Ziek"])
    page = login_as(school["teacher"]).get("/beheer/")
    assert "Afwezigheid vandaag 3 van 4 leerlingen aanwezig in uw groep(en); 1 afwezig gemeld." in text(page)
    assert 'href="/beheer/afwezigheid"' in page.get_data(as_text=True)
    office = text(login_as(school["admin"]).get("/beheer/"))
    assert "4 van 5 leerlingen aanwezig in de school" in office

"""Beheer › Afwezigheid: the teacher's day list, the office's counts per pupil and the DUO
counter, and the office's leave decisions. Pretend clock: Wednesday 2 December 2026, 08:20."""
from datetime import date, datetime, timedelta

import pytest
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
        assert response.status_code == (400 if "%00" in value else 422), value
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


# --- counts per pupil and the DUO counter ------------------------------------------------------

def unexcused(child, start, end=None, part="dag", reasons=None, **fields):
    return absence_report(child, reasons["Ongeoorloofd afwezig"], start=start, end=end if end else start, part=part,
                          **fields)


def test_duo_window_is_20_school_days_ending_today_without_holidays(school):
    window = counts.duo_window(TODAY)
    assert len(window) == 20 and window[-1] == TODAY and window[0] == date(2026, 11, 5)
    school_holiday("Herfstweek", date(2026, 11, 16), date(2026, 11, 20))
    window = counts.duo_window(TODAY)
    assert len(window) == 20 and window[0] == date(2026, 10, 29)
    assert not any(date(2026, 11, 16) <= day <= date(2026, 11, 20) for day in window)
    assert counts.duo_window(date(2026, 12, 5))[-1] == date(2026, 12, 4)  # a Saturday: up to Friday


def test_sixteen_hours_exactly_warns_just_under_does_not(school):
    reasons = school["reasons"]
    save_settings(AbsenceSettings(cutoff=datetime(2026, 1, 1, 8, 15).time(), afternoon=datetime(2026, 1, 1, 13).time(),
                                  minutes_morning=240, minutes_afternoon=240))
    db.session.commit()
    unexcused(school["bram"], MONDAY, TODAY - timedelta(days=1), reasons=reasons)  # two whole days: 2 × 8 hours
    assert counts.unexcused_minutes([school["bram"].id], TODAY) == {school["bram"].id: 960}
    assert school["bram"].id in counts.duo_warnings(today=TODAY)
    save_settings(AbsenceSettings(cutoff=datetime(2026, 1, 1, 8, 15).time(), afternoon=datetime(2026, 1, 1, 13).time(),
                                  minutes_morning=240, minutes_afternoon=239))
    db.session.commit()
    assert counts.unexcused_minutes(today=TODAY) == {school["bram"].id: 958}
    assert counts.duo_warnings(today=TODAY) == {}
    assert counts.hours_label(958) == "15,9" and counts.hours_label(960) == "16"


def test_only_unexcused_reports_in_the_window_count(school):
    reasons = school["reasons"]
    absence_report(school["bram"], reasons["Ziek"], start=MONDAY, end=TODAY)  # excused: not counted
    marked = absence_report(school["bram"], reasons["Ziek"], start=MONDAY, end=TODAY)
    marked.excused = False  # staff marked it ongeoorloofd
    db.session.commit()
    unexcused(school["bram"], date(2026, 11, 4), reasons=reasons)  # before the window: not counted
    unexcused(school["bram"], date(2026, 12, 3), reasons=reasons)  # tomorrow: not yet
    unexcused(school["cato"], TODAY, part="middag", reasons=reasons)
    unexcused(school["dirk"], MONDAY, reasons=reasons, withdrawn_at=datetime(2026, 11, 30, 7))  # withdrawn
    assert counts.unexcused_minutes(today=TODAY) == {school["bram"].id: 3 * 330, school["cato"].id: 150}


def test_holidays_in_the_window_do_not_count_and_lengthen_it(school):
    reasons = school["reasons"]
    unexcused(school["bram"], date(2026, 11, 2), reasons=reasons)
    assert counts.unexcused_minutes(today=TODAY) == {}
    school_holiday("Herfstweek", date(2026, 11, 16), date(2026, 11, 20))
    unexcused(school["cato"], date(2026, 11, 16), date(2026, 11, 20), reasons=reasons)  # all in the holiday
    assert counts.unexcused_minutes(today=TODAY) == {school["bram"].id: 330}


def test_open_unexcused_absence_counts_until_today(school):
    absence_report(school["bram"], school["reasons"]["Ongeoorloofd afwezig"], start=MONDAY, end=None)
    assert counts.unexcused_minutes(today=TODAY) == {school["bram"].id: 3 * 330}


def test_the_counts_page_lists_warnings_first_with_the_advice(school, login_as):
    reasons = school["reasons"]
    absence_report(school["femke"], reasons["Ongeoorloofd afwezig"], start=date(2026, 11, 23), end=TODAY)  # 8 days
    absence_report(school["bram"], reasons["Ziek"], start=date(2026, 11, 2), end=date(2026, 11, 3))
    absence_report(school["bram"], reasons["Ziek"], start=MONDAY, part="middag", end=None)  # open: until today
    leave_request([school["bram"]], first=date(2027, 1, 11), last=date(2027, 1, 12), status="toegestaan")
    leave_request([school["bram"]], first=date(2027, 2, 8), status="geweigerd")
    page = login_as(school["admin"]).get(f"{DAYLIST}/leerlingen")
    assert page.status_code == 200
    body = text(page)
    assert "1 leerling met 16 uur of meer ongeoorloofd verzuim in vier schoolweken." in body
    assert "Meld dit binnen 5 schooldagen bij DUO (verzuimloket)" in body
    rows = body.split("Ongeoorloofd (4 weken)", 1)[1]
    assert rows.index("Femkelien Quist") < rows.index("Bramwald Quist")
    assert "Femkelien Quist Groep 3 1 8 0 44 uur melden bij DUO" in rows
    assert "Bramwald Quist Groep 3 2 4,5 2 0 uur" in rows
    assert 'class="duo-warning"' in page.get_data(as_text=True)
    # The day list tells the office how many warnings there are; a teacher does not see it.
    assert "1 leerling met 16 uur of meer ongeoorloofd verzuim" in text(login_as(school["admin"]).get(DAYLIST))
    assert "ongeoorloofd verzuim" not in text(login_as(school["teacher"]).get(DAYLIST))


def test_the_counts_page_filters_by_group_and_school_year(school, login_as):
    absence_report(school["eva"], school["reasons"]["Ziek"], start=date(2025, 10, 6), end=date(2025, 10, 7))
    client = login_as(school["admin"])
    page = text(client.get(f"{DAYLIST}/leerlingen?groep={school['group5'].id}&schooljaar=2025-2026"))
    assert "Evalien Zwaantje Groep 5 1 2 0" in page and "Bramwald" not in page
    assert "Ongeoorloofd (4 weken)" not in page  # the DUO counter is about now
    assert client.get(f"{DAYLIST}/leerlingen?schooljaar=1999-2000").status_code == 404
    assert client.get(f"{DAYLIST}/leerlingen?groep=999999").status_code == 404
    assert login_as(school["teacher"]).get(f"{DAYLIST}/leerlingen").status_code == 403


# --- leave: the list and the decisions ---------------------------------------------------------

LEAVE = f"{DAYLIST}/verlof"


class Recorded:
    """events.leave_decided and send_at_once as a test sees them: leave_decided gets the request
    with its new status while the decision is not committed yet (the notice goes in the same
    transaction); send_at_once comes after the commit."""

    def __init__(self, monkeypatch):
        from app.absence import events

        self.decided, self.sent = [], 0
        monkeypatch.setattr(events, "leave_decided", self._decided)
        monkeypatch.setattr(events, "send_at_once", self._sent)

    def _decided(self, request, actor):
        with db.engine.connect() as other:
            committed = other.scalar(select(LeaveRequest.status).where(LeaveRequest.id == request.id))
        self.decided.append((request.id, request.status, actor.id, committed))

    def _sent(self):
        self.sent += 1


def decide_post(client, leave, action, reason="Past binnen de regels.", seen=None):
    data = {"action": action, "reason": reason, "seen_status": seen or leave.status}
    return post(client, f"{LEAVE}/{leave.id}", data, page=f"{LEAVE}/{leave.id}")


def audit_actions():
    return sorted((entry.subject_id, entry.action) for entry in db.session.scalars(select(AuditEntry)))


def test_the_list_shows_pending_first_then_decided_this_year(school, login_as):
    forwarded = leave_request([school["dirk"]], first=date(2027, 1, 11), last=date(2027, 1, 29), status="doorgestuurd",
                              forwarded_at=datetime(2026, 11, 20, 9))
    pending = leave_request([school["bram"], school["cato"]], kind="vakantie", first=date(2027, 2, 1),
                            last=date(2027, 2, 12), checks=[{"code": "notice", "text": "Ten minste 8 weken van tevoren."}])
    decided = leave_request([school["femke"]], first=date(2026, 11, 9), status="geweigerd",
                            decided_at=datetime(2026, 11, 6, 10), decision_reason="Geen gewichtige omstandigheid.")
    leave_request([school["eva"]], first=date(2025, 10, 6), status="toegestaan", decided_at=datetime(2025, 10, 1))
    leave_request([school["eva"]], first=date(2026, 12, 14), status="ingetrokken")
    page = login_as(school["admin"]).get(LEAVE)
    body = text(page)
    open_part, decided_part = body.split("Besloten dit schooljaar", 1)
    assert open_part.index("Bramwald Quist, Catootje Quist") < open_part.index("Dirkjan Quist")
    assert "Nog te beslissen (2)" in open_part and "Besloten dit schooljaar (1)" in body
    assert "Ten minste 8 weken van tevoren." in open_part
    assert "Deze aanvraag voldoet niet aan deze regel van de Leerplichtwet." in open_part
    assert "Femkelien Quist" in decided_part and "Geen gewichtige omstandigheid." in decided_part
    assert "Evalien" not in body  # another school year's decision, and a withdrawn request
    html = page.get_data(as_text=True)
    for leave in (forwarded, pending, decided):
        assert f'href="/beheer/afwezigheid/verlof/{leave.id}"' in html


def test_the_days_already_used_per_child_this_school_year(school, login_as):
    leave_request([school["bram"]], first=date(2026, 10, 5), last=date(2026, 10, 7), status="toegestaan")  # 3 days
    leave_request([school["bram"]], first=date(2026, 11, 2), status="geweigerd")  # does not count
    asked = leave_request([school["bram"], school["cato"]], first=date(2027, 1, 11), last=date(2027, 1, 12))
    body = text(login_as(school["admin"]).get(f"{LEAVE}/{asked.id}"))
    assert "Al geteld dit schooljaar Bramwald: 3 schooldagen gewichtige omstandigheden (1 andere aanvraag); " \
           "Catootje: 0 schooldagen gewichtige omstandigheden" in body


def test_the_office_grants_with_a_reason(school, login_as, monkeypatch):
    events = Recorded(monkeypatch)
    leave = leave_request([school["bram"], school["cato"]], first=date(2027, 1, 11))
    client = login_as(school["admin"])
    response = decide_post(client, leave, "toestaan", "Bruiloft van een oom: toegestaan.")
    assert response.status_code == 302
    db.session.refresh(leave)
    assert leave.status == "toegestaan" and leave.decision_reason == "Bruiloft van een oom: toegestaan."
    assert leave.decided_by_id == school["admin"].id and leave.decided_at is not None
    assert audit_actions() == sorted([(school["bram"].id, "verlof toegestaan"), (school["cato"].id, "verlof toegestaan")])
    assert events.decided == [(leave.id, "toegestaan", school["admin"].id, "ingediend")] and events.sent == 1
    page = text(client.get(response.headers["Location"]))
    assert "Het verlof voor Bramwald, Catootje is toegestaan." in page and "Status Toegestaan" in page
    assert "Besluit opslaan" not in page  # decided: no form any more


def test_the_office_refuses_with_a_reason(school, login_as, monkeypatch):
    events = Recorded(monkeypatch)
    leave = leave_request([school["bram"]], kind="vakantie", first=date(2027, 2, 1),
                          checks=[{"code": "notice", "text": "Te laat aangevraagd."}])
    client = login_as(school["admin"])
    page = text(client.get(f"{LEAVE}/{leave.id}"))
    assert "Te laat aangevraagd." in page and "Doorsturen naar de leerplichtambtenaar" not in page
    assert decide_post(client, leave, "weigeren", "De werkgeversverklaring ontbreekt.").status_code == 302
    db.session.refresh(leave)
    assert leave.status == "geweigerd" and leave.decision_reason == "De werkgeversverklaring ontbreekt."
    assert audit_actions() == [(school["bram"].id, "verlof geweigerd")]
    assert events.decided[0][1] == "geweigerd" and events.sent == 1


def test_a_request_that_breaks_a_rule_may_still_be_granted(school, login_as):
    leave = leave_request([school["bram"]], kind="vakantie", first=date(2027, 1, 4), last=date(2027, 1, 22),
                          checks=[{"code": "max_days", "text": "Ten hoogste 10 schooldagen."}])
    client = login_as(school["admin"])
    assert decide_post(client, leave, "toestaan", "Bijzondere situatie, besloten door de directeur.").status_code == 302
    db.session.refresh(leave)
    assert leave.status == "toegestaan"
    assert "Ten hoogste 10 schooldagen." in text(client.get(f"{LEAVE}/{leave.id}"))


def test_forwarding_and_then_the_attendance_officers_decision(school, login_as, monkeypatch):
    events = Recorded(monkeypatch)
    leave = leave_request([school["bram"]], first=date(2027, 1, 11), last=date(2027, 1, 29),
                          checks=[{"code": "attendance_officer", "text": "Meer dan 10 schooldagen."}])
    client = login_as(school["admin"])
    page = text(client.get(f"{LEAVE}/{leave.id}"))
    assert "stuur de aanvraag door" in page
    response = decide_post(client, leave, "doorsturen", "Meer dan 10 dagen: voor de leerplichtambtenaar.")
    assert response.status_code == 302
    db.session.refresh(leave)
    assert leave.status == "doorgestuurd" and leave.forwarded_at is not None and leave.decided_at is None
    assert "doorgestuurd naar de leerplichtambtenaar" in text(client.get(response.headers["Location"]))
    page = text(client.get(f"{LEAVE}/{leave.id}"))
    assert "Besluit van de leerplichtambtenaar vastleggen" in page
    assert "De leerplichtambtenaar heeft het verlof toegestaan" in page
    response = decide_post(client, leave, "weigeren", "De leerplichtambtenaar: geen reden voor zo lang verlof.")
    assert response.status_code == 302
    db.session.refresh(leave)
    assert leave.status == "geweigerd" and leave.decided_at is not None
    assert "(besluit van de leerplichtambtenaar)" in text(client.get(f"{LEAVE}/{leave.id}"))
    assert audit_actions() == [(school["bram"].id, "verlof doorgestuurd"), (school["bram"].id, "verlof geweigerd")]
    assert [status for _, status, _, _ in events.decided] == ["doorgestuurd", "geweigerd"] and events.sent == 2


def test_vacation_leave_cannot_be_forwarded(school, login_as):
    leave = leave_request([school["bram"]], kind="vakantie", first=date(2027, 2, 1))
    response = decide_post(login_as(school["admin"]), leave, "doorsturen")
    assert response.status_code == 422 and "Kies een van de mogelijkheden uit de lijst." in text(response)
    db.session.refresh(leave)
    assert leave.status == "ingediend" and audit_actions() == []


def test_a_decision_needs_a_written_reason(school, login_as):
    leave = leave_request([school["bram"]], first=date(2027, 1, 11))
    client = login_as(school["admin"])
    for reason, message in (("", "Schrijf de reden van het besluit op"), ("   ", "Schrijf de reden van het besluit op"),
                            ("x" * 2001, "De reden mag maximaal 2000 tekens zijn.")):
        response = decide_post(client, leave, "weigeren", reason)
        assert response.status_code == 422 and message in text(response)
    response = post(client, f"{LEAVE}/{leave.id}", {"reason": "Een reden."}, page=f"{LEAVE}/{leave.id}")
    assert response.status_code == 422 and "Kies een besluit." in text(response)
    db.session.refresh(leave)
    assert leave.status == "ingediend" and audit_actions() == []


def test_not_decided_twice_nor_when_withdrawn(school, login_as):
    decided = leave_request([school["bram"]], first=date(2027, 1, 11), status="toegestaan",
                            decision_reason="Eerste besluit.")
    withdrawn = leave_request([school["cato"]], first=date(2027, 1, 11), status="ingetrokken")
    client = login_as(school["admin"])
    response = decide_post(client, decided, "weigeren", "Tweede besluit.", seen="ingediend")
    assert response.status_code == 422 and "Over deze aanvraag is al beslist (toegestaan). Er is niets gewijzigd." in text(response)
    response = decide_post(client, withdrawn, "toestaan", seen="ingediend")
    assert response.status_code == 422 and "De ouder heeft deze aanvraag ingetrokken." in text(response)
    db.session.refresh(decided)
    db.session.refresh(withdrawn)
    assert (decided.status, decided.decision_reason) == ("toegestaan", "Eerste besluit.")
    assert withdrawn.status == "ingetrokken" and audit_actions() == []


def test_a_page_that_saw_another_status_decides_nothing(school, login_as):
    """The office opened the request while it was new; meanwhile a colleague forwarded it."""
    leave = leave_request([school["bram"]], first=date(2027, 1, 11), status="doorgestuurd")
    response = decide_post(login_as(school["admin"]), leave, "toestaan", seen="ingediend")
    assert response.status_code == 422 and "intussen doorgestuurd naar de leerplichtambtenaar" in text(response)
    db.session.refresh(leave)
    assert leave.status == "doorgestuurd"


def test_a_concurrent_decision_does_not_overwrite_the_first(school):
    """Compare-and-set: the request was decided by someone else after this one was loaded."""
    leave = leave_request([school["bram"]], first=date(2027, 1, 11))
    assert leave.status == "ingediend"  # loaded in this session
    with db.engine.begin() as other:  # another request's transaction, committed
        other.execute(LeaveRequest.__table__.update().where(LeaveRequest.id == leave.id)
                      .values(status="geweigerd", decision_reason="Eerste besluit."))
    try:
        decide(leave, school["admin"], "toestaan", "Tweede besluit.")
    except DecisionRefused as exc:
        assert "al beslist (geweigerd)" in str(exc)
    else:
        raise AssertionError("the second decision was taken")
    db.session.expire_all()
    stored = db.session.get(LeaveRequest, leave.id)
    assert (stored.status, stored.decision_reason) == ("geweigerd", "Eerste besluit.")
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_teachers_and_parents_cannot_decide(school, login_as):
    leave = leave_request([school["bram"]], first=date(2027, 1, 11))
    teacher = login_as(school["teacher"])
    assert teacher.get(LEAVE).status_code == 403
    assert teacher.get(f"{LEAVE}/{leave.id}").status_code == 403
    assert decide_post(teacher, leave, "toestaan").status_code == 403
    parent = login_as(school["bram_parent"])
    assert parent.get(f"{LEAVE}/{leave.id}").status_code == 403
    assert decide_post(parent, leave, "toestaan").status_code == 403
    db.session.refresh(leave)
    assert leave.status == "ingediend"
    assert login_as(school["admin"]).get(f"{LEAVE}/999999").status_code == 404


def test_the_statement_link_is_on_the_decision_page(school, login_as):
    leave = leave_request([school["bram"]], kind="vakantie", first=date(2027, 2, 1), statement_stored="abc.pdf",
                          statement_name="werkgever.pdf", statement_mime="application/pdf")
    page = login_as(school["admin"]).get(f"{LEAVE}/{leave.id}")
    assert f'href="/beheer/afwezigheid/verlof/{leave.id}/verklaring"' in page.get_data(as_text=True)
    assert "werkgever.pdf downloaden" in text(page)


@pytest.mark.postgres_only
def test_ten_decisions_at_once_one_wins(app, live_server, school):
    """Ten office sessions decide the same request at the same moment (PostgreSQL: real
    concurrency); exactly one decision is taken, the others are told and change nothing."""
    from tests.factories import AdminFactory
    from tests.test_meetings_concurrency import Browser, run_at_once

    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (run with TEST_DATABASE_URL); deselected on SQLite runs")
    app.config["LOGIN_LIMIT_PER_IP"] = app.config["LOGIN_LIMIT_PER_ADDRESS"] = "1000 per minute"
    leave_id = leave_request([school["bram"]], first=date(2027, 1, 11)).id
    page = f"{LEAVE}/{leave_id}"
    jobs = []
    for index in range(10):
        browser = Browser(live_server.url).login(AdminFactory())
        data = {"action": "toestaan" if index % 2 else "weigeren", "reason": f"Besluit {index}.",
                "seen_status": "ingediend", "csrf_token": browser.csrf(page)}
        jobs.append(lambda browser=browser, data=data: browser.request(page, data))
    db.session.commit()
    db.session.remove()

    results = run_at_once(jobs)

    statuses = [status for status, _ in results]
    assert statuses.count(302) == 1 and statuses.count(422) == 9, statuses
    assert all("al beslist" in html for status, html in results if status == 422)
    stored = db.session.get(LeaveRequest, leave_id)
    winner = statuses.index(302)
    assert stored.decision_reason == f"Besluit {winner}."
    assert stored.status == ("toegestaan" if winner % 2 else "geweigerd")
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 1

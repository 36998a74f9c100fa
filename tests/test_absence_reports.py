"""Ziekmelden, the parents' side and the staff's report pages, each rule with a pretend
clock (Wednesday 2 December 2026, cut-off 08:15): the late mark at the cut-off and in the
afternoon, change and withdraw before and after the start, at most one open report per
child, "weer beter" before and after the cut-off, the note and the reasons, who may
report what (another family, a read-only link, a teacher of another group), bad input,
Home and the page cache."""
import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from app.absence import events, reports as services
from app.extensions import db
from app.models import AbsenceReport, AuditEntry
from tests.absence_family import WEDNESDAY, make_family, post, pretend, reports
from tests.factories import absence_report, school_holiday

NEW = "/afwezigheid/melden"


@pytest.fixture
def school(app, login_as, monkeypatch):
    pretend(app, "2026-12-02 08:00")
    data = make_family()
    data["login_as"] = login_as
    data["app"] = app
    data["notices"] = notices = []
    monkeypatch.setattr(events, "report_changed",
                        lambda report, actor, change: notices.append((report.child.first_name, change)))
    return data


def plain(response):
    html = response.get_data(as_text=True)
    main = re.search(r"<main[^>]*>(.*)</main>", html, re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", main.group(1) if main else html)))


def form(school, *children, reason="Ziek", start=WEDNESDAY, part="dag", end=None, open_ended=False, note=""):
    data = {"children": [str(getattr(child, "id", child)) for child in children],
            "reason": str(school["reasons"][reason].id) if reason in school["reasons"] else reason,
            "note": note, "start_date": start if isinstance(start, str) else start.isoformat(), "part": part,
            "end_date": "" if end is None else (end if isinstance(end, str) else end.isoformat())}
    if open_ended:
        data["open_ended"] = "y"
    return data


def report_as(school, user, *children, **fields):
    client = school["login_as"](user)
    return client, post(client, NEW, form(school, *children, **fields), form_page=NEW)


def flash_after(client, response):
    assert response.status_code == 302, plain(response)[:600]
    return plain(client.get(response.headers["Location"]))


# --- the cut-off: "na aanvang" ---------------------------------------------------------------

@pytest.mark.parametrize("moment, late", [("08:14", False), ("08:15", True), ("08:16", True)])
def test_a_report_for_today_after_the_cutoff_is_marked_late(school, moment, late):
    pretend(school["app"], f"2026-12-02 {moment}")
    client, response = report_as(school, school["mother"], school["sam"], open_ended=True)
    page = flash_after(client, response)
    assert "De afwezigheid van Sam is gemeld: Ziek, vanaf woensdag 2 december 2026, tot nader bericht." in page
    told = "De melding is na aanvang van de schooldag gedaan; de leerkracht krijgt haar direct."
    assert (told in page) is late
    report = db.session.scalar(select(AbsenceReport))
    assert report.late is late and report.school_year == "2026-2027" and report.excused is True
    assert not report.by_staff and report.reported_by_id == school["mother"].id
    assert ("na aanvang gemeld" in page) is late


@pytest.mark.parametrize("moment, late", [("12:59", False), ("13:00", True)])
def test_from_the_afternoon_the_afternoon_start_counts(school, moment, late):
    pretend(school["app"], f"2026-12-02 {moment}")
    report_as(school, school["mother"], school["sam"], part="middag")
    assert db.session.scalar(select(AbsenceReport)).late is late


def test_a_whole_day_reported_at_noon_is_late_and_tomorrow_is_not(school):
    pretend(school["app"], "2026-12-02 12:00")
    report_as(school, school["mother"], school["sam"])
    report_as(school, school["mother"], school["lotte"], start=WEDNESDAY + timedelta(days=1))
    late = {r.child.first_name: r.late for r in db.session.scalars(select(AbsenceReport))}
    assert late == {"Sam": True, "Lotte": False}


# --- the form: children, reasons, note, dates ------------------------------------------------

def test_the_form_offers_the_parents_reasons_in_order_and_ticks_an_only_child(school):
    client = school["login_as"](school["mother"])
    html = client.get(NEW).get_data(as_text=True)
    names = re.findall(r'<label for="reason-\d+">([^<]+)</label>', html)
    assert names == ["Ziek", "Bezoek huisarts of tandarts", "Bezoek specialist of ziekenhuis", "Religieuze feestdag",
                     "Overig"]
    assert "<legend>Voor wie meldt u?</legend>" in html and "<legend>Reden</legend>" in html
    assert 'value="2026-12-02"' in html  # "Vanaf" today by default
    assert not re.search(r'name="children" value="\d+" id="leerling-\d+" checked', html)  # two children: none ticked
    chosen = client.get(f"{NEW}?leerling={school['lotte'].id}").get_data(as_text=True)
    assert re.findall(r'name="children" value="(\d+)" id="leerling-\d+" checked', chosen) == [str(school["lotte"].id)]
    noor_parent = school["login_as"](school["other"])
    assert re.search(r'name="children" value="%d" id="leerling-%d" checked' % ((school["noor"].id,) * 2),
                     noor_parent.get(NEW).get_data(as_text=True))


def test_two_children_at_once_give_one_report_each_with_audit_and_notices(school):
    client, response = report_as(school, school["mother"], school["sam"], school["lotte"], open_ended=True)
    assert "De afwezigheid van Lotte en Sam is gemeld" in flash_after(client, response)
    assert reports() == [("Lotte", "Ziek", WEDNESDAY, "dag", None, False), ("Sam", "Ziek", WEDNESDAY, "dag", None, False)]
    assert sorted(school["notices"]) == [("Lotte", "nieuw"), ("Sam", "nieuw")]
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "afwezigheid gemeld")).all()
    assert sorted(entry.subject_id for entry in audit) == sorted([school["sam"].id, school["lotte"].id])
    assert all(entry.subject_type == "child" and "reason" in entry.fields for entry in audit)


def test_overig_needs_a_note(school):
    _, response = report_as(school, school["mother"], school["sam"], reason="Overig")
    assert response.status_code == 422
    assert "Schrijf bij ‘Overig’ in de toelichting waarom uw kind afwezig is." in plain(response)
    assert reports() == []
    client, response = report_as(school, school["mother"], school["sam"], reason="Overig",
                                 note="Opa wordt 80.\nWe zijn de hele dag in Zwolle.")
    flash_after(client, response)
    assert db.session.scalar(select(AbsenceReport.note)) == "Opa wordt 80.\nWe zijn de hele dag in Zwolle."


def test_a_staff_only_reason_is_refused_for_parents(school):
    for name in ("Ongeoorloofd afwezig", "Te laat"):
        _, response = report_as(school, school["mother"], school["sam"], reason=name)
        assert response.status_code == 422 and "Kies een van de mogelijkheden uit de lijst." in plain(response)
    with pytest.raises(services.AbsenceRefused, match="Kies een reden uit de lijst"):
        services.create_reports(school["mother"], [school["sam"]], school["reasons"]["Te laat"], "", WEDNESDAY,
                                "dag", WEDNESDAY)
    assert reports() == []


def test_a_switched_off_reason_is_refused(school):
    school["reasons"]["Religieuze feestdag"].active = False
    db.session.commit()
    _, response = report_as(school, school["mother"], school["sam"], reason="Religieuze feestdag")
    assert response.status_code == 422 and reports() == []


def test_only_the_morning_is_one_day(school):
    _, response = report_as(school, school["mother"], school["sam"], reason="Bezoek huisarts of tandarts",
                            part="ochtend", open_ended=True)
    assert response.status_code == 422 and "Alleen de ochtend kan voor één dag" in plain(response)
    _, response = report_as(school, school["mother"], school["sam"], part="ochtend", end=WEDNESDAY + timedelta(days=1))
    assert response.status_code == 422 and reports() == []
    client, response = report_as(school, school["mother"], school["sam"], reason="Bezoek huisarts of tandarts",
                                 part="ochtend")
    assert "(alleen de ochtend), alleen op woensdag 2 december 2026" in flash_after(client, response)
    assert reports() == [("Sam", "Bezoek huisarts of tandarts", WEDNESDAY, "ochtend", WEDNESDAY, False)]


@pytest.mark.parametrize("start, end, message", [
    ("2026-12-01", "", "De eerste dag ligt in het verleden."),
    ("2027-12-10", "", "Kies een eerste dag binnen een jaar vanaf vandaag."),
    ("2026-12-04", "2026-12-03", "De laatste dag ligt vóór de eerste dag."),
    ("2026-12-05", "2026-12-06", "In deze periode zijn geen schooldagen"),
    ("99999-01-01", "", "Vul een geldige datum in, bijvoorbeeld 12-03-2027."),
    ("2027-02-31", "", "Vul een geldige datum in, bijvoorbeeld 12-03-2027."),
    ("2026-12-02", "0001-01-01", "De laatste dag ligt vóór de eerste dag."),
])
def test_dates_a_parent_cannot_report(school, start, end, message):
    _, response = report_as(school, school["mother"], school["sam"], start=start, end=end)
    assert response.status_code == 422 and message in plain(response)
    assert reports() == []


def test_both_an_end_and_until_further_notice_is_asked_again(school):
    _, response = report_as(school, school["mother"], school["sam"], end=WEDNESDAY, open_ended=True)
    assert response.status_code == 422 and "niet allebei" in plain(response) and reports() == []


@pytest.mark.parametrize("field, value, message", [
    ("reason", "999", "Kies een van de mogelijkheden uit de lijst."),
    ("reason", str(10**30), "Kies een van de mogelijkheden uit de lijst."),
    ("reason", "", "Kies een reden."),
    ("children", str(10**30), "Kies kinderen uit de lijst."),
    ("children", [], "Kies voor welk kind u de afwezigheid meldt."),
    ("note", "Koorts\x07", "De toelichting bevat een teken dat niet in tekst hoort."),
    ("note", "x" * 501, "De toelichting mag maximaal 500 tekens zijn."),
    ("part", "avond", "Kies een van de mogelijkheden uit de lijst."),
])
def test_bad_input_gets_a_dutch_message_and_nothing_is_stored(school, field, value, message):
    client = school["login_as"](school["mother"])
    data = form(school, school["sam"])
    data[field] = value
    response = post(client, NEW, data, form_page=NEW)
    assert response.status_code == 422 and message in plain(response)
    assert reports() == []


def test_a_nul_byte_is_refused_before_the_form(school):
    client = school["login_as"](school["mother"])
    response = post(client, NEW, form(school, school["sam"], note="Ko\x00orts"), form_page=NEW)
    assert response.status_code == 400 and "nul-teken" in plain(response)
    assert reports() == []


# --- at most one open report per child ----------------------------------------------------------

def test_a_report_overlapping_another_is_refused_naming_the_child(school):
    absence_report(school["lotte"], start=WEDNESDAY, end=WEDNESDAY + timedelta(days=2))
    _, response = report_as(school, school["mother"], school["lotte"], start=WEDNESDAY + timedelta(days=2))
    assert response.status_code == 422
    assert ("Voor Lotte loopt al een melding vanaf woensdag 2 december 2026 tot en met vrijdag 4 december 2026."
            in plain(response))
    assert len(reports()) == 1
    # The day after it is free.
    client, response = report_as(school, school["mother"], school["lotte"], start=date(2026, 12, 7))
    flash_after(client, response)
    assert len(reports()) == 2


def test_a_second_open_report_is_refused(school):
    absence_report(school["lotte"], start=WEDNESDAY, end=None)
    _, response = report_as(school, school["mother"], school["lotte"], start=date(2027, 1, 11), open_ended=True)
    assert response.status_code == 422
    assert "Voor Lotte loopt al een melding vanaf woensdag 2 december 2026 tot nader bericht." in plain(response)
    assert len(reports()) == 1


def test_a_withdrawn_report_does_not_count(school):
    absence_report(school["lotte"], start=WEDNESDAY, end=None, withdrawn_at=db.func.now())
    client, response = report_as(school, school["mother"], school["lotte"], open_ended=True)
    flash_after(client, response)
    assert [row[-1] for row in reports()] == [True, False]


def test_two_children_where_one_has_a_report_store_nothing(school):
    absence_report(school["sam"], start=WEDNESDAY, end=None)
    _, response = report_as(school, school["mother"], school["sam"], school["lotte"], open_ended=True)
    assert response.status_code == 422
    page = plain(response)
    assert "Voor Sam loopt al een melding" in page and "Voor Lotte" not in page
    assert reports() == [("Sam", "Ziek", WEDNESDAY, "dag", None, False)]
    assert school["notices"] == []


def test_a_morning_at_the_dentist_and_an_illness_from_the_afternoon_fit_one_day(school):
    report_as(school, school["mother"], school["sam"], reason="Bezoek huisarts of tandarts", part="ochtend")
    client, response = report_as(school, school["mother"], school["sam"], part="middag", open_ended=True)
    flash_after(client, response)
    assert len(reports()) == 2
    # ... but not a whole day on top of the morning.
    _, response = report_as(school, school["mother"], school["sam"], start=WEDNESDAY)
    assert response.status_code == 422


# --- change and withdraw: until the report starts -------------------------------------------------

def _edit_data(report, **changes):
    data = {"reason": str(report.reason_id), "note": report.note, "start_date": report.start_date.isoformat(),
            "part": report.part, "end_date": report.end_date.isoformat() if report.end_date else ""}
    if report.end_date is None:
        data["open_ended"] = "y"
    data.update(changes)
    return data


def test_a_parent_changes_and_withdraws_a_report_before_it_starts(school):
    report = absence_report(school["sam"], start=WEDNESDAY + timedelta(days=1), end=None, by=school["mother"])
    client = school["login_as"](school["mother"])
    overview = plain(client.get("/afwezigheid"))
    assert "Wijzigen" in overview and "Intrekken" in overview and "Weer beter melden" not in overview
    path = f"/afwezigheid/{report.id}/wijzigen"
    response = post(client, path, _edit_data(report, open_ended="", end_date="2026-12-04"), form_page=path)
    assert "De melding voor Sam is gewijzigd: Ziek, vanaf donderdag 3 december 2026, tot en met vrijdag 4 december " \
           "2026." in flash_after(client, response)
    assert school["notices"] == [("Sam", "gewijzigd")]
    response = post(client, f"/afwezigheid/{report.id}/intrekken", {})
    assert "is ingetrokken" in flash_after(client, response)
    assert reports()[0][-1] is True and school["notices"][-1] == ("Sam", "ingetrokken")
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["afwezigheid gewijzigd", "afwezigheid ingetrokken"]


@pytest.mark.parametrize("moment", ["2026-12-02 08:15", "2026-12-02 10:00"])
def test_after_the_start_a_parent_can_no_longer_change_or_withdraw(school, moment):
    report = absence_report(school["sam"], start=WEDNESDAY, end=None, by=school["mother"])
    pretend(school["app"], moment)
    client = school["login_as"](school["mother"])
    overview = plain(client.get("/afwezigheid"))
    assert "Weer beter melden" in overview and "Wijzigen" not in overview and "Intrekken" not in overview
    path = f"/afwezigheid/{report.id}/wijzigen"
    assert services.STARTED in plain(client.get(path))
    response = post(client, path, _edit_data(report, note="Toch maar"), form_page="/afwezigheid")
    assert response.status_code == 422 and services.STARTED in plain(response)
    response = post(client, f"/afwezigheid/{report.id}/intrekken", {})
    assert response.status_code == 422 and services.STARTED in plain(response)
    assert reports() == [("Sam", "Ziek", WEDNESDAY, "dag", None, False)] and school["notices"] == []


def test_just_before_the_start_a_parent_still_may(school):
    report = absence_report(school["sam"], start=WEDNESDAY, end=None)
    pretend(school["app"], "2026-12-02 08:14")
    client = school["login_as"](school["mother"])
    response = post(client, f"/afwezigheid/{report.id}/intrekken", {})
    assert response.status_code == 302 and reports()[0][-1] is True


def test_an_afternoon_report_starts_at_one(school):
    report = absence_report(school["sam"], start=WEDNESDAY, end=WEDNESDAY, part="middag")
    pretend(school["app"], "2026-12-02 12:30")
    client = school["login_as"](school["mother"])
    path = f"/afwezigheid/{report.id}/wijzigen"
    response = post(client, path, _edit_data(report, reason=str(school["reasons"]["Bezoek huisarts of tandarts"].id)),
                    form_page=path)
    assert response.status_code == 302
    pretend(school["app"], "2026-12-02 13:00")
    response = post(client, f"/afwezigheid/{report.id}/intrekken", {})
    assert response.status_code == 422


def test_staff_still_change_and_withdraw_after_the_start(school):
    report = absence_report(school["sam"], start=WEDNESDAY, end=None, by=school["mother"])
    pretend(school["app"], "2026-12-02 10:00")
    anna = school["login_as"](school["anna"])
    path = f"/beheer/afwezigheid/melding/{report.id}"
    page = anna.get(path)
    assert page.status_code == 200 and "Geoorloofd" in plain(page)
    data = _edit_data(report, reason=str(school["reasons"]["Ongeoorloofd afwezig"].id), note="Niet gemeld",
                      open_ended="", end_date="2026-12-02")
    response = post(anna, path, data, form_page=path)
    assert response.status_code == 302 and response.headers["Location"].endswith("/beheer/afwezigheid?dag=2026-12-02")
    db.session.expire_all()
    report = db.session.get(AbsenceReport, report.id)
    assert (report.reason.name, report.end_date, report.excused, report.updated_by_id) == (
        "Ongeoorloofd afwezig", WEDNESDAY, False, school["anna"].id)
    # Geoorloofd after all: the teacher ticks it.
    response = post(anna, path, {**_edit_data(report), "excused": "y"}, form_page=path)
    db.session.expire_all()
    assert response.status_code == 302 and db.session.get(AbsenceReport, report.id).excused is True
    response = post(anna, path, {"action": "intrekken"}, form_page=path)
    assert response.status_code == 302 and reports()[0][-1] is True
    assert school["notices"] == [("Sam", "gewijzigd"), ("Sam", "gewijzigd"), ("Sam", "ingetrokken")]


def test_a_report_moved_to_today_after_the_cutoff_is_late(school):
    report = absence_report(school["sam"], start=WEDNESDAY + timedelta(days=1), end=None)
    pretend(school["app"], "2026-12-02 09:00")
    client = school["login_as"](school["mother"])
    path = f"/afwezigheid/{report.id}/wijzigen"
    assert post(client, path, _edit_data(report, start_date="2026-12-02"), form_page=path).status_code == 302
    db.session.expire_all()
    report = db.session.get(AbsenceReport, report.id)
    assert report.start_date == WEDNESDAY and report.late is True


def test_nothing_changed_is_said_and_not_recorded(school):
    report = absence_report(school["sam"], start=WEDNESDAY + timedelta(days=1), end=None)
    client = school["login_as"](school["mother"])
    path = f"/afwezigheid/{report.id}/wijzigen"
    assert "Er is niets gewijzigd." in flash_after(client, post(client, path, _edit_data(report), form_page=path))
    assert school["notices"] == []


def test_a_change_may_not_overlap_another_report_of_the_child(school):
    absence_report(school["sam"], start=date(2026, 12, 7), end=date(2026, 12, 8))
    report = absence_report(school["sam"], start=WEDNESDAY + timedelta(days=1), end=WEDNESDAY + timedelta(days=1))
    client = school["login_as"](school["mother"])
    path = f"/afwezigheid/{report.id}/wijzigen"
    response = post(client, path, _edit_data(report, end_date="", open_ended="y"), form_page=path)
    assert response.status_code == 422 and "Voor Sam loopt al een melding vanaf maandag 7 december 2026" in plain(response)


# --- weer beter -----------------------------------------------------------------------------------

def _recover(school, report, user=None):
    client = school["login_as"](user or school["mother"])
    return client, post(client, f"/afwezigheid/{report.id}/beter", {})


def test_better_before_the_cutoff_ends_on_the_previous_school_day(school):
    report = absence_report(school["sam"], start=date(2026, 11, 30), end=None)
    pretend(school["app"], "2026-12-02 07:50")
    client, response = _recover(school, report)
    assert "Sam is weer beter gemeld en komt vandaag weer naar school. De melding loopt tot en met dinsdag 1 december " \
           "2026." in flash_after(client, response)
    db.session.expire_all()
    report = db.session.get(AbsenceReport, report.id)
    assert report.end_date == date(2026, 12, 1) and report.recovered_at is not None
    assert school["notices"] == [("Sam", "beter")]


def test_better_on_monday_morning_ends_on_friday_and_skips_a_holiday(school):
    report = absence_report(school["sam"], start=date(2026, 11, 25), end=None)
    school_holiday("Studiedag", date(2026, 12, 4), date(2026, 12, 4))
    pretend(school["app"], "2026-12-07 08:00")
    _recover(school, report)
    db.session.expire_all()
    assert db.session.get(AbsenceReport, report.id).end_date == date(2026, 12, 3)


def test_better_never_ends_before_the_first_day(school):
    """Ill from Saturday, better on Monday before the cut-off: the previous school day (Friday)
    lies before the first day, so the report ends on its first day (no school day absent)."""
    report = absence_report(school["sam"], start=date(2026, 12, 5), end=None)
    pretend(school["app"], "2026-12-07 08:00")
    _recover(school, report)
    db.session.expire_all()
    assert db.session.get(AbsenceReport, report.id).end_date == date(2026, 12, 5)


def test_better_after_the_cutoff_ends_today(school):
    report = absence_report(school["sam"], start=date(2026, 11, 30), end=None)
    pretend(school["app"], "2026-12-02 08:15")
    client, response = _recover(school, report)
    assert "De melding loopt tot en met vandaag" in flash_after(client, response)
    db.session.expire_all()
    assert db.session.get(AbsenceReport, report.id).end_date == WEDNESDAY


def test_better_for_a_report_that_started_today_ends_today(school):
    report = absence_report(school["sam"], start=WEDNESDAY, end=None)
    pretend(school["app"], "2026-12-02 11:00")
    _recover(school, report)
    db.session.expire_all()
    assert db.session.get(AbsenceReport, report.id).end_date == WEDNESDAY


def test_better_is_refused_before_the_start_and_after_the_end(school):
    coming = absence_report(school["sam"], start=WEDNESDAY, end=None)
    pretend(school["app"], "2026-12-02 08:10")
    _, response = _recover(school, coming)
    assert response.status_code == 422 and "Deze afwezigheid is nog niet begonnen." in plain(response)
    ended = absence_report(school["lotte"], start=date(2026, 11, 30), end=date(2026, 12, 1))
    _, response = _recover(school, ended)
    assert response.status_code == 422 and "weer beter melden is niet nodig" in plain(response)
    assert school["notices"] == []


def test_staff_report_better_too(school):
    report = absence_report(school["sam"], start=date(2026, 11, 30), end=None)
    pretend(school["app"], "2026-12-02 09:00")
    anna = school["login_as"](school["anna"])
    path = f"/beheer/afwezigheid/melding/{report.id}"
    response = post(anna, path, {"action": "beter"}, form_page=path)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(AbsenceReport, report.id).end_date == WEDNESDAY


# --- who may: another family, a read-only link, another group ------------------------------------

def test_another_familys_child_in_the_form_stores_nothing(school):
    _, response = report_as(school, school["mother"], school["noor"])
    assert response.status_code == 422 and "Kies alleen kinderen uit de lijst." in plain(response)
    _, response = report_as(school, school["mother"], school["sam"], school["noor"])
    assert response.status_code == 422 and reports() == []


def test_another_familys_report_by_url_is_a_404(school):
    report = absence_report(school["noor"], start=WEDNESDAY + timedelta(days=1), end=None)
    client = school["login_as"](school["mother"])
    assert client.get(f"/afwezigheid/{report.id}/wijzigen").status_code == 404
    for path in (f"/afwezigheid/{report.id}/wijzigen", f"/afwezigheid/{report.id}/intrekken",
                 f"/afwezigheid/{report.id}/beter"):
        assert post(client, path, _edit_data(report, note="x")).status_code == 404, path
    assert reports() == [("Noor", "Ziek", WEDNESDAY + timedelta(days=1), "dag", None, False)]
    assert "Noor" not in plain(client.get("/afwezigheid"))


def test_a_read_only_link_sees_the_reports_gets_no_buttons_and_a_post_is_403(school):
    report = absence_report(school["sam"], start=WEDNESDAY + timedelta(days=1), end=None)
    reader = school["login_as"](school["reader"])
    page = plain(reader.get("/afwezigheid"))
    assert "Sam Jansen" in page and "Ziek – vanaf donderdag 3 december 2026, tot nader bericht" in page
    assert "Ziek of afwezig melden" not in page and "Verlof aanvragen" not in page
    assert "Wijzigen" not in page and "Intrekken" not in page and "alleen lezen" in page
    assert reader.get(NEW).status_code == 403
    assert post(reader, NEW, form(school, school["sam"])).status_code == 403
    for path in (f"/afwezigheid/{report.id}/wijzigen", f"/afwezigheid/{report.id}/intrekken",
                 f"/afwezigheid/{report.id}/beter"):
        assert post(reader, path, _edit_data(report)).status_code == 403, path
    assert reader.get(f"/afwezigheid/{report.id}/wijzigen").status_code == 403
    assert len(reports()) == 1 and reports()[0][-1] is False


def test_a_teacher_of_another_group_gets_404_on_the_staff_report_pages(school):
    report = absence_report(school["sam"], start=WEDNESDAY, end=None)
    bas = school["login_as"](school["bas"])
    assert bas.get(f"/beheer/afwezigheid/melden?leerling={school['sam'].id}").status_code == 404
    assert post(bas, f"/beheer/afwezigheid/melden?leerling={school['sam'].id}", form(school)).status_code == 404
    assert bas.get(f"/beheer/afwezigheid/melding/{report.id}").status_code == 404
    assert post(bas, f"/beheer/afwezigheid/melding/{report.id}", {"action": "intrekken"}).status_code == 404
    assert bas.get(f"/beheer/afwezigheid/melden?leerling={school['lotte'].id}").status_code == 200
    for bad in ("", "abc", str(10**30)):
        assert bas.get(f"/beheer/afwezigheid/melden?leerling={bad}").status_code == 404
    assert reports()[0][-1] is False


def test_parents_cannot_open_the_staff_pages(school):
    client = school["login_as"](school["mother"])
    assert client.get(f"/beheer/afwezigheid/melden?leerling={school['sam'].id}").status_code == 403


# --- staff register an absence ---------------------------------------------------------------------

def test_a_teacher_registers_unexcused_absence_for_a_past_day(school):
    pretend(school["app"], "2026-12-02 09:30")
    anna = school["login_as"](school["anna"])
    path = f"/beheer/afwezigheid/melden?leerling={school['noor'].id}"
    page = plain(anna.get(path))
    assert "Ongeoorloofd afwezig" in page and "Te laat" in page and "Noor Bakker" in page
    response = post(anna, path, form(school, reason="Ongeoorloofd afwezig", start="2026-12-01"), form_page=path)
    assert response.status_code == 302 and response.headers["Location"].endswith("/beheer/afwezigheid?dag=2026-12-01")
    report = db.session.scalar(select(AbsenceReport))
    assert (report.child_id, report.reason.name, report.start_date, report.end_date, report.excused,
            report.by_staff, report.late) == (school["noor"].id, "Ongeoorloofd afwezig", date(2026, 12, 1),
                                              date(2026, 12, 1), False, True, True)
    assert school["notices"] == [("Noor", "nieuw")]
    # The one-open-report rule holds for staff too.
    response = post(anna, path, form(school, reason="Te laat", start="2026-12-01"), form_page=path)
    assert response.status_code == 422 and "Voor Noor loopt al een melding" in plain(response)


def test_the_office_registers_for_any_group(school):
    office = school["login_as"](school["office"])
    path = f"/beheer/afwezigheid/melden?leerling={school['lotte'].id}"
    response = post(office, path, form(school, open_ended=True), form_page=path)
    assert response.status_code == 302
    assert reports() == [("Lotte", "Ziek", WEDNESDAY, "dag", None, False)]


# --- Home -------------------------------------------------------------------------------------------

def test_home_shows_a_current_report_with_weer_beter(school):
    absence_report(school["lotte"], start=date(2026, 11, 30), end=None)
    absence_report(school["sam"], start=date(2026, 12, 7), end=None)  # not yet
    pretend(school["app"], "2026-12-02 09:00")
    home = plain(school["login_as"](school["mother"]).get("/"))
    assert "Lotte Jansen is ziek gemeld sinds maandag 30 november 2026, tot nader bericht." in home
    assert "Weer beter melden" in home and "Sam Jansen is" not in home
    reader_home = plain(school["login_as"](school["reader"]).get("/"))
    assert "Lotte Jansen is ziek gemeld" in reader_home and "Weer beter melden" not in reader_home
    other_home = plain(school["login_as"](school["other"]).get("/"))
    assert "ziek gemeld" not in other_home and "Afwezig gemeld" not in other_home


def test_a_report_shows_on_home_at_once(school, redis_url):
    school["app"].config["REDIS_URL"] = redis_url
    reader = school["login_as"](school["reader"])
    pretend(school["app"], "2026-12-02 08:00")
    assert "Sam Jansen is ziek gemeld" not in plain(reader.get("/"))
    report_as(school, school["mother"], school["sam"], open_ended=True)
    pretend(school["app"], "2026-12-02 08:00")  # the same minute
    home = reader.get("/")
    assert "Sam Jansen is ziek gemeld vanaf woensdag 2 december 2026, tot nader bericht." in plain(home)


# --- the overview ------------------------------------------------------------------------------------

def test_the_overview_shows_current_and_earlier_reports_per_child(school):
    absence_report(school["sam"], start=date(2026, 9, 14), end=date(2026, 9, 15))
    absence_report(school["sam"], start=date(2026, 6, 1), end=date(2026, 6, 1))  # last school year
    absence_report(school["lotte"], start=date(2026, 12, 3), end=date(2026, 12, 3),
                   reason=school["reasons"]["Bezoek specialist of ziekenhuis"])
    page = plain(school["login_as"](school["mother"]).get("/afwezigheid"))
    sam = page[page.index("Sam Jansen"):]
    lotte = page[page.index("Lotte Jansen"):page.index("Sam Jansen")]
    assert "Bezoek specialist of ziekenhuis – vanaf donderdag 3 december 2026, alleen op donderdag 3 december 2026" in lotte
    assert "Eerder in schooljaar 2026-2027" in sam and "maandag 14 september 2026" in sam
    assert "juni 2026" not in page
    assert "Ziek of afwezig melden" in page and "Verlof aanvragen" in page


def test_staff_go_to_beheer(school):
    anna = school["login_as"](school["anna"])
    response = anna.get("/afwezigheid")
    assert response.status_code == 302 and response.headers["Location"].endswith("/beheer/afwezigheid")


# --- two parents at the same moment (PostgreSQL) ----------------------------------------------------

@pytest.mark.postgres_only
def test_parents_reporting_at_the_same_moment_give_one_report(school, live_server):
    """Ten parents of Sam report him ill at once: the child row's lock lets one through;
    the others are told that a report is already running."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (run with TEST_DATABASE_URL); deselected on SQLite runs")
    from tests.absence_family import second_parent
    from tests.test_meetings_concurrency import Browser, run_at_once

    school["app"].config.update(LOGIN_LIMIT_PER_IP="1000 per minute", LOGIN_LIMIT_PER_ADDRESS="1000 per minute")
    jobs = []
    for _ in range(10):
        browser = Browser(live_server.url).login(second_parent(school["sam"]))
        data = {**form(school, open_ended=True), "children": str(school["sam"].id), "csrf_token": browser.csrf(NEW)}
        jobs.append(lambda browser=browser, data=data: browser.request(NEW, data))
    db.session.commit()
    db.session.remove()

    results = run_at_once(jobs)

    statuses = sorted(status for status, _ in results)
    assert statuses == [302] + [422] * 9, statuses
    assert all("Voor Sam loopt al een melding" in html for status, html in results if status == 422)
    assert len(reports()) == 1


def test_the_overview_makes_as_many_queries_for_a_long_history(school):
    from tests.factories import leave_request
    from tests.fixtures.queries import count_queries

    client = school["login_as"](school["mother"])
    absence_report(school["sam"], start=date(2026, 9, 1), end=date(2026, 9, 1))
    leave_request([school["sam"]])
    client.get("/afwezigheid")
    few = count_queries(client, "/afwezigheid")
    for day in range(2, 28):
        absence_report(school["sam"], start=date(2026, 10, day), end=date(2026, 10, day))
        absence_report(school["lotte"], start=date(2026, 10, day), end=date(2026, 10, day))
    for _ in range(5):
        leave_request([school["sam"], school["lotte"]])
    absence_report(school["lotte"], start=WEDNESDAY, end=None)
    many = count_queries(client, "/afwezigheid")
    assert many == few and many <= 12, (few, many)

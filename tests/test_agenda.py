"""Agenda: who sees what, months and order, earlier items, the Beheer pages, the private
iCalendar feed (content, time zone, renewal) and bounded queries."""
from datetime import date, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, insert, select

from app.agenda.services import today
from app.extensions import db
from app.models import AgendaItem, CalendarFeed, agenda_item_groups, utcnow
from tests.fixtures.users import Auth
from tests.content_helpers import SEES, VIEWERS, count_queries, main_of, post_form, school, text_of  # noqa: F401
from tests.factories import AgendaItemFactory


def agenda_items(school, when=None):
    when = when or today() + timedelta(days=5)
    return {
        "school": AgendaItemFactory(title="Sinterklaasfeest", date=when, school_wide=True),
        "own": AgendaItemFactory(title="Gym groep 3", date=when, groups=[school["own"]]),
        "other": AgendaItemFactory(title="Bibliotheek groep 6", date=when, groups=[school["other"]]),
    }


# --- who sees what ----------------------------------------------------------------------

@pytest.mark.parametrize("viewer", VIEWERS)
def test_visibility_matrix(school, login_as, viewer):
    upcoming = agenda_items(school)
    past = {key: AgendaItemFactory(title=f"Vorig jaar {key}", date=today() - timedelta(days=30),
                                   school_wide=item.school_wide, groups=item.groups)
            for key, item in upcoming.items()}
    client = login_as(school["people"][viewer])
    listing = main_of(client.get("/agenda/"))
    earlier = main_of(client.get("/agenda/eerder"))
    for key in upcoming:
        allowed = SEES[viewer][key]
        assert (upcoming[key].title in listing) is allowed, (viewer, key)
        assert (past[key].title in earlier) is allowed, (viewer, key)
        assert past[key].title not in listing
        for item in (upcoming[key], past[key]):
            assert client.get(f"/agenda/{item.id}").status_code == (200 if allowed else 404), (viewer, key)


def test_not_logged_in_is_sent_to_login(school, client):
    item = AgendaItemFactory(school_wide=True)
    for path in ("/agenda/", "/agenda/eerder", f"/agenda/{item.id}"):
        assert "/login" in client.get(path).location


def test_grouped_by_month_upcoming_first_and_group_marked(school, login_as):
    base = today()
    AgendaItemFactory(title="Later", date=base + timedelta(days=70), school_wide=True)
    AgendaItemFactory(title="Vandaag laat", date=base, start_time=time(19, 0), school_wide=True)
    AgendaItemFactory(title="Vandaag hele dag", date=base, school_wide=True)
    AgendaItemFactory(title="Vandaag vroeg", date=base, start_time=time(8, 30), end_time=time(9, 15),
                      groups=[school["own"]], location="Speellokaal")
    AgendaItemFactory(title="Gisteren", date=base - timedelta(days=1), school_wide=True)
    html = main_of(login_as(school["people"]["parent_in"]).get("/agenda/"))
    order = [html.index(title) for title in ("Vandaag hele dag", "Vandaag vroeg", "Vandaag laat", "Later")]
    assert order == sorted(order)
    assert "Gisteren" not in html
    assert "Eerdere items" in html
    months = [html.index(f'id="maand-{d.replace(day=1).isoformat()}"') for d in (base, base + timedelta(days=70))]
    assert months[0] < months[1]
    entry = html[html.index("Vandaag vroeg") - 400:html.index("Vandaag vroeg") + 400]
    assert "08:30 – 09:15" in entry and "Groep 3" in entry and "Speellokaal" in entry
    assert "Hele dag" in html[html.index("Vandaag hele dag") - 300:html.index("Vandaag hele dag")]


def test_earlier_items_newest_first(school, login_as):
    base = today()
    AgendaItemFactory(title="Vorige week", date=base - timedelta(days=7), school_wide=True)
    AgendaItemFactory(title="Vorig jaar", date=base - timedelta(days=370), school_wide=True)
    html = main_of(login_as(school["people"]["parent_in"]).get("/agenda/eerder"))
    assert html.index("Vorige week") < html.index("Vorig jaar")


def test_home_shows_upcoming_items_the_parent_may_see(school, login_as):
    items = agenda_items(school)
    AgendaItemFactory(title="Al geweest", date=today() - timedelta(days=2), school_wide=True)
    html = main_of(login_as(school["people"]["parent_in"]).get("/"))
    assert items["school"].title in html and items["own"].title in html
    assert items["other"].title not in html and "Al geweest" not in html
    assert "(Groep 3)" in html


# --- Beheer -----------------------------------------------------------------------------

def test_teacher_adds_item_for_own_group(school, login_as):
    client = login_as(school["people"]["teacher_own"])
    assert client.get("/beheer/agenda/nieuw").status_code == 200
    response = post_form(client, "/beheer/agenda/nieuw", {
        "title": "Excursie", "date": "2027-03-04", "start_time": "09:00", "end_time": "12:30",
        "location": "Museum", "description": "Lunch mee.\nRegenjas mee.", "groups": str(school["own"].id),
    })
    assert response.status_code == 302
    item = db.session.scalar(select(AgendaItem))
    assert (item.date, item.start_time, item.end_time) == (date(2027, 3, 4), time(9, 0), time(12, 30))
    assert item.location == "Museum" and [g.id for g in item.groups] == [school["own"].id]
    assert "Excursie" in text_of(client.get("/beheer/agenda/"))


@pytest.mark.parametrize("change, message", [
    ({"title": ""}, "Vul een titel in."),
    ({"date": ""}, "Vul een datum in."),
    ({"date": "31-02-2027"}, "Vul een geldige datum in."),
    ({"start_time": "25:00"}, "Vul een geldige tijd in"),
    ({"start_time": "", "end_time": "10:00"}, "Vul ook een begintijd in, of laat de eindtijd leeg."),
    ({"start_time": "10:00", "end_time": "09:00"}, "De eindtijd moet na de begintijd liggen."),
    ({"school_wide": "y", "groups": None}, "Alleen de schooladministratie kan iets voor de hele school plaatsen."),
    ({"groups": "OTHER"}, "U kunt alleen iets plaatsen voor uw eigen groep(en)."),
])
def test_bad_input_is_refused_in_dutch(school, login_as, change, message):
    data = {"title": "Excursie", "date": "2027-03-04", "start_time": "09:00", "end_time": "",
            "groups": str(school["own"].id)}
    data.update(change)
    if data.get("groups") == "OTHER":
        data["groups"] = str(school["other"].id)
    data = {key: value for key, value in data.items() if value is not None}
    response = post_form(login_as(school["people"]["teacher_own"]), "/beheer/agenda/nieuw", data)
    assert response.status_code == 422
    assert message in text_of(response)
    assert db.session.scalar(select(func.count(AgendaItem.id))) == 0


def test_office_adds_school_wide_item(school, login_as):
    response = post_form(login_as(school["people"]["office"]), "/beheer/agenda/nieuw", {
        "title": "Studiedag", "date": "2027-03-04", "school_wide": "y",
    })
    assert response.status_code == 302
    item = db.session.scalar(select(AgendaItem))
    assert item.school_wide and item.start_time is None


def test_staff_rights_on_existing_items(school, login_as):
    items = agenda_items(school)
    teacher = login_as(school["people"]["teacher_own"])
    listing = text_of(teacher.get("/beheer/agenda/"))
    assert items["own"].title in listing and items["school"].title not in listing
    for key in ("school", "other"):
        assert teacher.get(f"/beheer/agenda/{items[key].id}/wijzigen").status_code == 404
        assert post_form(teacher, f"/beheer/agenda/{items[key].id}/verwijderen", {},
                         form_page="/beheer/agenda/").status_code == 404
    response = post_form(teacher, f"/beheer/agenda/{items['own'].id}/verwijderen", {}, form_page="/beheer/agenda/")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(AgendaItem.id))) == 2
    office = login_as(school["people"]["office"])
    response = post_form(office, f"/beheer/agenda/{items['other'].id}/wijzigen", {
        "title": "Bibliotheek", "date": "2027-01-10", "groups": str(school["other"].id),
    })
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(AgendaItem, items["other"].id).date == date(2027, 1, 10)
    assert login_as(school["people"]["parent_in"]).get("/beheer/agenda/").status_code == 403


# --- the private iCalendar feed ------------------------------------------------------------

def make_feed(client):
    response = post_form(client, "/agenda/agenda-link", {}, form_page="/agenda/")
    assert response.status_code == 302 and response.location.endswith("/agenda/#agenda-link")
    html = text_of(client.get("/agenda/"))
    start = html.index('id="agenda-link-url"')
    url = html[start:].split('value="', 1)[1].split('"', 1)[0]
    assert url.startswith("http://localhost/agenda/feed/") and url.endswith(".ics")
    assert f'href="webcal://{url.split("://", 1)[1]}"' in html
    return url.replace("http://localhost", "")


def events_of(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    return calendar, {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


@pytest.mark.parametrize("viewer", ["parent_in", "parent_out"])
def test_feed_shows_exactly_what_the_parent_may_see(school, login_as, client, viewer):
    upcoming = agenda_items(school)
    upcoming["own"].start_time, upcoming["own"].end_time = time(19, 0), time(20, 30)
    upcoming["own"].location = "Lokaal 3"
    db.session.commit()
    path = make_feed(login_as(school["people"][viewer]))
    calendar, events = events_of(client, path)  # no login: a phone calendar fetches it
    expected = {"Sinterklaasfeest"}
    expected.add("Gym groep 3 (Groep 3)" if viewer == "parent_in" else "Bibliotheek groep 6 (Groep 6)")
    assert set(events) == expected
    school_event = events["Sinterklaasfeest"]
    assert school_event.decoded("DTSTART") == upcoming["school"].date  # an all-day item: a DATE
    assert school_event.decoded("DTEND") == upcoming["school"].date + timedelta(days=1)
    if viewer == "parent_in":
        assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
        own = events["Gym groep 3 (Groep 3)"]
        assert own["DTSTART"].params["TZID"] == "Europe/Amsterdam"
        start = own.decoded("DTSTART")
        assert (start.date(), start.hour, start.minute) == (upcoming["own"].date, 19, 0)
        assert str(start.tzinfo) == "Europe/Amsterdam"
        assert own.decoded("DTEND").hour == 20 and own.decoded("DTEND").minute == 30
        assert str(own["LOCATION"]) == "Lokaal 3"
        assert str(own["URL"]).endswith(f"/agenda/{upcoming['own'].id}")
    assert str(school_event["UID"]) == f"agenda-{upcoming['school'].id}@localhost"


def test_feed_times_are_amsterdam_in_summer_too(school, login_as, client):
    summer = AgendaItemFactory(title="Zomerfeest", date=date(today().year + 1, 7, 1), start_time=time(14, 0),
                               school_wide=True)
    _, events = events_of(client, make_feed(login_as(school["people"]["parent_in"])))
    start = events["Zomerfeest"].decoded("DTSTART")
    assert start.hour == 14 and start.utcoffset() == timedelta(hours=2)
    assert summer.id


def test_feed_renewal_stops_the_old_address(school, login_as, client):
    AgendaItemFactory(title="Sinterklaasfeest", school_wide=True)
    parent = login_as(school["people"]["parent_in"])
    old = make_feed(parent)
    assert client.get(old).status_code == 200
    page = text_of(parent.get("/agenda/"))
    assert "Nieuwe link maken" in page
    # Renewing through htmx answers with the feed section itself.
    response = parent.post("/agenda/agenda-link", headers={"HX-Request": "true"},
                           data={"csrf_token": Auth(parent).csrf("/agenda/")})
    assert response.status_code == 200
    fragment = text_of(response)
    assert fragment.lstrip().startswith("<section") and "De oude link werkt niet meer." in fragment
    new = fragment.split('id="agenda-link-url"', 1)[1].split('value="', 1)[1].split('"', 1)[0].replace("http://localhost", "")
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert db.session.scalar(select(func.count(CalendarFeed.id))) == 1


def test_feed_of_a_deactivated_account_or_unknown_token_is_gone(school, login_as, client):
    path = make_feed(login_as(school["people"]["parent_in"]))
    assert client.get("/agenda/feed/" + "x" * 43 + ".ics").status_code == 404
    school["people"]["parent_in"].deactivated_at = utcnow()
    db.session.commit()
    assert client.get(path).status_code == 404


def test_feed_needs_post_with_csrf(school, login_as):
    parent = login_as(school["people"]["parent_in"])
    assert parent.get("/agenda/agenda-link").status_code == 405
    assert parent.post("/agenda/agenda-link").status_code == 400
    assert db.session.scalar(select(func.count(CalendarFeed.id))) == 0


# --- bounded queries ----------------------------------------------------------------------

def add_items(count, groups):
    base = today()
    now = utcnow()
    # Spread over the year before and after today: upcoming and earlier items of both kinds.
    rows = [{"title": f"Bulk {n}", "date": base + timedelta(days=(n * 37) % 300 - 100), "school_wide": n % 2 == 0,
             "start_time": time(8, 30) if n % 3 else None, "location": "", "description": "",
             "created_at": now, "updated_at": now} for n in range(count)]
    ids = list(db.session.scalars(insert(AgendaItem).returning(AgendaItem.id), rows))
    db.session.execute(insert(agenda_item_groups), [
        {"agenda_item_id": item_id, "group_id": group.id} for n, item_id in enumerate(ids) if n % 2 for group in groups])
    db.session.commit()


def test_list_pages_feed_and_home_make_the_same_number_of_queries_for_10_and_1000(school, login_as):
    clients = {who: login_as(school["people"][who]) for who in ("parent_in", "teacher_own", "office")}
    feed = make_feed(clients["parent_in"])
    paths = [("parent_in", "/agenda/"), ("parent_in", "/agenda/eerder"), ("parent_in", "/"), ("parent_in", feed),
             ("teacher_own", "/agenda/"), ("teacher_own", "/beheer/agenda/"), ("teacher_own", "/beheer/agenda/?eerder=1"),
             ("office", "/beheer/agenda/"), ("office", "/")]
    add_items(10, [school["own"], school["other"]])
    few = {key: count_queries(clients[key[0]], key[1]) for key in paths}
    add_items(990, [school["own"], school["other"]])
    many = {key: count_queries(clients[key[0]], key[1]) for key in paths}
    assert many == few

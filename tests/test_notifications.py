"""Notification e-mail: the timing rules (Europe/Amsterdam, across DST), recipients,
preferences and what a mail says. The worker/SMTP behaviour (retries, a killed worker,
concurrent batches) is in test_notifications_worker.py; Beheer > E-mail in
test_notifications_staff.py.

Items here are dated in 2030 and the batches get an explicit "now", so a worker's own
clock (real time) can never send them by accident.
"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs.notifications import plan_due, run_due, send_pending
from app.models import Album, Message, NewsItem, NotificationDelivery, NotificationEvent, utcnow
from app.notifications import timing
from app.notifications.services import record_event, set_preference
from tests.factories import ChildFactory, GroupFactory, GuardianshipFactory, ParentFactory, family

AMS = ZoneInfo("Europe/Amsterdam")

# Two Wednesdays: one in winter time (CET, UTC+1), one in summer time (CEST, UTC+2).
WINTER = (2030, 1, 16)
SUMMER = (2030, 7, 17)
SEASONS = pytest.mark.parametrize("day", [WINTER, SUMMER], ids=["winter", "summer"])


def ams(year, month, day, hour, minute=0):
    """A moment in Amsterdam wall-clock time as naive UTC (how the models store it)."""
    return datetime(year, month, day, hour, minute, tzinfo=AMS).astimezone(timezone.utc).replace(tzinfo=None)


def at(day, hour, minute=0, days=0):
    """An Amsterdam wall-clock time on `day` (+ days) as a string for --now / run_due."""
    from datetime import date, timedelta

    moment = date(*day) + timedelta(days=days)
    return f"{moment.isoformat()} {hour:02d}:{minute:02d}"


def _event(kind, subject_type, subject_id, created_at):
    event = record_event(kind, subject_type, subject_id)
    event.created_at = created_at
    return event


def make_album(created_at, groups=(), school_wide=False, title="Sportdag"):
    album = Album(title=title, school_wide=school_wide, groups=list(groups), created_at=created_at)
    db.session.add(album)
    db.session.flush()
    _event("album", "album", album.id, created_at)
    db.session.commit()
    return album


def make_message(created_at, groups=(), school_wide=False, urgent=False, title="Luizencontrole"):
    message = Message(title=title, text="Tekst", school_wide=school_wide, urgent=urgent,
                      groups=list(groups), created_at=created_at)
    db.session.add(message)
    db.session.flush()
    _event("urgent_message" if urgent else "message", "message", message.id, created_at)
    db.session.commit()
    return message


def make_news(created_at, groups=(), school_wide=False, title="Schoolreis", published_at=None):
    item = NewsItem(title=title, body="Tekst", school_wide=school_wide, groups=list(groups),
                    created_at=created_at, published_at=published_at or created_at)
    db.session.add(item)
    db.session.flush()
    _event("news", "news", item.id, created_at)
    db.session.commit()
    return item


def recipients_of(messages):
    return sorted(address for m in messages for address in m["to"])


def outbox_mails(app):
    """Mails written to the outbox (no MAIL_SERVER in TestConfig): {to: [EmailMessage]}."""
    from email import message_from_bytes, policy
    from pathlib import Path

    found = {}
    for path in sorted(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        found.setdefault(message["To"], []).append(message)
    return found


def body(message):
    part = message.get_body(preferencelist=("plain",))
    return part.get_content()


# --- the rules themselves (pure functions) -----------------------------------------------------

@SEASONS
def test_evening_batch_is_1730_amsterdam_in_winter_and_summer(day):
    posted = ams(*day, 10, 0)
    due = timing.evening_due(posted)
    assert due == ams(*day, 17, 30)
    # 16:30 UTC in winter, 15:30 UTC in summer: a fixed offset would be wrong half the year.
    assert due.hour == (16 if day == WINTER else 15)
    late = ams(*day, 19, 45)
    assert timing.evening_due(late) == late  # posted after 17:30: at once


@SEASONS
def test_weekly_cutoff_is_wednesday_1730(day):
    # 17:29 on Wednesday: still last week's batch.
    assert timing.weekly_cutoff(ams(*day, 17, 29)) == ams(day[0], day[1], day[2] - 7, 17, 30)
    assert timing.weekly_cutoff(ams(*day, 17, 31)) == ams(*day, 17, 30)
    # Posted on Wednesday after the batch: next week's digest.
    assert timing.next_weekly_due(ams(*day, 18, 0)) == ams(day[0], day[1], day[2] + 7, 17, 30)


def test_weekly_digest_across_the_spring_dst_change():
    # Posted Wednesday 27 March 2030 18:00 CET; clocks go forward on Sunday 31 March.
    posted = ams(2030, 3, 27, 18, 0)
    due = timing.next_weekly_due(posted)
    assert due == ams(2030, 4, 3, 17, 30)
    assert due.hour == 15  # 17:30 CEST; adding 7 x 24 h to the CET time would give 18:30
    assert timing.weekly_cutoff(ams(2030, 4, 3, 17, 29)) == ams(2030, 3, 27, 17, 30)


def test_parse_now_reads_amsterdam_time():
    assert timing.parse_now("2030-01-16 17:31") == datetime(2030, 1, 16, 16, 31)
    assert timing.parse_now("2030-07-17T17:31") == datetime(2030, 7, 17, 15, 31)
    assert timing.parse_now("2030-07-17T17:31+00:00") == datetime(2030, 7, 17, 17, 31)


# --- planning: who gets a notice (inline, outbox) ------------------------------------------------

def test_recipients_preferences_and_accounts(app):
    group, other = GroupFactory(), GroupFactory()
    _, (both_on, albums_off) = family(group, parents=2)
    _, (other_group_parent,) = family(other)
    _, (not_activated,) = family(group)
    not_activated.activated_at = None
    _, (deactivated,) = family(group)
    deactivated.deactivated_at = utcnow()
    former = ChildFactory(group=group, left_at=datetime(2029, 7, 1).date())
    former_parent = ParentFactory()
    GuardianshipFactory(parent=former_parent, child=former)
    set_preference(albums_off, "albums", False)
    db.session.commit()

    album = make_album(ams(*WINTER, 9), groups=[group])
    plan_due(at(WINTER, 17, 31))
    planned = db.session.scalars(select(NotificationDelivery.recipient_id)).all()
    assert planned == [both_on.id]
    assert db.session.get(NotificationEvent, 1).dispatched_at is not None
    result = send_pending()
    assert result.sent == 1
    mails = outbox_mails(app)
    assert list(mails) == [both_on.email]
    assert album.title in mails[both_on.email][0]["Subject"]
    assert other_group_parent.email not in mails


def test_a_parent_with_two_children_in_the_audience_gets_one_mail(app):
    group3, group6 = GroupFactory(), GroupFactory()
    parent = ParentFactory()
    for group in (group3, group6):
        GuardianshipFactory(parent=parent, child=ChildFactory(group=group))
    make_album(ams(*WINTER, 9), groups=[group3, group6])
    make_message(ams(*WINTER, 9), school_wide=True, urgent=True)
    make_news(ams(2030, 1, 14, 8), school_wide=True)
    make_message(ams(2030, 1, 14, 9), groups=[group3, group6], title="Gymles")
    run_due(at(WINTER, 17, 31))
    mails = outbox_mails(app)[parent.email]
    subjects = sorted(m["Subject"].split(" – ")[0] for m in mails)
    assert subjects == ["Nieuw fotoalbum: Sportdag", "Spoedbericht: Luizencontrole",
                        "Weekoverzicht van het ouderportaal"]
    digest = body([m for m in mails if "Weekoverzicht" in m["Subject"]][0])
    assert "Schoolreis" in digest and "Gymles" in digest


def test_rerunning_a_batch_sends_nothing_twice(app):
    group = GroupFactory()
    family(group, parents=2)
    make_album(ams(*WINTER, 9), groups=[group])
    first = run_due(at(WINTER, 17, 31))
    second = run_due(at(WINTER, 17, 32))
    assert (first.events, first.notices, first.sent) == (1, 2, 2)
    assert (second.events, second.notices, second.sent) == (0, 0, 0)
    assert sum(len(v) for v in outbox_mails(app).values()) == 2


def test_a_second_event_for_the_same_item_is_not_mailed_again(app):
    group = GroupFactory()
    family(group)
    album = make_album(ams(*WINTER, 9), groups=[group])
    run_due(at(WINTER, 17, 31))
    _event("album", "album", album.id, ams(*WINTER, 18))
    db.session.commit()
    result = run_due(at(WINTER, 18, 1))
    assert (result.events, result.notices, result.sent) == (1, 0, 0)


def test_news_published_later_waits_for_the_digest_after_publication(app):
    group = GroupFactory()
    _, (parent,) = family(group)
    make_news(ams(2030, 1, 14, 9), school_wide=True, title="Later", published_at=ams(2030, 1, 20, 9))
    assert run_due(at(WINTER, 17, 31)).sent == 0
    assert run_due(at(WINTER, 17, 31, days=7)).sent == 1
    assert "Later" in body(outbox_mails(app)[parent.email][0])


def test_a_message_made_urgent_is_mailed_once_as_spoedbericht(app):
    group = GroupFactory()
    _, (parent,) = family(group)
    message = make_message(ams(2030, 1, 14, 9), groups=[group], title="Wordt spoed")
    message.urgent = True
    _event("urgent_message", "message", message.id, ams(2030, 1, 15, 9))
    db.session.commit()
    run_due(at((2030, 1, 15), 17, 31))
    run_due(at(WINTER, 17, 31))
    mails = outbox_mails(app)[parent.email]
    assert [m["Subject"].split(" – ")[0] for m in mails] == ["Spoedbericht: Wordt spoed"]


def test_deleted_item_is_not_mailed(app):
    group = GroupFactory()
    family(group)
    album = make_album(ams(*WINTER, 9), groups=[group])
    plan_due(at(WINTER, 17, 31))
    db.session.delete(album)
    db.session.commit()
    result = send_pending()
    assert (result.sent, result.skipped) == (0, 1)
    assert db.session.scalar(select(NotificationDelivery.state)) == "skipped"


def test_switching_off_after_planning_is_honoured(app):
    group = GroupFactory()
    _, (parent,) = family(group)
    make_album(ams(*WINTER, 9), groups=[group])
    plan_due(at(WINTER, 17, 31))
    set_preference(parent, "albums", False)
    db.session.commit()
    assert send_pending().skipped == 1
    assert outbox_mails(app) == {}


def test_mail_text_links_footer_and_unsubscribe_header(app):
    group, other = GroupFactory(), GroupFactory()
    child, (parent,) = family(group, first_name="Sam")
    # The other family's names are ones Faker never gives, so they cannot be the recipient's too.
    other_child, (stranger,) = family(other, first_name="Noortje-Xan", last_name="Xanthopoulos")
    stranger.first_name = "Quirijn-Xan"
    parent.first_name = "Sanne"
    db.session.commit()
    album = make_album(ams(*WINTER, 9), groups=[group], title="Kerstviering")
    run_due(at(WINTER, 17, 31))
    (mail,) = outbox_mails(app)[parent.email]
    text = body(mail)
    html = mail.get_body(preferencelist=("html",)).get_content()
    portal = app.config["PORTAL_URL"]
    assert mail["Subject"] == f"Nieuw fotoalbum: Kerstviering – {app.config['SCHOOL_NAME']}"
    assert f"{portal}/fotoalbums/{album.id}" in text and f"{portal}/fotoalbums/{album.id}" in html
    assert f"{portal}/account/notificaties" in text and f"{portal}/account/notificaties" in html
    assert mail["List-Unsubscribe"] == f"<{portal}/account/notificaties>"
    assert app.config["SCHOOL_NAME"] in text
    assert parent.name in text
    for foreign in (stranger.name, stranger.email, other_child.first_name, other_child.last_name):
        assert foreign not in text and foreign not in html


# --- an at-once kind keyed per event: the meeting mails (app/meetings/mail.py) ------------------

def test_an_immediate_kind_with_a_key_per_event_plugs_in(app):
    """meeting_changed, registered by the meetings package: at once (not at 17:30), and one
    mail per event, so a meeting moved twice gives two mails; the switch is honoured."""
    from icalendar import Calendar

    from app.models import MeetingInvitation, MeetingRound

    group = GroupFactory()
    child, (mother, father) = family(group, parents=2)
    _, (other_parent,) = family(group)
    set_preference(father, "meetings", False)
    round_ = MeetingRound(group_id=group.id, title="Rapportgesprekken", status="open")
    db.session.add(round_)
    db.session.flush()
    db.session.add(MeetingInvitation(round_id=round_.id, child_id=child.id, slots_needed=1))

    def times(start, end):
        return {"date": "2030-01-21", "start": start, "end": end}

    for old, new in ((None, times("10:00", "10:10")), (times("10:00", "10:10"), times("10:20", "10:30"))):
        event = record_event("meeting_changed", "meeting_round", round_.id, child_id=child.id, old=old, new=new)
        event.created_at = ams(*WINTER, 9)
    db.session.commit()
    assert run_due(at(WINTER, 8, 59)).sent == 0  # not before it happened
    assert run_due(at(WINTER, 9, 1)).sent == 2  # at once, not at 17:30; one per event
    mails = outbox_mails(app)
    assert list(mails) == [mother.email]
    starts = sorted(
        vevent.decoded("DTSTART").strftime("%H:%M")
        for mail in mails[mother.email] for part in mail.iter_attachments()
        for vevent in Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    )
    assert starts == ["10:00", "10:20"]
    assert run_due(at(WINTER, 9, 2)).sent == 0

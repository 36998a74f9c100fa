"""The four inline (htmx) actions of a parent, on one small school, for the tests of what
happens when one of them comes too late (an ended session, a stale page, no network):
the privacy choice, the notification switch, booking a meeting time and a reply.

The clock stands still (PRETEND_NOW) a week before the meeting day; `expire` moves it on
three hours, past the idle limit, so the session ends as it would overnight."""
from sqlalchemy import func, select

from app import privacy
from app.extensions import db
from app.models import MessageReply
from app.notifications.services import preferences_for
from tests.factories import GroupFactory, MessageFactory, family, teacher_of
from tests.meetings_data import make_round, pretend, slot_at
from tests.test_meetings import booked_times

START = "2026-03-02 09:00"
LATER = "2026-03-02 12:00"  # three hours on: past SESSION_IDLE_MINUTES (120)


def inline_school(app):
    pretend(app, START)
    group = GroupFactory(name="3")
    sam, (parent,) = family(group, first_name="Sam")
    parent.first_name, parent.last_name = "Marloes", "Jansen"
    db.session.commit()
    teacher = teacher_of(group, first_name="Anna")
    round_ = make_round(group, invite=[sam])
    message = MessageFactory(title="Wie helpt er mee met de kerstmarkt?", groups=[group], replies_allowed=True)
    return {"group": group, "sam": sam, "parent": parent, "teacher": teacher, "round": round_,
            "message": message}


def expire(app):
    pretend(app, LATER)


def replies_of(school):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(MessageReply).where(
        MessageReply.message_id == school["message"].id))


class Action:
    """One inline action: the page it is on, where htmx posts, the form as the page sends
    it after the change, and the stored value (before: `unchanged`)."""

    def __init__(self, name, page, path, data, stored, unchanged):
        self.name, self.page, self.path, self.data = name, page, path, data
        self.stored, self.unchanged = stored, unchanged


def actions(school):
    parent, round_, sam, message = school["parent"], school["round"], school["sam"], school["message"]
    levels = {name: "staff" for name in privacy.PARENT_FIELDS}
    kinds = sorted(preferences_for(parent))
    detail = f"/oudergesprekken/{round_.id}/kind/{sam.id}"

    def level():
        db.session.expire_all()
        return privacy.user_levels(parent)["phone_mobile"]

    def news():
        db.session.expire_all()
        return preferences_for(parent)["news"]

    return {
        "privacy": Action("privacy", "/account/privacy", "/account/privacy",
                          {**levels, "phone_mobile": "group"}, level, "staff"),
        "notifications": Action("notifications", "/account/notificaties", "/account/notificaties",
                                {"aan": [kind for kind in kinds if kind != "news"]}, news, True),
        "booking": Action("booking", detail, f"{detail}/reserveren",
                          {"slot": slot_at(round_, "10:00").id, "versie": ""},
                          lambda: booked_times(round_, sam), []),
        "reply": Action("reply", f"/berichten/{message.id}", f"/berichten/{message.id}/reageren",
                        {"text": "Ik kan koffie schenken."}, lambda: replies_of(school), 0),
    }

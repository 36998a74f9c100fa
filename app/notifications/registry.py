"""The per-kind registry of notification mails: who gets one, when, and what it says.

Each event kind (EVENT_KINDS in app/models/notifications.py) that the dispatcher
(app/jobs/notifications.py) handles is registered here with:

- `timing`: "immediate" (at once), "evening" (that day's 17:30 batch, at once when posted
  after it) or "weekly" (one digest per parent, Wednesday after 17:30);
- `subject_type`: what the event's subject_id points at (a `SubjectType` below);
- `recipients(event, subject)`: a SELECT of user ids (the audience). The dispatcher
  narrows it to parents with an activated, not deactivated account whose Notificaties
  switch for `preference` is on, and inserts one ledger row per parent with one
  INSERT ... SELECT, so a recipient list is never held in memory;
- `render(notice)` (single notices): a PortalMessage (app/jobs/mail.py), or None for "nothing to say";
  `notice_message()` builds one with the shared footer and List-Unsubscribe header;
- `describe(subject)` (weekly kinds): the digest line {"title", "url", "label", "date"}.

The content kinds are registered in app/notifications/kinds.py, the meeting kinds in
app/meetings/mail.py (imported by kinds.py). An event kind that is not registered is
simply left alone by the dispatcher.
"""
from dataclasses import dataclass, field
from typing import Callable

from flask import current_app, url_for
from sqlalchemy import exists, select

from app.extensions import db
from app.jobs.mail import PortalMessage
from app.models import Child, Guardianship, NotificationPreference, Role, User

TIMINGS = ("immediate", "evening", "weekly")


@dataclass(frozen=True)
class SubjectType:
    """What a notice can be about, and where a parent reads it in the portal."""

    name: str
    model: type
    endpoint: str        # parent-side detail page
    id_arg: str          # its URL argument
    index_path: str      # fallback link when the endpoint is not there (module off)
    # Beheer > E-mail: a WHERE clause (user -> clause) for the subjects a staff member
    # manages; None: app.access.managed_clause (school-wide-or-group items).
    managed: Callable | None = None

    def load(self, ids):
        """{id: object} for these ids (one query); deleted ones are simply missing."""
        ids = sorted(set(ids))
        if not ids:
            return {}
        rows = db.session.scalars(select(self.model).where(self.model.id.in_(ids)))
        return {row.id: row for row in rows}

    def url(self, subject_id):
        def build():
            if self.endpoint in current_app.view_functions:
                return url_for(self.endpoint, _external=True, **{self.id_arg: subject_id})
            return portal_url() + self.index_path
        return cached(("url", self.name, subject_id), build)


@dataclass(frozen=True)
class Kind:
    name: str
    timing: str
    subject_type: str
    recipients: Callable
    preference: str | None = None
    render: Callable | None = None
    describe: Callable | None = None
    # Leave the event for a later batch (e.g. a news item published in the future).
    ready: Callable = field(default=lambda subject, now: True)
    # Still worth a notice at all (e.g. a general message that became a spoedbericht
    # gets the spoedbericht mail, not a digest line as well).
    wanted: Callable = field(default=lambda subject: True)
    # The ledger key of a single notice. Default "<subject type>:<id>": one notice per
    # item per parent, however many events. A kind whose every event is news of its own
    # (a teacher moving a booking twice) returns e.g. f"event:{event.id}".
    key: Callable | None = None

    def key_for(self, event):
        return self.key(event) if self.key else f"{event.subject_type}:{event.subject_id}"


SUBJECT_TYPES: dict[str, SubjectType] = {}
KINDS: dict[str, Kind] = {}


def register_subject_type(subject_type):
    SUBJECT_TYPES[subject_type.name] = subject_type
    return subject_type


def register_kind(kind):
    if kind.timing not in TIMINGS:
        raise ValueError(f"unknown timing {kind.timing!r}")
    if kind.timing == "weekly" and kind.describe is None:
        raise ValueError("a weekly kind needs describe()")
    if kind.timing != "weekly" and kind.render is None:
        raise ValueError("a single-notice kind needs render()")
    KINDS[kind.name] = kind
    return kind


def kinds_with(timing):
    return [name for name, kind in KINDS.items() if kind.timing == timing]


# --- recipients ------------------------------------------------------------------------------

def audience_parent_ids(school_wide, group_ids):
    """Parents (user ids) of current pupils in a school-wide or group audience, or None."""
    query = (
        select(Guardianship.parent_id)
        .join(Child, Child.id == Guardianship.child_id)
        .where(Child.left_at.is_(None), Child.group_id.is_not(None))
    )
    if not school_wide:
        group_ids = list(group_ids)
        if not group_ids:
            return None
        query = query.where(Child.group_id.in_(group_ids))
    return query


def item_audience(event, subject):
    """The audience of a school-wide-or-group item (news, message, album)."""
    return audience_parent_ids(subject.school_wide, [group.id for group in subject.groups])


def eligible(user_ids, preference):
    """Narrow a SELECT of user ids to those who get notification mail of this type.

    Parents only; an account that is deactivated gets nothing, and neither does one that
    was never activated: its address was never confirmed by the parent (a typo would send
    school news to a stranger) and every link in the mail needs a login it cannot do yet.
    The activation mail is what such a parent needs first.
    """
    query = select(User.id).where(
        User.id.in_(user_ids),
        User.role == Role.PARENT,
        User.activated_at.is_not(None),
        User.deactivated_at.is_(None),
    )
    if preference:
        query = query.where(~exists().where(
            NotificationPreference.user_id == User.id,
            NotificationPreference.kind == preference,
            NotificationPreference.enabled.is_(False),
        ))
    return query


# --- building a mail -------------------------------------------------------------------------

# Links and digest lines are the same for every recipient of a batch: built once per
# send run (the sender clears this at the start of each run), not once per mail.
_run_cache = {}


def clear_run_cache():
    _run_cache.clear()


def cached(key, build):
    value = _run_cache.get(key)
    if value is None:
        value = _run_cache[key] = build()
    return value


def portal_url():
    return current_app.config["PORTAL_URL"].rstrip("/")


def notifications_url():
    """Mijn account > Notificaties: where a parent switches these mails off."""
    def build():
        if "account.notifications" in current_app.view_functions:
            return url_for("account.notifications", _external=True)
        return portal_url() + "/account/notificaties"
    return cached(("notifications",), build)


def render_mail_template(name, context):
    """Render an email/ template with the app's Jinja environment (its filters, autoescape
    for .html), without the per-request context processors a web page needs."""
    return current_app.jinja_env.get_template(name).render(context)


def notice_message(recipient, subject, template, school_name, **context):
    """A Dutch notice (plain text and HTML) with the shared footer and List-Unsubscribe.

    Needs a request context for url_for (the sender pushes one per batch). The context
    holds only the recipient and school content, never another family's data.
    """
    link = notifications_url()
    context.update(recipient=recipient, school_name=school_name, notifications_url=link,
                   portal_url=portal_url())
    # PortalMessage builds every header (folded, encoded, no value can add a header).
    return PortalMessage(
        subject=f"{subject} – {school_name}",
        recipients=[recipient.email],
        body=render_mail_template(f"email/{template}.txt", context),
        html=render_mail_template(f"email/{template}.html", context),
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers={"List-Unsubscribe": f"<{link}>"},
    )


@dataclass
class NoticeItem:
    kind: Kind
    subject_type: str
    subject: object                 # the loaded model object (news item, message, album, ...)
    event: object | None = None     # the NotificationEvent (its payload), if still there


@dataclass
class Notice:
    """What a renderer gets: one recipient and the items of their notice (subjects loaded;
    a subject that was deleted in the meantime is left out)."""

    delivery_id: int
    kind: str
    recipient: User
    items: list   # [NoticeItem]; one for a single notice, several in a digest
    school_name: str

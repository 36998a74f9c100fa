"""The catalog of notification kinds: every fact about a kind, registered once.

A kind is registered in the `mail.py` of the module it is about (app/news, app/messages,
app/albums, app/meetings), which create_app imports; the planner and sender
(app/jobs/notifications), Mijn account > Notificaties and Beheer > E-mail all read it
here. Adding a kind is one `register_kind(Kind(...))` and its email/ template.

- `Preference`: a switch of Mijn account > Notificaties (key, label, place on the page),
  for parents (`audience="parents"`) or for staff (`"staff"`); each user sees the switches
  of their own audience (and `applies`, e.g. only parents with a child). On by default
  unless `default=False` (staff's morning summary: no row means off). Account mails cannot
  be switched off, so they have none; neither has a kind with `preference=None` (a leave
  decision, with its term for objection: app/absence/mail.py).
- `SubjectType`: what a notice can be about (a model), where a parent reads it, and how
  Beheer > E-mail lists it (section label and place, which items, the date it shows).
- `Kind`: one kind of notice (the `kind` of a NotificationEvent):
  - `label`: what Beheer > E-mail calls its mails;
  - `timing`: "immediate" (at once), "evening" (that day's 17:30 batch, at once when
    posted after it) or "weekly" (one digest per parent, Wednesday after 17:30);
  - `subject_type`: what the event's subject_id points at;
  - `audience`: whom it mails, "parents" (every kind until Afwezigheid) or "staff"
    (teachers and the office);
  - `preference`: the Notificaties switch that turns it off (of the same audience), or
    None: not switchable;
  - `recipients(event, subject)`: a SELECT of user ids. The planner narrows it to accounts
    of the kind's audience that are activated, not deactivated and whose switch is on
    (registry.eligible), and inserts one ledger row per recipient with one INSERT ... SELECT;
  - `render(notice)` (single notices): a PortalMessage, or None for "nothing to say";
    app/notifications/registry.notice_message builds one with the shared footer;
  - `describe(subject)` (weekly kinds): the digest line {"title", "url", "label", "date"};
  - `ready`, `ready_for`, `wanted`, `key`: see the fields below.
"""
from dataclasses import dataclass, field
from typing import Callable

from flask import url_for
from sqlalchemy import select

from app.extensions import db
from app.models import Role
from app.notifications.registry import cached

TIMINGS = ("immediate", "evening", "weekly")
AUDIENCES = ("parents", "staff")

# The ledger kind of the weekly digest (one mail holding the lines of several kinds).
DIGEST = "digest"
DIGEST_LABEL = "Weekoverzicht"


@dataclass(frozen=True)
class Preference:
    key: str             # NotificationPreference.kind (at most 20 characters)
    label: str | Callable  # the switch on Mijn account > Notificaties (a callable: built when shown)
    position: int        # its place on that page
    audience: str = "parents"
    default: bool = True   # no stored choice means this
    # Shown to (and counted for) this user only when applies(user) is true, e.g. parents
    # with a child; None: every account of the audience.
    applies: Callable | None = None
    hint: str | Callable = ""  # what the switch covers, under it on the page

    @property
    def text(self):
        return self.label() if callable(self.label) else self.label

    @property
    def hint_text(self):
        return self.hint() if callable(self.hint) else self.hint

    def shown_to(self, user):
        role = getattr(user, "role", None)
        in_audience = role == Role.PARENT if self.audience == "parents" else role in (Role.TEACHER, Role.ADMIN)
        return in_audience and (self.applies is None or bool(self.applies(user)))


@dataclass(frozen=True)
class SubjectType:
    """What a notice can be about, where a parent reads it, and its Beheer > E-mail section."""

    name: str
    model: type
    endpoint: str        # parent-side detail page
    id_arg: str          # its URL argument
    label: str           # the section of Beheer > E-mail
    position: int        # its place on that page
    # Records about one family (absence reports, leave requests), not something staff
    # publish: no section of Beheer > E-mail, and in its failed list a title only for those
    # `managed` lets see the record.
    private: bool = False
    # Beheer > E-mail: a WHERE clause (user -> clause) for the subjects a staff member
    # manages; None: app.access.managed_clause (school-wide-or-group items).
    managed: Callable | None = None
    # Beheer > E-mail: narrows the section's query (query -> query), e.g. opened rounds only.
    listed: Callable | None = None
    # Beheer > E-mail, per row: its title, the date shown ("Geplaatst"), a badge, a note after the title.
    title: Callable = field(default=lambda item: item.title)
    shown_at: Callable = field(default=lambda item: item.created_at)
    badge: Callable = field(default=lambda item: None)
    note: Callable = field(default=lambda item: None)

    @property
    def order_column(self):
        """Newest first in Beheer > E-mail: by publication when the model has one."""
        return getattr(self.model, "published_at", None) or self.model.created_at

    def load(self, ids):
        """{id: object} for these ids (one query); deleted ones are simply missing."""
        ids = sorted(set(ids))
        if not ids:
            return {}
        rows = db.session.scalars(select(self.model).where(self.model.id.in_(ids)))
        return {row.id: row for row in rows}

    def url(self, subject_id):
        return cached(("url", self.name, subject_id),
                      lambda: url_for(self.endpoint, _external=True, **{self.id_arg: subject_id}))


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    timing: str
    subject_type: str
    preference: str | None   # None: cannot be switched off
    recipients: Callable
    audience: str = "parents"
    render: Callable | None = None
    describe: Callable | None = None
    # Leave the event for a later batch (e.g. a news item published in the future).
    ready: Callable = field(default=lambda subject, now: True)
    # The same with the event, when its payload says when it is due (ready_for(event,
    # subject, now); e.g. the morning summary of the day in its payload). Replaces `ready`.
    ready_for: Callable | None = None
    # Still worth a notice at all (e.g. a general message that became a spoedbericht
    # gets the spoedbericht mail, not a digest line as well).
    wanted: Callable = field(default=lambda subject: True)
    # The ledger key of a single notice. Default "<subject type>:<id>": one notice per
    # item per parent, however many events. A kind whose every event is news of its own
    # (a teacher moving a booking twice) returns e.g. f"event:{event.id}".
    key: Callable | None = None

    def key_for(self, event):
        return self.key(event) if self.key else f"{event.subject_type}:{event.subject_id}"

    def is_ready(self, event, subject, now):
        return self.ready_for(event, subject, now) if self.ready_for else self.ready(subject, now)

    @property
    def default_on(self):
        """Whether a recipient without a stored choice gets it (True when not switchable)."""
        return PREFERENCES[self.preference].default if self.preference else True


PREFERENCES: dict[str, Preference] = {}
SUBJECT_TYPES: dict[str, SubjectType] = {}
KINDS: dict[str, Kind] = {}


def register_preference(preference):
    if preference.audience not in AUDIENCES:
        raise ValueError(f"unknown audience {preference.audience!r}")
    if len(preference.key) > 20:
        raise ValueError(f"preference key {preference.key!r} is longer than 20 characters")
    PREFERENCES[preference.key] = preference
    return preference


def register_subject_type(subject_type):
    SUBJECT_TYPES[subject_type.name] = subject_type
    return subject_type


def register_kind(kind):
    if kind.timing not in TIMINGS:
        raise ValueError(f"unknown timing {kind.timing!r}")
    if kind.audience not in AUDIENCES:
        raise ValueError(f"unknown audience {kind.audience!r}")
    if kind.timing == "weekly" and kind.describe is None:
        raise ValueError("a weekly kind needs describe()")
    if kind.timing != "weekly" and kind.render is None:
        raise ValueError("a single-notice kind needs render()")
    if kind.preference is not None and kind.preference not in PREFERENCES:
        raise ValueError(f"unknown preference {kind.preference!r} (register_preference first)")
    if kind.preference is not None and PREFERENCES[kind.preference].audience != kind.audience:
        raise ValueError(f"preference {kind.preference!r} is not for {kind.audience}")
    if kind.subject_type not in SUBJECT_TYPES:
        raise ValueError(f"unknown subject type {kind.subject_type!r} (register_subject_type first)")
    KINDS[kind.name] = kind
    return kind


# --- what the readers ask -----------------------------------------------------------------------

def kinds_with(timing):
    return [name for name, kind in KINDS.items() if kind.timing == timing]


def preferences_of(user=None):
    """The Notificaties switches (Preference) in the order of the page: those shown to
    `user` (their audience, `applies`), or every switch."""
    ordered = sorted(PREFERENCES.values(), key=lambda pref: (pref.audience != "parents", pref.position))
    return [pref for pref in ordered if user is None or pref.shown_to(user)]


def preference_labels(user=None):
    """{key: label} of the Notificaties switches (of `user`), in the order of the page."""
    return {pref.key: pref.text for pref in preferences_of(user)}


def overview_subject_types():
    """The subject types in the order of the sections of Beheer > E-mail."""
    return sorted((subject for subject in SUBJECT_TYPES.values() if not subject.private),
                  key=lambda subject: subject.position)


def kind_label(name):
    """What Beheer > E-mail calls the mails of a notice kind (the digest too)."""
    if name == DIGEST:
        return DIGEST_LABEL
    kind = KINDS.get(name)
    return kind.label if kind else name

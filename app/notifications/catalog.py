"""The catalog of notification kinds: every fact about a kind, registered once.

A kind is registered in the `mail.py` of the module it is about (app/news, app/messages,
app/albums, app/meetings), which create_app imports; the planner and sender
(app/jobs/notifications), Mijn account > Notificaties and Beheer > E-mail all read it
here. Adding a kind is one `register_kind(Kind(...))` and its email/ template.

- `Preference`: a switch of Mijn account > Notificaties (key, label, place on the page),
  all on by default. Account mails cannot be switched off, so they have none.
- `SubjectType`: what a notice can be about (a model), where a parent reads it, and how
  Beheer > E-mail lists it (section label and place, which items, the date it shows).
- `Kind`: one kind of notice (the `kind` of a NotificationEvent):
  - `label`: what Beheer > E-mail calls its mails;
  - `timing`: "immediate" (at once), "evening" (that day's 17:30 batch, at once when
    posted after it) or "weekly" (one digest per parent, Wednesday after 17:30);
  - `subject_type`: what the event's subject_id points at;
  - `preference`: the Notificaties switch that turns it off;
  - `recipients(event, subject)`: a SELECT of user ids (the audience). The planner
    narrows it to parents with an activated, not deactivated account whose switch is on,
    and inserts one ledger row per parent with one INSERT ... SELECT;
  - `render(notice)` (single notices): a PortalMessage, or None for "nothing to say";
    app/notifications/registry.notice_message builds one with the shared footer;
  - `describe(subject)` (weekly kinds): the digest line {"title", "url", "label", "date"};
  - `ready`, `wanted`, `key`: see the fields below.
"""
from dataclasses import dataclass, field
from typing import Callable

from flask import url_for
from sqlalchemy import select

from app.extensions import db
from app.notifications.registry import cached

TIMINGS = ("immediate", "evening", "weekly")

# The ledger kind of the weekly digest (one mail holding the lines of several kinds).
DIGEST = "digest"
DIGEST_LABEL = "Weekoverzicht"


@dataclass(frozen=True)
class Preference:
    key: str             # NotificationPreference.kind
    label: str           # the switch on Mijn account > Notificaties
    position: int        # its place on that page


@dataclass(frozen=True)
class SubjectType:
    """What a notice can be about, where a parent reads it, and its Beheer > E-mail section."""

    name: str
    model: type
    endpoint: str        # parent-side detail page
    id_arg: str          # its URL argument
    label: str           # the section of Beheer > E-mail
    position: int        # its place on that page
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
    preference: str
    recipients: Callable
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


PREFERENCES: dict[str, Preference] = {}
SUBJECT_TYPES: dict[str, SubjectType] = {}
KINDS: dict[str, Kind] = {}


def register_preference(preference):
    PREFERENCES[preference.key] = preference
    return preference


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
    if kind.preference not in PREFERENCES:
        raise ValueError(f"unknown preference {kind.preference!r} (register_preference first)")
    if kind.subject_type not in SUBJECT_TYPES:
        raise ValueError(f"unknown subject type {kind.subject_type!r} (register_subject_type first)")
    KINDS[kind.name] = kind
    return kind


# --- what the readers ask -----------------------------------------------------------------------

def kinds_with(timing):
    return [name for name, kind in KINDS.items() if kind.timing == timing]


def preference_labels():
    """{key: label} of the Notificaties switches, in the order of the page."""
    return {pref.key: pref.label for pref in sorted(PREFERENCES.values(), key=lambda pref: pref.position)}


def overview_subject_types():
    """The subject types in the order of the sections of Beheer > E-mail."""
    return sorted(SUBJECT_TYPES.values(), key=lambda subject: subject.position)


def kind_label(name):
    """What Beheer > E-mail calls the mails of a notice kind (the digest too)."""
    if name == DIGEST:
        return DIGEST_LABEL
    kind = KINDS.get(name)
    return kind.label if kind else name

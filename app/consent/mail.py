"""Toestemming in the notification catalog (app/notifications/catalog.py): the yearly request
and its reminder two weeks later, both about the school year's ConsentRequest
(app/consent/requests.start_yearly_request records both events at once).

- consent_request: at once, to the parents of current pupils with a writable link (the
  planner narrows that to activated, active accounts whose switch is on): one mail per
  parent, naming their own children with a link to each child's tab;
- consent_reminder: `ready` only from 14 days after the request (the planner leaves the
  event and asks again every tick); then to the parents who themselves have not answered
  some purpose of that school year for a current child (writable link). Decided again when
  the mail is rendered: a parent who answered in the meantime gets nothing.

Both are switched off with "Vragen om toestemming (beeldmateriaal)" under Mijn account ›
Notificaties; Home keeps asking regardless (app/consent/home.py). A request of an earlier
school year is no news any more (`wanted`)."""
from flask import url_for
from sqlalchemy import and_, exists, false, or_, select, true

from app import clock
from app.consent.requests import REMINDER_AFTER
from app.extensions import db
from app.models import Child, ConsentAnswer, ConsentRequest, Guardianship, Role
from app.names import person_sort_key
from app.notifications.catalog import (
    Kind,
    Preference,
    SubjectType,
    register_kind,
    register_preference,
    register_subject_type,
)
from app.notifications.registry import cached, notice_message
from app.privacy.consent import active_purposes, states_for

# After "Nieuwe fotoalbums" (40): it is about the photos, before "Oudergesprekken" (50).
register_preference(Preference("consent", "Vragen om toestemming (beeldmateriaal)", position=45))

register_subject_type(SubjectType(
    "consent_request", ConsentRequest, "consent.request", "request_id", label="Toestemming", position=50,
    # The yearly request is the office's: teachers do not manage it.
    managed=lambda user: true() if user.role == Role.ADMIN else false(),
    title=lambda request: f"Toestemming gevraagd voor schooljaar {request.school_year}",
))


def _writable_current_links():
    return (select(Guardianship.parent_id)
            .join(Child, Child.id == Guardianship.child_id)
            .where(Child.left_at.is_(None), Child.group_id.is_not(None), Guardianship.read_only.is_(False)))


def _version_ids(year):
    return [purpose.current.id for purpose in active_purposes(year) if purpose.current]


def request_recipients(event, request):
    return _writable_current_links()


def reminder_recipients(event, request):
    """Parents with a writable link to a current child for which they themselves did not
    answer some purpose of the request's school year (the current text)."""
    version_ids = _version_ids(request.school_year)
    if not version_ids:
        return None
    unanswered = [~exists().where(ConsentAnswer.child_id == Guardianship.child_id,
                                  ConsentAnswer.parent_id == Guardianship.parent_id,
                                  ConsentAnswer.version_id == version_id,
                                  ConsentAnswer.school_year == request.school_year)
                  for version_id in version_ids]
    return _writable_current_links().where(or_(*unanswered))


def _own_children(recipient):
    """The recipient's current children with a writable link, by name."""
    children = db.session.scalars(
        select(Child).join(Guardianship, and_(Guardianship.child_id == Child.id,
                                              Guardianship.parent_id == recipient.id))
        .where(Child.left_at.is_(None), Child.group_id.is_not(None), Guardianship.read_only.is_(False))
    ).all()
    return sorted(children, key=person_sort_key)


def _links(children):
    return [{"child": child, "url": url_for("consent.show", child_id=child.id, _external=True)}
            for child in children]


def _message(notice, subject, template, request, children):
    from app.settings import school_details

    purposes = active_purposes(request.school_year)
    return notice_message(notice.recipient, subject, template, notice.school_name,
                          school_year=request.school_year, purposes=[p.name for p in purposes if p.current],
                          children=_links(children),
                          overview_url=url_for("consent.overview", _external=True),
                          school_contact=cached(("school_contact",), school_details))


def render_request(notice):
    request = notice.items[0].subject
    children = _own_children(notice.recipient)
    if not children or not active_purposes(request.school_year):
        return None
    return _message(notice, f"Toestemming gevraagd voor schooljaar {request.school_year}", "consent_request",
                    request, children)


def render_reminder(notice):
    request = notice.items[0].subject
    children = _own_children(notice.recipient)
    states = states_for([child.id for child in children], request.school_year)
    open_children = [child for child in children
                     if any(state.answer_of(notice.recipient.id) is None for state in states[child.id])]
    if not open_children:
        return None  # answered since the planning: nothing to remind of
    return _message(notice, f"Herinnering: toestemming voor schooljaar {request.school_year}", "consent_reminder",
                    request, open_children)


def _this_year(request):
    return request.school_year == clock.school_year()


register_kind(Kind(
    name="consent_request", label="Toestemming gevraagd", timing="immediate",
    subject_type="consent_request", preference="consent",
    recipients=request_recipients, render=render_request, wanted=_this_year,
))
register_kind(Kind(
    name="consent_reminder", label="Herinnering toestemming", timing="immediate",
    subject_type="consent_request", preference="consent",
    recipients=reminder_recipients, render=render_reminder, wanted=_this_year,
    ready=lambda request, now: now >= request.created_at + REMINDER_AFTER,
))

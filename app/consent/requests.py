"""The yearly consent request: once per school year the office asks every parent; two weeks
later the parents who did not answer get a reminder (both through the catalog, app/consent/mail.py)."""
from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.audit import record_change
from app.extensions import db
from app.models import ConsentRequest
from app.notifications.services import record_event
from app.privacy.consent import ConsentRefused, active_purposes

# The reminder goes to the parents who did not answer, two weeks after the request.
REMINDER_AFTER = timedelta(days=14)


def request_for(year=None):
    """This school year's request, or None."""
    year = year or clock.school_year()
    return db.session.scalar(select(ConsentRequest).where(ConsentRequest.school_year == year))


def start_yearly_request(actor, year=None):
    """Ask every parent for this school year's answers: the request now, the reminder after
    two weeks (the reminder kind waits until then). Once per school year."""
    year = year or clock.school_year()
    if request_for(year) is not None:
        raise ConsentRefused(f"De toestemming voor schooljaar {year} is al gevraagd.")
    if not active_purposes(year):
        raise ConsentRefused(f"Er zijn voor schooljaar {year} nog geen doelen om toestemming voor te vragen.")
    request = ConsentRequest(school_year=year, created_by_id=actor.id)
    db.session.add(request)
    db.session.flush()
    record_event("consent_request", "consent_request", request.id, actor)
    record_event("consent_reminder", "consent_request", request.id, actor)
    record_change(actor, "school", 0, "toestemming gevraagd", ["consent"])
    db.session.commit()
    return request

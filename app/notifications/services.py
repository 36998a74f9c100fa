"""Recording what the worker will mail, everyone's switches, and Beheer > E-mail.

Nothing is sent from a web request. What a kind is (its label, preference, subject type,
timing) is read from the catalog (app/notifications/catalog.py), which create_app fills.
"""
from datetime import timedelta

from flask import abort
from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy.orm import selectinload

from app.access import managed_clause
from app.extensions import db
from app.jobs.account_mail import ACCOUNT_MAILS, ACCOUNT_PREFIX
from app.models import NotificationDelivery as Delivery
from app.models import NotificationDeliveryItem as Item
from app.models import NotificationEvent, NotificationPreference, Role, utcnow
from app.notifications import catalog
from app.notifications.timing import due_at


def record_event(kind, subject_type, subject_id, actor=None, **payload):
    """Add a notification event to the caller's transaction (the caller commits).

    The worker picks it up at the right time for its kind (SPEC.md, E-mail) and sends
    one mail per recipient; see app/jobs for the schedule and the delivery ledger.
    """
    if kind not in catalog.KINDS:
        raise ValueError(f"unknown notification kind: {kind}")
    event = NotificationEvent(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        created_by_id=getattr(actor, "id", None),
        payload=payload,
    )
    db.session.add(event)
    return event


def preferences_for(user):
    """{type key: enabled} for every switch this user has (those of their audience: a
    parent's, or a staff member's); a type without a stored choice has its default (on,
    but for the staff's morning summary)."""
    stored = {
        pref.kind: pref.enabled
        for pref in db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    }
    return {pref.key: stored.get(pref.key, pref.default) for pref in catalog.preferences_of(user)}


def set_preference(user, kind, enabled):
    """Switch one type on or off (caller commits)."""
    if kind not in catalog.PREFERENCES:
        raise ValueError(f"unknown notification type: {kind}")
    pref = db.session.scalar(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id, NotificationPreference.kind == kind)
    )
    if pref is None:
        db.session.add(NotificationPreference(user_id=user.id, kind=kind, enabled=enabled))
    else:
        pref.enabled = enabled


# --- Beheer > E-mail: what went out, what failed, retrying ------------------------------------

PENDING_STATES = ("pending", "sending")


def _managed(user, subject_type):
    """WHERE clause: the subjects of this type that a staff member manages."""
    if subject_type.managed is not None:
        return subject_type.managed(user)
    return managed_clause(user, subject_type.model)


def _managed_subject_clause(user):
    """Ledger items about content this staff member manages (the office: everything)."""
    if user.role == Role.ADMIN:
        return true()
    if user.role != Role.TEACHER:
        return false()
    return or_(false(), *[
        and_(Item.subject_type == name,
             Item.subject_id.in_(select(subject.model.id).where(_managed(user, subject))))
        for name, subject in catalog.SUBJECT_TYPES.items()
    ])


def mail_counts(subject_type, subject_ids):
    """{subject_id: {"sent": n, "failed": n, "pending": n}} in one query."""
    counts = {subject_id: {"sent": 0, "failed": 0, "pending": 0, "skipped": 0} for subject_id in subject_ids}
    if not subject_ids:
        return counts
    rows = db.session.execute(
        select(Item.subject_id, Delivery.state, func.count(func.distinct(Delivery.id)))
        .join(Delivery, Delivery.id == Item.delivery_id)
        .where(Item.subject_type == subject_type, Item.subject_id.in_(subject_ids))
        .group_by(Item.subject_id, Delivery.state)
    ).all()
    for subject_id, state, count in rows:
        bucket = "pending" if state in PENDING_STATES else state
        counts[subject_id][bucket] = counts[subject_id].get(bucket, 0) + count
    return counts


def _waiting_since(subject_type, subject_ids, published=None):
    """{subject_id: when its notice goes out} for items whose event is not planned yet
    (a news item published later goes out with the digest after its publication)."""
    if not subject_ids:
        return {}
    waiting = {}
    for event in db.session.scalars(
        select(NotificationEvent).where(
            NotificationEvent.subject_type == subject_type,
            NotificationEvent.subject_id.in_(subject_ids),
            NotificationEvent.dispatched_at.is_(None),
        )
    ):
        kind = catalog.KINDS.get(event.kind)
        if kind is not None:
            since = max(event.created_at, (published or {}).get(event.subject_id) or event.created_at)
            moment = due_at(kind.timing, since)
            waiting[event.subject_id] = min(moment, waiting.get(event.subject_id, moment))
    return waiting


def mail_overview(user, limit=20):
    """Per subject type of the catalog (messages, albums, news, meeting rounds): the latest
    items this staff member manages, each with its mail counts (for a round: every meeting
    mail of it together, opened, final times and changes). A bounded number of queries."""
    sections = []
    for subject in catalog.overview_subject_types():
        model = subject.model
        query = (select(model).where(_managed(user, subject))
                 .order_by(subject.order_column.desc(), model.id.desc()).limit(limit))
        if subject.listed is not None:
            query = subject.listed(query)
        items = db.session.scalars(query).all()
        ids = [item.id for item in items]
        counts = mail_counts(subject.name, ids)
        waiting = _waiting_since(subject.name, ids, {item.id: getattr(item, "published_at", None) for item in items})
        sections.append({
            "name": subject.name,
            "label": subject.label,
            "rows": [{"item": item, "title": subject.title(item), "counts": counts[item.id],
                      "waiting": waiting.get(item.id), "shown_at": subject.shown_at(item), "badge": subject.badge(item), "note": subject.note(item)}
                     for item in items],
        })
    return sections


def failed_deliveries(user, limit=100):
    """Failed ledger rows this staff member may see (about content they manage; for the
    office also account mails), newest first, with the recipient and the titles of what
    the mail was about."""
    subject_types = catalog.SUBJECT_TYPES
    rows = db.session.scalars(
        select(Delivery)
        .where(Delivery.state == "failed", _visible_clause(user))
        .options(selectinload(Delivery.recipient), selectinload(Delivery.items))
        .order_by(Delivery.id.desc())
        .limit(limit)
    ).all()
    wanted = {}
    for row in rows:
        for item in row.items:
            wanted.setdefault(item.subject_type, set()).add(item.subject_id)
    subjects = {}
    for name, ids in wanted.items():
        loader = subject_types.get(name)
        found = {} if loader is None else _load_managed(user, loader, ids) if loader.private else loader.load(ids)
        for subject_id, subject in found.items():
            subjects[(name, subject_id)] = subject
    result = []
    for row in rows:
        titles = [subject_types[item.subject_type].title(subjects[(item.subject_type, item.subject_id)])
                  for item in row.items if (item.subject_type, item.subject_id) in subjects]
        result.append({"delivery": row, "titles": titles, "what": kind_label(row.kind)})
    return result


def _load_managed(user, subject_type, ids):
    """{id: object} of these private subjects that this staff member may see (one query): a
    parent's confirmation naming two children shows a teacher only their own pupil's title."""
    model = subject_type.model
    return {row.id: row for row in db.session.scalars(
        select(model).where(model.id.in_(sorted(ids)), _managed(user, subject_type)))}


def _visible_clause(user):
    """Ledger rows a staff member may see: those about content they manage, and for the
    office also the account mails (activation, reset, ...), which are about no item."""
    about_content = Delivery.id.in_(select(Item.delivery_id).where(_managed_subject_clause(user)))
    if user.role == Role.ADMIN:
        return or_(about_content, Delivery.kind.like(ACCOUNT_PREFIX + "%"))
    return about_content


def kind_label(kind):
    """What Beheer > E-mail calls a ledger kind."""
    if kind.startswith(ACCOUNT_PREFIX):
        spec = ACCOUNT_MAILS.get(kind[len(ACCOUNT_PREFIX):])
        return spec.label if spec else "Accountmail"
    return catalog.kind_label(kind)


def account_mail_overview(user, days=30, limit=50):
    """For the office: the account mails of the last `days` days per kind (sent, failed,
    waiting), and those waiting for a retry with their last error. None for teachers."""



    if user.role != Role.ADMIN:
        return None
    since = utcnow() - timedelta(days=days)
    counts = {}
    for kind, state, count in db.session.execute(
        select(Delivery.kind, Delivery.state, func.count())
        .where(Delivery.kind.like(ACCOUNT_PREFIX + "%"), Delivery.created_at >= since)
        .group_by(Delivery.kind, Delivery.state)
    ):
        bucket = counts.setdefault(kind_label(kind), {"sent": 0, "failed": 0, "pending": 0, "skipped": 0})
        key = "pending" if state in PENDING_STATES else state
        bucket[key] = bucket.get(key, 0) + count
    waiting = db.session.scalars(
        select(Delivery)
        .where(Delivery.kind.like(ACCOUNT_PREFIX + "%"), Delivery.state == "pending", Delivery.attempts > 0)
        .options(selectinload(Delivery.recipient))
        .order_by(Delivery.id.desc())
        .limit(limit)
    ).all()
    return {"days": days, "counts": sorted(counts.items()),
            "waiting": [{"delivery": row, "what": kind_label(row.kind)} for row in waiting]}


def delivery_for_staff(user, delivery_id):
    """A ledger row this staff member may see (about content they manage), or 404."""
    if not user.is_staff:
        abort(404)
    delivery = db.session.scalar(select(Delivery).where(Delivery.id == delivery_id, _visible_clause(user)))
    if delivery is None:
        abort(404)
    return delivery


def retry_delivery(user, delivery):
    """Put a failed mail back in the queue (fresh attempts). Returns a Dutch message.

    The caller enqueues the send run after this commit."""
    if delivery.state != "failed":
        return False, "Deze e-mail is niet mislukt; er is niets opnieuw te versturen."
    delivery.state = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = None
    delivery.last_error = None
    db.session.commit()
    return True, "De e-mail wordt opnieuw verstuurd."

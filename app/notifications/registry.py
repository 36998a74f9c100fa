"""What every notification kind shares: the audience, who is eligible, building the mail.

The kinds themselves are in the catalog (app/notifications/catalog.py), each registered
by the mail.py of its module; their `recipients`, `render` and `describe` use these:

- `audience_parent_ids` / `item_audience`: a SELECT of the parents of an audience;
- `eligible`: the planner's narrowing to the accounts (parents, or staff) that get
  notification mail of a type;
- `notice_message`: a PortalMessage (app/jobs/message.py) with the shared footer and the
  List-Unsubscribe header; `cached`: a value built once per send run, not once per mail;
- `Notice` / `NoticeItem`: what a renderer gets.
"""
from dataclasses import dataclass

from flask import current_app, url_for
from sqlalchemy import exists, select

from app.jobs.message import PortalMessage
from app.models import Child, Guardianship, NotificationPreference, Role, User


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


STAFF_ROLES = (Role.TEACHER, Role.ADMIN)


def eligible(user_ids, preference, audience="parents", default=True):
    """Narrow a SELECT of user ids to those who get notification mail of this type.

    Accounts of the kind's audience only: parents ("parents", every kind but Afwezigheid's
    staff mails) or teachers and the office ("staff"). An account that is deactivated gets
    nothing, and neither does one that was never activated: its address was never
    confirmed by its owner (a typo would send school news to a stranger) and every link
    in the mail needs a login it cannot do yet. The activation mail is what it needs first.

    `preference`: the switch (None: not switchable). Default on: everyone but those who
    switched it off; `default=False` (a staff member's morning summary): only those who
    switched it on.
    """
    roles = (Role.PARENT,) if audience == "parents" else STAFF_ROLES
    query = select(User.id).where(
        User.id.in_(user_ids),
        User.role.in_(roles) if len(roles) > 1 else User.role == roles[0],
        User.activated_at.is_not(None),
        User.deactivated_at.is_(None),
    )
    if preference:
        choice = exists().where(
            NotificationPreference.user_id == User.id,
            NotificationPreference.kind == preference,
            NotificationPreference.enabled.is_(not default),
        )
        query = query.where(~choice if default else choice)
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
    return cached(("notifications",), lambda: url_for("account.notifications", _external=True))


def render_mail_template(name, context):
    """Render an email/ template with the app's Jinja environment (its filters, autoescape
    for .html), without the per-request context processors a web page needs."""
    return current_app.jinja_env.get_template(name).render(context)


def item_notice(subject_type, title_prefix, template, name):
    """The render() of a notice about one item (an album, a spoedbericht): "<prefix>: <title>",
    the item under `name` and its link in the template; None when the item is gone."""
    def render(notice):
        item = notice.items[0].subject if notice.items else None
        if item is None:
            return None
        return notice_message(notice.recipient, f"{title_prefix}: {item.title}", template, notice.school_name,
                              url=subject_type.url(item.id), **{name: item})

    return render


def notice_message(recipient, subject, template, school_name, list_unsubscribe=True, **context):
    """A Dutch notice (plain text and HTML) with the shared footer and List-Unsubscribe.

    Needs a request context for url_for (the sender pushes one per batch). The context
    holds only the recipient and school content, never another family's data.
    `list_unsubscribe=False`: a mail that cannot be switched off (a leave decision) gets
    no List-Unsubscribe header (it would promise what Notificaties cannot do).
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
        extra_headers={"List-Unsubscribe": f"<{link}>"} if list_unsubscribe else {},
    )


@dataclass
class NoticeItem:
    kind: object                    # its Kind (app/notifications/catalog.py)
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

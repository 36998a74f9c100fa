"""Gesprekken in Beheer: teachers for the pupils of their groups (conversations with the
leerkracht), the office for all; answering inline, and answering a Berichten reply in a
new conversation with that parent."""
from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from app.access import admin_required, staff_required, taught_group_ids
from app.access.conversations import conversation_for, reply_for_staff
from app.conversations import hours, pages, queries, services, staff_bp
from app.conversations.forms import FromReplyForm, child_choices
from app.extensions import db
from app.htmx import render_page
from app.models import Child, Guardianship
from app.pagination import page_number
from app.request_input import db_int


@staff_bp.get("")
@staff_required
def index():
    from flask import request

    only_open = request.args.get("open") == "1"
    group_id = request.args.get("groep", type=db_int)
    return render_page("conversations/staff_index.html",
                       listing=queries.listing(current_user, page_number(), only_open=only_open, group_id=group_id),
                       only_open=only_open, group_id=group_id, groups=queries.staff_groups_with_open(current_user))


@staff_bp.get("/<int:conversation_id>")
@staff_required
def show(conversation_id):
    return pages.thread_page(current_user, conversation_for(current_user, conversation_id), staff=True)


@staff_bp.post("/<int:conversation_id>/antwoorden")
@staff_required
def write(conversation_id):
    return pages.write(current_user, conversation_for(current_user, conversation_id), staff=True)


@staff_bp.get("/<int:conversation_id>/bijlage/<int:message_id>")
@staff_required
def attachment(conversation_id, message_id):
    return pages.attachment(current_user, conversation_id, message_id)


def _reply_children(reply):
    """The reply author's current children in this staff member's groups (the office: all)."""
    return db.session.scalars(
        select(Child).join(Guardianship, Guardianship.child_id == Child.id)
        .where(Guardianship.parent_id == reply.author_id, Child.left_at.is_(None),
               Child.group_id.in_(taught_group_ids(current_user)), Child.erased_at.is_(None))
        .order_by(Child.first_name)).all()


@staff_bp.route("/reactie/<int:reply_id>", methods=["GET", "POST"])
@staff_required
def from_reply(reply_id):
    reply = reply_for_staff(current_user, reply_id)
    children = _reply_children(reply)
    if not children:
        abort(404)
    form = FromReplyForm()
    form.child_id.choices = child_choices(children)
    if not form.is_submitted():
        form.subject.data = f"Re: {reply.message.title}"[:150]
    if form.validate_on_submit():
        child = next(child for child in children if child.id == form.child_id.data)
        conversation = services.from_reply(current_user, reply, child, form.subject.data, form.text.data)
        flash(f"Uw antwoord staat in een gesprek met {reply.author.name}. Alleen deze ouder en de school zien het.",
              "success")
        return redirect(url_for("staff_conversations.show", conversation_id=conversation.id))
    return render_page("conversations/staff_from_reply.html", form=form, reply=reply,
                       status=422 if form.errors else 200)


@staff_bp.route("/werktijden", methods=["GET", "POST"])
@admin_required
def working_hours():
    """The school's working hours (the office): when staff are reached by Gesprekken."""
    from flask import request

    current = hours.working_hours()
    error = None
    start, end = f"{current.start:%H:%M}", f"{current.end:%H:%M}"
    if request.method == "POST":
        start, end = (request.form.get("start", "")[:10], request.form.get("end", "")[:10])
        chosen, error = hours.validate(start, end)
        if chosen is not None:
            hours.save(chosen)
            db.session.commit()
            flash(f"De werktijden zijn opgeslagen: {chosen.text} op schooldagen.", "success")
            return redirect(url_for("staff_conversations.working_hours"))
    return render_page("conversations/staff_hours.html", start=start, end=end, error=error,
                       status=422 if error else 200)

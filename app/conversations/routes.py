"""Gesprekken for parents: the list, starting a conversation, the thread (inline writing
with htmx, or a plain form post) and an attachment."""
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from app.access.conversations import conversation_children, conversation_for
from app.conversations import bp, hours, pages, queries, services
from app.conversations.forms import StartForm
from app.htmx import render_page
from app.images import UploadError
from app.pagination import page_number


def _parents_only():
    if current_user.is_staff:
        return redirect(url_for("staff_conversations.index"))
    if not current_user.is_parent:
        abort(404)
    return None


@bp.get("")
@login_required
def index():
    other = _parents_only()
    if other is not None:
        return other
    return render_page("conversations/index.html", listing=queries.listing(current_user, page_number()),
                       can_start=bool(conversation_children(current_user)))


@bp.route("/nieuw", methods=["GET", "POST"])
@login_required
def start():
    other = _parents_only()
    if other is not None:
        return other
    children = conversation_children(current_user)
    form = StartForm()
    form.set_children(children)
    if not children:
        flash("U kunt een gesprek beginnen zodra uw account aan een leerling is gekoppeld. Neem daarvoor contact op "
              "met de administratie van de school.", "info")
        return redirect(url_for("conversations.index"))
    if form.validate_on_submit():
        child = next(child for child in children if child.id == form.child_id.data)
        try:
            conversation, message = services.start(
                current_user, child, form.with_whom.data, form.subject.data, form.text.data, form.private.data,
                request.files.get(form.attachment.name))
        except UploadError as refused:
            form.attachment.errors = [str(refused)]
        else:
            flash(pages.delivery_note(message) or "Uw bericht is verstuurd.", "success")
            return redirect(url_for("conversations.show", conversation_id=conversation.id))
    return render_page("conversations/start.html", form=form, working_hours_text=hours.working_hours().text,
                       status=422 if form.errors else 200)


@bp.get("/<int:conversation_id>")
@login_required
def show(conversation_id):
    if current_user.is_staff:
        return redirect(url_for("staff_conversations.show", conversation_id=conversation_id))
    conversation = conversation_for(current_user, conversation_id)
    return pages.thread_page(current_user, conversation, staff=False)


@bp.post("/<int:conversation_id>/schrijven")
@login_required
def write(conversation_id):
    if not current_user.is_parent:
        abort(404)
    return pages.write(current_user, conversation_for(current_user, conversation_id), staff=False)


@bp.get("/<int:conversation_id>/bijlage/<int:message_id>")
@login_required
def attachment(conversation_id, message_id):
    return pages.attachment(current_user, conversation_id, message_id)

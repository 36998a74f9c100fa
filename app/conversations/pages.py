"""What the parents' and the Beheer pages of Gesprekken share: the thread with its form
(one page, two renderings: the whole page, or the `_thread.html` fragment htmx swaps), and
handling a message posted in it."""
from flask import abort, flash, redirect, request, url_for

from app.access.conversations import conversation_for
from app.conversations import attachments, hours, queries, services
from app.conversations.forms import WriteForm
from app.htmx import is_htmx, render_page
from app.images import UploadError


def delivery_note(message):
    """The parent's "wordt gelezen vanaf ..." for a message written outside the working hours."""
    if message is None or not hours.is_later(message.visible_at):
        return None
    return (f"Uw bericht is verstuurd. Het is buiten de werktijden van de school geschreven en wordt gelezen "
            f"vanaf {hours.read_from_text(message.visible_at)}.")


def thread_page(user, conversation, staff, form=None, error=None, sent=None, status=200):
    services.mark_read(user, conversation)
    endpoint = "staff_conversations" if staff else "conversations"
    return render_page(
        "conversations/show.html", "conversations/_thread.html", status=status,
        conversation=conversation, messages=queries.thread(user, conversation), staff=staff,
        form=form or WriteForm(), error=error, sent=sent, endpoint=endpoint,
        hours=hours.working_hours(), within_hours=hours.within())


def write(user, conversation, staff):
    """Handle a posted message: the fragment (htmx) or a redirect back to the thread."""
    form = WriteForm()
    if not form.validate_on_submit():
        return thread_page(user, conversation, staff, form=form, status=422)
    try:
        message = services.post(user, conversation, form.text.data, request.files.get(form.attachment.name))
    except (UploadError, services.Refused) as refused:
        form.attachment.errors = [*form.attachment.errors, str(refused)] if isinstance(refused, UploadError) else []
        return thread_page(user, conversation, staff, form=form, status=422,
                           error=None if isinstance(refused, UploadError) else str(refused))
    note = delivery_note(message) or ("Uw antwoord is verstuurd." if staff else "Uw bericht is verstuurd.")
    if is_htmx():  # an empty form: the text that was sent is in the thread now
        return thread_page(user, conversation, staff, form=WriteForm(formdata=None), sent=note)
    flash(note, "success")
    endpoint = "staff_conversations.show" if staff else "conversations.show"
    return redirect(url_for(endpoint, conversation_id=conversation.id) + "#laatste")


def attachment(user, conversation_id, message_id):
    """A message's attachment, for whoever may see the conversation and the message (404 otherwise)."""
    message = queries.message_in(conversation_for(user, conversation_id), message_id, user)
    if message is None:
        abort(404)
    return attachments.send(message)

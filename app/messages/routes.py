"""Berichten for parents (and staff reading them): list, message page, inline reply."""
from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required

from app.access import can_manage, item_for
from app.htmx import is_htmx, render_page
from app.messages import bp, services
from app.messages.forms import ReplyForm
from app.markdown import render_markdown
from app.models import Message
from app.pagination import page_number


@bp.get("")
@login_required
def index():
    listing = services.messages_for(current_user, page_number())
    return render_page("messages/index.html", listing=listing, unread=services.unread_count(current_user))


def _detail_context(message, form=None, error=None, sent=False):
    return {
        "message": message,
        "body": render_markdown(message.text),
        "replies": services.replies_visible_to(current_user, message),
        "can_reply": services.can_reply(current_user, message),
        "manages": current_user.is_staff and can_manage(current_user, message),
        "form": form or ReplyForm(),
        "reply_error": error,
        "sent": sent,
    }


@bp.get("/<int:message_id>")
@login_required
def show(message_id):
    message = item_for(current_user, Message, message_id)
    services.mark_read(current_user, message)
    return render_page("messages/show.html", **_detail_context(message))


@bp.post("/<int:message_id>/reageren")
@login_required
def reply(message_id):
    """Inline with htmx (answers the replies fragment) or as a plain form post."""
    message = item_for(current_user, Message, message_id)
    if not current_user.is_parent:
        abort(403)
    form = ReplyForm()
    error = None
    if not message.replies_allowed:
        error = "Op dit bericht kunt u niet reageren."
    elif form.validate_on_submit():
        try:
            services.add_reply(current_user, message, form.text.data)
        except services.ReplyRefused as refused:
            error = str(refused)
        else:
            if not is_htmx():
                flash("Uw reactie is verstuurd. Alleen u en de school kunnen hem lezen.", "success")
                return redirect(url_for("messages.show", message_id=message.id, _anchor="reacties"))
            return render_page("messages/show.html", "messages/_replies.html",
                               **_detail_context(message, form=ReplyForm(formdata=None), sent=True))
    elif "csrf_token" in form.errors:
        error = "Het formulier is verlopen. Laad de pagina opnieuw en probeer het nog eens."
    # htmx swaps a 422 into place (base.html's htmx-config), not a 403: a reply sent after
    # replies were switched off must still say why.
    status = 403 if not message.replies_allowed and not is_htmx() else 422
    return render_page("messages/show.html", "messages/_replies.html", status=status,
                       **_detail_context(message, form=form, error=error))

"""Berichten in Beheer: teachers for their groups, the office for the whole school."""
from flask import flash, redirect, url_for
from flask_login import current_user

from app.access import managed_item_for, staff_required
from app.audience import prepare_audience, save_audience_form
from app.htmx import render_page
from app.messages import services, staff_bp
from app.messages.forms import MessageForm
from app.markdown import render_markdown
from app.models import Message
from app.pagination import page_number


@staff_bp.get("")
@staff_required
def index():
    listing = services.managed_messages(current_user, page_number())
    return render_page("messages/staff_index.html", listing=listing)


def _save(form, message=None):
    """Validate and store; returns the message, or None with the errors on the form."""
    def store(**audience):
        fields = dict(title=form.title.data, text=form.text.data, urgent=form.urgent.data,
                      replies_allowed=form.replies_allowed.data, **audience)
        if message is None:
            return services.create_message(current_user, **fields)
        services.update_message(current_user, message, **fields)
        return message

    return save_audience_form(form, current_user, store)


@staff_bp.route("/nieuw", methods=["GET", "POST"])
@staff_required
def create():
    form = MessageForm()
    prepare_audience(form, current_user)
    message = _save(form)
    if message is not None:
        flash("Het bericht is geplaatst." + (" Ouders krijgen het vanavond per e-mail." if message.urgent else ""),
              "success")
        return redirect(url_for("staff_messages.show", message_id=message.id))
    return render_page("messages/staff_form.html", form=form, message=None, status=422 if form.errors else 200)


@staff_bp.get("/<int:message_id>")
@staff_required
def show(message_id):
    message = managed_item_for(current_user, Message, message_id)
    read, not_read = services.read_status(message)
    return render_page(
        "messages/staff_show.html", message=message, body=render_markdown(message.text),
        replies=services.replies_visible_to(current_user, message), read=read, not_read=not_read,
    )


@staff_bp.route("/<int:message_id>/wijzigen", methods=["GET", "POST"])
@staff_required
def edit(message_id):
    message = managed_item_for(current_user, Message, message_id)
    form = MessageForm(obj=message)
    prepare_audience(form, current_user, message)
    if _save(form, message) is not None:
        flash("Het bericht is gewijzigd.", "success")
        return redirect(url_for("staff_messages.show", message_id=message.id))
    return render_page("messages/staff_form.html", form=form, message=message, status=422 if form.errors else 200)


@staff_bp.post("/<int:message_id>/verwijderen")
@staff_required
def delete(message_id):
    message = managed_item_for(current_user, Message, message_id)
    services.delete_message(message)
    flash("Het bericht is verwijderd.", "success")
    return redirect(url_for("staff_messages.index"))

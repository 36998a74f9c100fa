"""Berichten in Beheer: teachers for their groups, the office for the whole school."""
from flask import flash, redirect, request, url_for
from flask_login import current_user

from app.access import managed_item_for, staff_required, taught_group_ids
from app.extensions import db
from app.htmx import render_page
from app.messages import services, staff_bp
from app.messages.forms import MessageForm, audience_fields
from app.messages.markdown import render_markdown
from app.models import Group, Message


def _choosable_groups():
    ids = taught_group_ids(current_user)
    return db.session.scalars(db.select(Group).where(Group.id.in_(ids)).order_by(Group.sort_order)).all()


def _form(message=None):
    form = MessageForm(obj=message)
    audience_fields(form, current_user, _choosable_groups())
    if message is not None and not form.is_submitted():
        form.groups.data = [group.id for group in message.groups]
    return form


@staff_bp.get("")
@staff_required
def index():
    listing = services.managed_messages(current_user, request.args.get("pagina", 1, type=int))
    return render_page("messages/staff_index.html", listing=listing)


@staff_bp.route("/nieuw", methods=["GET", "POST"])
@staff_required
def create():
    form = _form()
    if form.validate_on_submit():
        school_wide, group_ids = form.audience()
        message, problem = services.create_message(
            current_user, title=form.title.data, text=form.text.data, school_wide=school_wide,
            group_ids=group_ids, urgent=form.urgent.data, replies_allowed=form.replies_allowed.data,
        )
        if message is not None:
            flash("Het bericht is geplaatst." + (" Ouders krijgen het vanavond per e-mail." if message.urgent else ""),
                  "success")
            return redirect(url_for("staff_messages.show", message_id=message.id))
        form.groups.errors = [*form.groups.errors, problem]
    status = 422 if form.is_submitted() else 200
    return render_page("messages/staff_form.html", form=form, message=None, status=status)


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
    form = _form(message)
    if form.validate_on_submit():
        school_wide, group_ids = form.audience()
        problem = services.update_message(
            current_user, message, title=form.title.data, text=form.text.data, school_wide=school_wide,
            group_ids=group_ids, urgent=form.urgent.data, replies_allowed=form.replies_allowed.data,
        )
        if problem is None:
            flash("Het bericht is gewijzigd.", "success")
            return redirect(url_for("staff_messages.show", message_id=message.id))
        form.groups.errors = [*form.groups.errors, problem]
    status = 422 if form.is_submitted() else 200
    return render_page("messages/staff_form.html", form=form, message=message, status=status)


@staff_bp.post("/<int:message_id>/verwijderen")
@staff_required
def delete(message_id):
    message = managed_item_for(current_user, Message, message_id)
    services.delete_message(message)
    flash("Het bericht is verwijderd.", "success")
    return redirect(url_for("staff_messages.index"))

"""Agenda in Beheer (/beheer/agenda): teachers for their groups, the office for the whole school."""
from flask import flash, redirect, request, url_for
from flask_login import current_user

from app.access import managed_item_for, staff_required
from app.agenda import services, staff_bp
from app.agenda.forms import AgendaForm
from app.audience import prepare_audience, save_audience_form
from app.htmx import render_page
from app.models import AgendaItem
from app.pagination import page_number


@staff_bp.get("/", endpoint="index")
@staff_required
def manage():
    earlier = request.args.get("eerder") == "1"
    listing = services.managed_page(current_user, page_number(), earlier=earlier)
    return render_page("agenda/staff_index.html", listing=listing, earlier=earlier)


def _save(form, item=None):
    def store(**audience):
        data = dict(title=form.title.data, date=form.date.data, start_time=form.start_time.data,
                    end_time=form.end_time.data, location=form.location.data,
                    description=form.description.data, **audience)
        if item is None:
            return services.create_item(current_user, **data)
        return services.update_item(current_user, item, **data)

    return save_audience_form(form, current_user, store)


@staff_bp.route("/nieuw", methods=["GET", "POST"])
@staff_required
def create():
    form = AgendaForm()
    prepare_audience(form, current_user)
    if _save(form) is not None:
        flash("Het agenda-item is toegevoegd.", "success")
        return redirect(url_for("staff_agenda.index"))
    return render_page("agenda/staff_form.html", form=form, item=None, status=422 if form.errors else 200)


@staff_bp.route("/<int:item_id>/wijzigen", methods=["GET", "POST"])
@staff_required
def edit(item_id):
    item = managed_item_for(current_user, AgendaItem, item_id)
    form = AgendaForm(obj=item)
    prepare_audience(form, current_user, item)
    if _save(form, item) is not None:
        flash("Het agenda-item is gewijzigd.", "success")
        return redirect(url_for("staff_agenda.index"))
    return render_page("agenda/staff_form.html", form=form, item=item, status=422 if form.errors else 200)


@staff_bp.post("/<int:item_id>/verwijderen")
@staff_required
def delete(item_id):
    item = managed_item_for(current_user, AgendaItem, item_id)
    services.delete_item(item)
    flash("Het agenda-item is verwijderd.", "success")
    return redirect(url_for("staff_agenda.index"))

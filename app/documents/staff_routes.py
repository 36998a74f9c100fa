"""Documenten in Beheer (/beheer/documenten): upload, change and remove documents."""
from flask import flash, redirect, request, url_for
from flask_login import current_user

from app.access import managed_item_for, staff_required
from app.audience import prepare_audience, save_audience_form
from app.documents import files, services, staff_bp
from app.documents.forms import DocumentForm
from app.htmx import render_page
from app.images import UploadError
from app.models import Document
from app.pagination import page_number


@staff_bp.get("/", endpoint="index")
@staff_required
def manage():
    listing = services.managed_page(current_user, page_number())
    return render_page("documents/staff_index.html", listing=listing)


def _form(document=None):
    form = DocumentForm(obj=document)
    prepare_audience(form, current_user, document)
    form.folder.choices = services.folder_choices()
    if document is not None and not form.is_submitted():
        form.folder.data = document.folder_id or 0
    return form


def _save(form, document=None):
    def store(**audience):
        fields = dict(title=form.title.data, description=form.description.data, folder_id=form.folder.data,
                      new_folder=form.new_folder.data, upload=request.files.get(form.file.name), **audience)
        if document is None:
            return services.create_document(current_user, **fields)
        return services.update_document(current_user, document, **fields)

    return save_audience_form(form, current_user, store, {UploadError: form.file})


@staff_bp.route("/nieuw", methods=["GET", "POST"])
@staff_required
def create():
    form = _form()
    if _save(form) is not None:
        flash("Het document is geplaatst.", "success")
        return redirect(url_for("staff_documents.index"))
    return render_page("documents/staff_form.html", form=form, document=None, accept=files.ACCEPT,
                       status=422 if form.errors else 200)


@staff_bp.route("/<int:document_id>/wijzigen", methods=["GET", "POST"])
@staff_required
def edit(document_id):
    document = managed_item_for(current_user, Document, document_id)
    form = _form(document)
    if _save(form, document) is not None:
        flash("Het document is gewijzigd.", "success")
        return redirect(url_for("staff_documents.index"))
    return render_page("documents/staff_form.html", form=form, document=document, accept=files.ACCEPT,
                       status=422 if form.errors else 200)


@staff_bp.post("/<int:document_id>/verwijderen")
@staff_required
def delete(document_id):
    document = managed_item_for(current_user, Document, document_id)
    services.delete_document(document)
    flash("Het document is verwijderd.", "success")
    return redirect(url_for("staff_documents.index"))

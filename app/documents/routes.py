"""Documenten for parents (/documenten); the Beheer pages are in staff_routes.py."""
from flask import abort, send_file
from flask_login import current_user, login_required

from app.access import item_for
from app.documents import bp, files, services
from app.htmx import render_page
from app.models import Document
from app.pagecache import cached_page


@bp.get("/")
@cached_page
@login_required
def index():
    documents = services.visible_documents(current_user)
    return render_page("documents/index.html", folders=services.by_folder(documents), count=len(documents))


@bp.get("/<int:document_id>/download")
@login_required
def download(document_id):
    document = item_for(current_user, Document, document_id)
    path = files.path_of(document)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=document.mime_type, as_attachment=True,
                         download_name=document.original_name, conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response

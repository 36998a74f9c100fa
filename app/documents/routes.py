"""Documenten for parents (/documenten); the Beheer pages are in staff_routes.py."""
from flask_login import current_user, login_required

from app.access import item_for
from app.documents import bp, files, services
from app.htmx import render_page
from app.models import Document


@bp.get("/")
@login_required
def index():
    documents = services.visible_documents(current_user)
    return render_page("documents/index.html", folders=services.by_folder(documents), count=len(documents))


@bp.get("/<int:document_id>/download")
@login_required
def download(document_id):
    return files.serve(item_for(current_user, Document, document_id))

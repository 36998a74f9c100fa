"""Documents: what a user may download, and uploading/changing/removing them (Beheer).

A file is checked by content and stored under a random key before its row is committed;
when anything fails, the object is removed again, so a refused upload leaves nothing
behind. A replaced or deleted document's object goes after the commit.
"""
from itertools import groupby

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.access import managed_clause, visible_clause
from app.audience import resolve_audience
from app.documents import files
from app.extensions import db
from app.models import Document, DocumentFolder
from app.storage import delete_quietly, document_key

STAFF_PER_PAGE = 40


def _listing(clause, groups_joined=False):
    # The parents' list is not paged: load the groups in the same query (selectinload
    # would add a query per 500 documents).
    groups = joinedload(Document.groups) if groups_joined else selectinload(Document.groups)
    return (
        select(Document)
        .outerjoin(Document.folder)
        .where(clause)
        .options(contains_eager(Document.folder), groups)
        .order_by(
            DocumentFolder.sort_order.asc().nulls_last(), DocumentFolder.name.asc().nulls_last(),
            func.lower(Document.title), Document.id,
        )
    )


def visible_documents(user):
    return db.session.scalars(_listing(visible_clause(user, Document), groups_joined=True)).unique().all()


def by_folder(documents):
    """[(folder or None, [documents])], folders first in their order, then the loose ones."""
    return [(folder, list(docs)) for folder, docs in groupby(documents, key=lambda doc: doc.folder)]


def managed_page(user, page):
    return db.paginate(_listing(managed_clause(user, Document)), page=page, per_page=STAFF_PER_PAGE,
                       error_out=False)


def folders():
    return db.session.scalars(select(DocumentFolder).order_by(DocumentFolder.sort_order, DocumentFolder.name)).all()


def folder_choices():
    return [(0, "Geen map")] + [(folder.id, folder.name) for folder in folders()]


def _folder(folder_id, new_folder):
    """The chosen folder: a new name wins (reusing an existing one regardless of case)."""
    name = " ".join((new_folder or "").split())
    if name:
        existing = db.session.scalar(select(DocumentFolder).where(func.lower(DocumentFolder.name) == name.lower()))
        if existing is not None:
            return existing
        folder = DocumentFolder(name=name, sort_order=len(folders()))
        db.session.add(folder)
        return folder
    if folder_id and folder_id > 0:
        return db.session.get(DocumentFolder, folder_id)
    return None


def _unlink(stored_name):
    # Best effort: an object the store could not delete now goes with the daily sweep.
    if stored_name:
        delete_quietly([document_key(stored_name)])


def create_document(uploader, *, title, description, folder_id, new_folder, school_wide, group_ids, upload):
    """Check and store an uploaded document. Raises AudienceError or UploadError (Dutch)
    before anything is stored."""
    groups = resolve_audience(uploader, bool(school_wide), list(group_ids or []))
    checked = files.check_upload(upload)
    stored_name = files.store(checked)
    try:
        document = Document(
            title=title.strip(), description=(description or "").strip(),
            folder=_folder(folder_id, new_folder),
            original_name=checked.filename, stored_name=stored_name, kind=checked.kind.key,
            mime_type=checked.kind.mime_type, size_bytes=len(checked.data),
            school_wide=bool(school_wide), groups=groups, uploaded_by=uploader,
        )
        db.session.add(document)
        db.session.commit()
    except Exception:
        db.session.rollback()
        _unlink(stored_name)
        raise
    return document


def update_document(editor, document, *, title, description, folder_id, new_folder, school_wide, group_ids,
                    upload=None):
    """Change a document's details, and its file when a new one is uploaded."""
    groups = resolve_audience(editor, bool(school_wide), list(group_ids or []))
    checked = files.check_upload(upload) if upload is not None and getattr(upload, "filename", "") else None
    new_name = files.store(checked) if checked else None
    old_name = document.stored_name if checked else None
    try:
        document.title = title.strip()
        document.description = (description or "").strip()
        document.folder = _folder(folder_id, new_folder)
        document.school_wide = bool(school_wide)
        document.groups = groups
        if checked:
            document.original_name = checked.filename
            document.stored_name = new_name
            document.kind = checked.kind.key
            document.mime_type = checked.kind.mime_type
            document.size_bytes = len(checked.data)
            document.uploaded_by = editor
        db.session.commit()
    except Exception:
        db.session.rollback()
        _unlink(new_name)
        raise
    _unlink(old_name)
    return document


def delete_document(document):
    stored_name = document.stored_name
    db.session.delete(document)
    db.session.commit()
    _unlink(stored_name)


"""The keys of stored objects, one place for every kind, so the sweep and the check
(app/storage/references.py) know what each table refers to."""

IMAGES, DOCUMENTS, STATEMENTS, IMPORTS = "images/", "documents/", "statements/", "imports/"
PREFIXES = (IMAGES, DOCUMENTS, STATEMENTS, IMPORTS)


def image_key(stem, extension, thumb=False):
    """images/<stem>.<ext> and its thumbnail images/<stem>_thumb.<ext>."""
    return f"{IMAGES}{stem}{'_thumb' if thumb else ''}.{extension}"


def document_key(stored_name):
    return DOCUMENTS + stored_name


def statement_key(stored_name):
    return STATEMENTS + stored_name


def import_key(token):
    """The CSV import's file between preview and import (referenced by a session only)."""
    return f"{IMPORTS}{token}.csv"

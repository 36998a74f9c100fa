"""Which objects the database refers to: the check that every row has its object
(`flask storage check`, and after a restore) and the daily sweep of objects no row refers to.

Rows with objects: StoredImage (the image and its thumbnail), Document (stored_name),
LeaveRequest (statement_stored). The CSV import's held file (imports/) is referred to by an
office session only, for a day at most.
"""
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.storage.backend import get_storage
from app.storage.base import StorageError
from app.storage.keys import PREFIXES, document_key, image_key, statement_key

log = logging.getLogger(__name__)
SWEEP_AFTER = timedelta(days=1)


def expected_objects():
    """{key: what refers to it} for every row that has an object."""
    from app.models import Document, LeaveRequest, StoredImage

    expected = {}
    for row in db.session.execute(select(StoredImage.id, StoredImage.purpose, StoredImage.stem,
                                         StoredImage.extension)):
        for thumb in (False, True):
            what = f"foto #{row.id} ({row.purpose}{', miniatuur' if thumb else ''})"
            expected[image_key(row.stem, row.extension, thumb)] = what
    for row in db.session.execute(select(Document.id, Document.stored_name)):
        expected[document_key(row.stored_name)] = f"document #{row.id}"
    for row in db.session.execute(select(LeaveRequest.id, LeaveRequest.statement_stored)
                                  .where(LeaveRequest.statement_stored.is_not(None))):
        expected[statement_key(row.statement_stored)] = f"verlofaanvraag #{row.id} (verklaring)"
    return expected


def referenced_keys():
    """The keys some row refers to (a set)."""
    return set(expected_objects())


def stored_keys(storage=None):
    """{key: StoredKey} of every object under the portal's prefixes."""
    storage = storage or get_storage()
    return {item.key: item for prefix in PREFIXES for item in storage.keys(prefix)}


def missing_objects(storage=None):
    """[(key, what refers to it)] of the rows whose object is not in the store, sorted.
    One listing per prefix, not a request per row."""
    present = stored_keys(storage)
    return sorted((key, what) for key, what in expected_objects().items() if key not in present)


def sweep_unreferenced(now=None, storage=None):
    """Delete every object that no row refers to and that is older than a day; the count.

    Younger ones may belong to a row that is being committed, a leave form that came back
    for confirmation or a CSV import between preview and import. `now` is the real time
    (not the portal's pretend clock: the objects' times are real), a test may pass another.
    An unreachable store ends the sweep quietly (logged): the daily job goes on."""
    storage = storage or get_storage()
    now = now or datetime.now(UTC)
    referenced = referenced_keys()  # first: an object written after this is younger than a day
    removed = 0
    try:
        for key, item in stored_keys(storage).items():
            if key not in referenced and now - item.modified > SWEEP_AFTER:
                storage.delete(key)
                removed += 1
    except StorageError:  # the store is away: the next day's run goes on where this one stopped
        log.exception("storage sweep: the store could not be reached")
    return removed

"""Objects follow the database transaction they belong to.

The order that never leaves a row without its object: an object is written first, under
its final random key, and its row committed after; an object is deleted only once the
delete of its row has committed. What goes wrong in between leaves an object no row refers
to, never a row without its object, and the daily sweep (app/storage/references.py)
removes such objects once they are a day old.

`discard_unless_committed(keys)`: objects just written for rows in the session's
transaction; when it ends without a commit (a rollback, an error, the request's session
closed), they are deleted again. `delete_after_commit(keys)`: objects of rows being
deleted; they go right after the commit, and stay when the transaction rolls back.
"""
import logging

from sqlalchemy import event

from app.extensions import db
from app.storage.backend import get_storage
from app.storage.base import StorageError

log = logging.getLogger(__name__)
WRITTEN, DOOMED = "storage.written", "storage.delete_after_commit"


def _remember(name, keys):
    session = db.session()
    if not session.in_transaction():
        session.begin()
    session.info.setdefault(name, []).extend(keys)


def discard_unless_committed(*keys):
    _remember(WRITTEN, keys)


def delete_after_commit(*keys):
    _remember(DOOMED, keys)


def delete_quietly(keys):
    """Delete objects, logging (not raising) what fails: the sweep removes those later."""
    if not keys:
        return
    try:
        get_storage().delete_many(keys)
    except (StorageError, RuntimeError):
        log.warning("storage: %s object(s) could not be deleted now; the daily sweep removes them", len(keys))


@event.listens_for(db.session, "after_commit")
def _after_commit(session):
    if session.in_nested_transaction():
        return  # a savepoint: the transaction has not committed yet
    session.info.pop(WRITTEN, None)
    delete_quietly(session.info.pop(DOOMED, None))


@event.listens_for(db.session, "after_transaction_end")
def _after_end(session, transaction):
    if transaction.parent is not None:
        return
    session.info.pop(DOOMED, None)
    delete_quietly(session.info.pop(WRITTEN, None))

"""School settings: name, contact details, modules on/off. Stored in school_settings.

Every page asks for some (the footer's contact details, modules, cut-off times), and they
change a few times a year: each web process keeps all of them (one query) for at most
SETTINGS_CACHE_SECONDS (default 30). A process that commits a change forgets its copy at
once; other processes see it within that time. While this request's session holds an
unsaved change, settings are read from the session as before.
"""
import time
from itertools import chain

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import SchoolSetting

# Modules the school can switch on or off, with their default (SPEC.md: Resultaten off here).
MODULES = {"resultaten": False}


class _Kept:
    """One process's copy of every setting, and when it was read."""

    def __init__(self):
        self.values, self.read_at = None, 0.0


def init_app(app):
    app.extensions["school_settings"] = _Kept()


def _changing():
    """Whether this session holds a change to a setting that is not committed yet (a flag
    set by set_setting and at a flush; asked at every read, so it looks at nothing else:
    a session with thousands of changed rows, a batch of mails, pays nothing for it)."""
    return db.session().info.get("settings_wrote", False)


def all_settings():
    """{key: value} of every setting: the process's copy when fresh, else one query. A
    database that cannot be read gives {} (error pages still render) and is asked again."""
    kept = current_app.extensions.get("school_settings")
    seconds = current_app.config.get("SETTINGS_CACHE_SECONDS", 30)
    if kept is not None and kept.values is not None and time.monotonic() - kept.read_at < seconds \
            and not _changing():
        return kept.values
    try:
        values = dict(db.session.execute(select(SchoolSetting.key, SchoolSetting.value)).all())
    except SQLAlchemyError:
        db.session.rollback()
        return {}
    if kept is not None and not _changing():
        kept.values, kept.read_at = values, time.monotonic()
    return values


@event.listens_for(Session, "after_flush")
def _flushed(session, flush_context):
    if any(isinstance(row, SchoolSetting) for row in chain(session.new, session.dirty, session.deleted)):
        session.info["settings_wrote"] = True


@event.listens_for(Session, "after_commit")
def _committed(session):
    if session.info.pop("settings_wrote", False) and has_app_context():
        kept = current_app.extensions.get("school_settings")
        if kept is not None:
            kept.values = None


@event.listens_for(Session, "after_rollback")
def _rolled_back(session):
    session.info.pop("settings_wrote", None)


def get_setting(key, default=""):
    if _changing():
        row = db.session.get(SchoolSetting, key)
        return row.value if row is not None else default
    return all_settings().get(key, default)


def set_setting(key, value):
    """Store a setting (caller commits)."""
    db.session().info["settings_wrote"] = True
    row = db.session.get(SchoolSetting, key)
    if row is None:
        db.session.add(SchoolSetting(key=key, value=str(value)))
    else:
        row.value = str(value)


def module_enabled(name):
    default = MODULES.get(name, False)
    value = get_setting(f"module.{name}", "1" if default else "0")
    return value == "1"


def school_name():
    return get_setting("school.name", "") or current_app.config["SCHOOL_NAME"]


# Contact details of the school (Beheer > Instellingen), shown in the footer and in mails.
CONTACT_KEYS = ("address", "postcode_city", "phone", "email", "website")


def school_details():
    """{"name": ..., "address": ..., "postcode_city": ..., "phone": ..., "email": ..., "website": ...}
    from the kept settings. Used by every page render, also error pages: a database that
    cannot be read gives the configured name instead of a second error."""
    rows = all_settings()
    details = {key: rows.get(f"school.{key}", "") for key in CONTACT_KEYS}
    details["name"] = rows.get("school.name") or current_app.config["SCHOOL_NAME"]
    return details

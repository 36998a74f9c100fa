"""School settings: name, contact details, modules on/off. Stored in school_settings."""
from flask import current_app

from app.extensions import db
from app.models import SchoolSetting

# Modules the school can switch on or off, with their default (SPEC.md: Resultaten off here).
MODULES = {"resultaten": False}


def get_setting(key, default=""):
    row = db.session.get(SchoolSetting, key)
    return row.value if row is not None else default


def set_setting(key, value):
    """Store a setting (caller commits)."""
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
    in one query. Used by every page render, also error pages: a database that cannot be
    read gives the configured name instead of a second error."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    try:
        rows = dict(db.session.execute(
            select(SchoolSetting.key, SchoolSetting.value).where(SchoolSetting.key.like("school.%"))
        ).all())
    except SQLAlchemyError:
        db.session.rollback()
        rows = {}
    details = {key: rows.get(f"school.{key}", "") for key in CONTACT_KEYS}
    details["name"] = rows.get("school.name") or current_app.config["SCHOOL_NAME"]
    return details

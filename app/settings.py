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

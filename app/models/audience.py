"""Who an item is for: the whole school (`school_wide`) or groups (`groups`, through the
item's own association table). Shared by news items, agenda items, documents, messages
and albums; app/access.py decides who reaches which item.
"""
from sqlalchemy import Column, ForeignKey, Table

from app.extensions import db


def audience_table(name, item_table, item_column):
    """The association table of an item type and its groups (e.g. message_groups)."""
    return Table(
        name,
        db.metadata,
        Column(item_column, ForeignKey(f"{item_table}.id", ondelete="CASCADE"), primary_key=True),
        Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True, index=True),
    )


class AudienceMixin:
    """How the audience reads in lists ("Hele school", "Groep 3, Groep 4")."""

    @property
    def audience_label(self):
        if self.school_wide:
            return "Hele school"
        return ", ".join(group.label for group in self.groups)

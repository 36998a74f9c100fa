"""The one place that decides what another family sees.

Every field of a parent and of a child that another family could see has a privacy level
(models/privacy.py): "staff" (nobody but the school, the default), "group" (parents of
the same group) or "school" (all parents of the school). The rules:

- The owner sees everything: a user their own data, a guardian (also a read-only one)
  their child's data.
- The office (beheerder) sees everything. A teacher sees everything of the pupils of
  their groups and of those pupils' parents (SPEC.md, Roles). For other groups a teacher
  is a member of the school like any parent: "school" fields only.
- "group": the viewer has a current pupil in a group the owner belongs to. A child
  belongs to its current group; a parent to the current groups of their children; a
  teacher to the groups they teach.
- "school": any current parent of the school, and staff.
- Former pupils (and parents with only former pupils) are shown to nobody else.

Who may change the choices (SPEC: "privacy choices belong to the parents"):
- the owner: a user their own, a guardian with a writable link their child's — any level;
- the office: only stricter (a narrower level than stored), audited as such, and the
  parents (each guardian with their own account; for a parent's own field, that parent)
  get a mail after the commit saying which field and that the school did it;
- teachers (and read-only guardians): see the choices, change nothing.
The services in choices.py enforce this whatever the form offered; `change_right` tells pages
which form to show.

Pages never hand model objects of another family to templates: they build cards with
`child_card` / `parent_card` / `group_roster`, which contain only the values the viewer
may see. Photos are served through `photo_for`, which applies the same rule.
"""
# The package: choices.py (fields, levels, stored choices, who may change them), rules.py
# (the viewer and the rule), cards.py (what templates get: cards, rosters, photos).
from app.privacy.cards import (
    Card,
    Roster,
    child_card,
    format_address,
    format_birthday,
    group_roster,
    own_photo_urls,
    parent_card,
    photo_for,
)
from app.privacy.choices import (
    CHILD_FIELDS,
    DEFAULT_LEVEL,
    LEVELS,
    NOT_YOURS,
    ONLY_STRICTER,
    PARENT_FIELDS,
    STRICTER_ACTION,
    WIDTH,
    Levels,
    PrivacyRefused,
    change_right,
    child_levels,
    save_child_levels,
    save_user_levels,
    user_levels,
)
from app.privacy.rules import (
    Viewer,
    groups_of_users,
    may_see_child_field,
    may_see_user_field,
    viewer_for,
)

__all__ = [
    "CHILD_FIELDS", "DEFAULT_LEVEL", "LEVELS", "NOT_YOURS", "ONLY_STRICTER", "PARENT_FIELDS", "STRICTER_ACTION",
    "WIDTH", "Card", "Levels", "PrivacyRefused", "Roster", "Viewer", "change_right", "child_card", "child_levels",
    "format_address", "format_birthday", "group_roster", "groups_of_users", "may_see_child_field",
    "may_see_user_field", "own_photo_urls", "parent_card", "photo_for", "save_child_levels", "save_user_levels",
    "user_levels", "viewer_for",
]

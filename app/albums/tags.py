"""Marking pupils in album photos (PhotoTag): how the portal keeps photos of children
without albums consent away from other parents (app/privacy/consent.hidden_photo_clause).

Only staff who manage the album mark (the routes get the album through
app.access.managed_item_for), and only pupils of the album's groups (a school-wide album:
any current pupil). A refused choice raises TagRefused with a Dutch message; nothing is
changed then. Every pupil newly marked or unmarked gets one audit entry per action.
"""
from collections import defaultdict

from sqlalchemy import delete, select
from sqlalchemy.orm import contains_eager

from app.audit import record_change
from app.extensions import db
from app.models import AlbumPhoto, Child, Group, PhotoTag
from app.privacy.consent import children_without_consent

MARKED = "gemarkeerd op foto"
UNMARKED = "markering verwijderd"


class TagRefused(ValueError):
    """A marking the rules do not allow; str(error) is the Dutch message."""


def pupils_in(group_ids=(), school_wide=False):
    """Current pupils of these groups (school-wide: of every group), by group and name."""
    query = (select(Child).join(Group, Group.id == Child.group_id)
             .where(Child.left_at.is_(None), Child.erased_at.is_(None))
             .options(contains_eager(Child.group))
             .order_by(Group.sort_order, Group.name, Child.sort_name, Child.id))
    if not school_wide:
        query = query.where(Child.group_id.in_(list(group_ids)))
    return db.session.scalars(query).all()


def album_pupils(album):
    """The pupils that may be marked in this album's photos."""
    return pupils_in([group.id for group in album.groups], album.school_wide)


def without_consent(pupils):
    """Of these pupils, those without albums consent this school year (same order)."""
    missing = set(children_without_consent([child.id for child in pupils]))
    return [child for child in pupils if child.id in missing]


def tags_by_photo(photo_ids):
    """{photo id: [marked Child]} in one query, names in order."""
    found = defaultdict(list)
    if not photo_ids:
        return found
    rows = db.session.execute(
        select(PhotoTag.photo_id, Child).join(Child, Child.id == PhotoTag.child_id)
        .where(PhotoTag.photo_id.in_(list(photo_ids)))
        .order_by(Child.sort_name, Child.id)
    ).all()
    for photo_id, child in rows:
        found[photo_id].append(child)
    return found


def _album_photo_ids(album, photo_ids):
    photo_ids = set(photo_ids)
    if not photo_ids:
        raise TagRefused("Kies minstens één foto.")
    found = set(db.session.scalars(
        select(AlbumPhoto.id).where(AlbumPhoto.album_id == album.id, AlbumPhoto.id.in_(photo_ids))))
    if found != photo_ids:
        raise TagRefused("Kies alleen foto's uit dit album.")
    return found


def check_pupils(allowed_ids, child_ids, required=True):
    """The chosen pupil ids, or TagRefused when one is not among `allowed_ids`."""
    child_ids = set(child_ids)
    if required and not child_ids:
        raise TagRefused("Kies minstens één leerling.")
    if not child_ids <= set(allowed_ids):
        raise TagRefused("U kunt alleen leerlingen van de groep(en) van dit album markeren.")
    return child_ids


def _existing(photo_ids):
    return {(photo_id, child_id) for photo_id, child_id in db.session.execute(
        select(PhotoTag.photo_id, PhotoTag.child_id).where(PhotoTag.photo_id.in_(list(photo_ids))))}


def add_tags(actor, photo_ids, child_ids):
    """Mark these (checked) pupils on these (checked) photos; returns how many marks were
    new. Adds to the caller's transaction."""
    existing = _existing(photo_ids)
    new = [(photo_id, child_id) for photo_id in sorted(photo_ids) for child_id in sorted(child_ids)
           if (photo_id, child_id) not in existing]
    db.session.add_all(PhotoTag(photo_id=photo_id, child_id=child_id, tagged_by_id=actor.id)
                       for photo_id, child_id in new)
    for child_id in sorted({child_id for _, child_id in new}):
        record_change(actor, "child", child_id, MARKED, ["photo_tags"])
    return len(new)


def _remove_tags(actor, photo_ids, child_ids):
    existing = _existing(photo_ids)
    gone = [(photo_id, child_id) for photo_id, child_id in existing if child_id in child_ids]
    for photo_id, child_id in gone:
        db.session.execute(delete(PhotoTag).where(PhotoTag.photo_id == photo_id, PhotoTag.child_id == child_id))
    for child_id in sorted({child_id for _, child_id in gone}):
        record_change(actor, "child", child_id, UNMARKED, ["photo_tags"])
    return len(gone)


def _removable_ids(album, photo_ids):
    """Pupils that may be unmarked: the album's pupils and whoever is marked already (a
    pupil who moved to another group can still be taken off a photo)."""
    return {child.id for child in album_pupils(album)} | {child_id for _, child_id in _existing(photo_ids)}


def mark(actor, album, photo_ids, child_ids):
    """Mark the pupils on the selected photos of the album; returns the number of new marks."""
    photo_ids = _album_photo_ids(album, photo_ids)
    child_ids = check_pupils({child.id for child in album_pupils(album)}, child_ids)
    added = add_tags(actor, photo_ids, child_ids)
    db.session.commit()
    return added


def unmark(actor, album, photo_ids, child_ids):
    """Take the pupils off the selected photos; returns the number of marks removed."""
    photo_ids = _album_photo_ids(album, photo_ids)
    child_ids = check_pupils(_removable_ids(album, photo_ids), child_ids)
    removed = _remove_tags(actor, photo_ids, child_ids)
    db.session.commit()
    return removed


def set_photo_tags(actor, album, photo_id, child_ids):
    """Make exactly these pupils the marked ones of one photo; returns (added, removed)."""
    photo_ids = _album_photo_ids(album, [photo_id])
    allowed = _removable_ids(album, photo_ids)
    child_ids = check_pupils(allowed, child_ids, required=False)
    marked = {child_id for _, child_id in _existing(photo_ids)}
    added = add_tags(actor, photo_ids, child_ids - marked)
    removed = _remove_tags(actor, photo_ids, marked - child_ids)
    db.session.commit()
    return added, removed

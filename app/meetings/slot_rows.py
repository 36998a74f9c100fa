"""The rows of a parent's slot list as HTML, written here rather than in a Jinja loop.

Every booking answers with the whole refreshed list (a refused parent chooses again from
it), and a round holds some 300 slots: in the template each row cost a dozen escapes,
lookups and filter calls (about half of the answer's CPU, bench/journey.py); here a row is
one f-string of values escaped once. The markup is exactly what meetings/_planning.html
showed before (tests read it: tests/test_meetings.py SLOT_RE).
"""
from markupsafe import Markup, escape

from app.meetings import bp


def _status(item, slot, key, list_):
    state = item.state
    if state == "free":
        if not list_.can_change:
            return "Reserveren mogelijk"
        preview = f' data-preview="{slot.start}–{item.meeting_end:%H:%M}"' if list_.needed > 1 else ""
        return (f'<button type="submit" name="slot" value="{slot.id}" class="slot-book" '
                f'aria-describedby="bereik-{key}"{preview}>Reserveren mogelijk</button>')
    if state == "own":
        if not list_.can_change:
            return "Gereserveerd"
        return (f'Gereserveerd – <button type="submit" form="{list_.cancel_form}" class="slot-cancel" '
                f'aria-describedby="annuleer-{key}" data-confirm="De reservering voor {list_.name} op '
                f'{list_.when} annuleren?">Annuleren</button>')
    if state in ("own_more", "taken"):
        return "Gereserveerd"
    if state == "past":
        return "Voorbij"
    return escape(item.reason or "Niet beschikbaar")


class _List:
    """What every row of one child's list shares, escaped once."""

    def __init__(self, child, needed, can_change, when, round_id):
        self.child_id, self.needed, self.can_change = child.id, needed, can_change
        self.name, self.when = escape(child.first_name), escape(when or "")
        self.cancel_form = f"annuleren-{round_id}-{child.id}"


@bp.app_template_global()
def slot_rows(views, child, needed, can_change, when, times, round_id):
    """The <li> of every slot of a day (SlotView items), as Markup."""
    list_ = _List(child, needed, can_change, when, round_id)
    rows = []
    for item in views:
        slot = item.slot
        key = f"{slot.id}-{list_.child_id}"
        extra = ""
        if can_change and item.state == "free":
            extra += (f'<span class="visually-hidden" id="bereik-{key}">{slot.start} tot '
                      f'{item.meeting_end:%H:%M} voor {list_.name}</span>')
        if can_change and item.state == "own":
            extra += (f'<span class="visually-hidden" id="annuleer-{key}">de reservering voor {list_.name} om '
                      f'{times["start"]}–{times["end"]}</span>')
        if item.state in ("own", "own_more"):
            extra += '<span class="slot-note">Uw tijd</span>'
        if item.overlaps:
            extra += f'<span class="slot-note slot-note-warn">Overlapt met het gesprek van {escape(item.overlaps)}</span>'
        rows.append(f'<li class="slot slot-{item.state}" data-start="{slot.start}">'
                    f'<span class="slot-time" id="tijd-{key}">{slot.start}–{slot.end}</span>'
                    f'<span class="slot-status">{_status(item, slot, key, list_)}</span>{extra}</li>\n')
    return Markup("".join(rows))

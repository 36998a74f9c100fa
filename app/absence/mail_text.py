"""The Dutch wording of the Afwezigheid mails (app/absence/mail.py): what a report, a
leave request and a decision say, built once here for the plain-text and the HTML mail.

Only what the recipient may read goes in: a parent's mail names their own children by
first name; a teacher's the pupils of their own groups (name, group, reason, note: staff
see reasons); never a phone number, address or another family's child.
"""
from app.formatting import date_nl
from app.names import person_sort_key

CHANGE_SUBJECTS = {
    "nieuw": "Afwezigheid gemeld",
    "gewijzigd": "Afwezigheid gewijzigd",
    "ingetrokken": "Afwezigheidsmelding ingetrokken",
    "beter": "Weer beter gemeld",
}
PART_TEXT = {"dag": "", "ochtend": "alleen 's ochtends", "middag": "vanaf 's middags"}
DECISIONS = ("toegestaan", "geweigerd", "doorgestuurd")
OBJECTION_WEEKS = 6


def day_text(day):
    return date_nl(day)


def joined(words):
    """ "Sam", "Lotte en Sam", "Finn, Lotte en Sam"."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " en " + words[-1]


def names(children, first=False):
    """The children by name (first names only when `first`), in name order."""
    return joined(child.first_name if first else child.name for child in sorted(children, key=person_sort_key))


def dates(report):
    """When a report's absence is: its days, the part of the first day, "tot nader bericht"."""
    part = PART_TEXT.get(report.part, "")
    start = date_nl(report.start_date)
    if report.end_date is None:
        return f"vanaf {start}{' ' + part if part else ''}, tot nader bericht"
    if report.end_date == report.start_date:
        return f"{start}{', ' + part if part else ''}"
    first = f" (de eerste dag {part})" if part else ""
    return f"van {start}{first} tot en met {date_nl(report.end_date)}"


def made_by(by, actor_id, actor_name, recipient, for_staff):
    """Who made the change, as this recipient reads it."""
    if by == "school":
        return "door de school"
    if actor_id is not None and actor_id == recipient.id:
        return "door u"
    if actor_name:
        return f"door {actor_name}" + (" (ouder)" if for_staff else "")
    return "door een ouder"


def report_order(report, for_staff=True):
    """Staff: by group, then name; a parent: their children by name."""
    group = report.child.group.sort_order if for_staff and report.child.group is not None else 0
    return (group, person_sort_key(report.child))


def _heading(report, change, who, for_staff):
    name = report.child.name if for_staff else report.child.first_name
    if change is None:
        return name
    who = f" {who}" if who else ""
    return {
        "nieuw": f"{name} is afwezig gemeld{who}.",
        "gewijzigd": f"De afwezigheidsmelding van {name} is gewijzigd{who}.",
        "ingetrokken": f"De afwezigheidsmelding van {name} is ingetrokken{who}.",
        "beter": f"{name} is weer beter gemeld{who}.",
    }.get(change, f"De afwezigheidsmelding van {name} is gewijzigd{who}.")


def entry(report, change, who, for_staff):
    """One report as a mail lists it (current state; `change` None: the summary)."""
    return {
        "heading": _heading(report, change, who, for_staff),
        "name": report.child.name if for_staff else report.child.first_name,
        "group": report.child.group.label if for_staff and report.child.group is not None else "",
        "reason": report.reason.name if report.reason is not None else "",
        "dates": dates(report),
        "note": report.note or "",
        "late": bool(report.late),
        "withdrawn": report.withdrawn_at is not None,
        "by_staff": bool(report.by_staff),
        "change": change,
    }


def subject(entries, for_staff, late=False):
    changes = {entry["change"] for entry in entries}
    text = CHANGE_SUBJECTS.get(changes.pop(), "Afwezigheid") if len(changes) == 1 else "Afwezigheid"
    who = joined(entry["name"] for entry in entries) if len(entries) <= 3 else f"{len(entries)} leerlingen"
    if for_staff and len(entries) == 1 and entries[0]["group"]:
        who += f" ({entries[0]['group']})"
    return f"{'Na aanvang: ' if late else ''}{text}: {who}"


# --- leave ------------------------------------------------------------------------------------

def leave_dates(request):
    if request.first_day == request.last_day:
        span = date_nl(request.first_day)
    else:
        span = f"van {date_nl(request.first_day)} tot en met {date_nl(request.last_day)}"
    days = request.school_days
    return f"{span} ({days} schooldag{'en' if days != 1 else ''})"


def decision(request, status):
    """The decision's wording: subject, what was decided, who decided and where to object."""
    by_officer = request.forwarded_at is not None and status != "doorgestuurd"
    decider = "de leerplichtambtenaar van de gemeente" if by_officer else "de directeur van de school"
    decided_on = request.decided_at or request.updated_at
    if status == "doorgestuurd":
        return {"subject": "Verlofaanvraag doorgestuurd naar de leerplichtambtenaar", "status": status,
                "text": "Uw aanvraag is doorgestuurd naar de leerplichtambtenaar van de gemeente. Over verlof "
                        "wegens gewichtige omstandigheden van meer dan 10 schooldagen in een schooljaar beslist "
                        "de leerplichtambtenaar, na het advies van de directeur (artikel 14, derde lid, "
                        "Leerplichtwet 1969). U hoort het besluit van de leerplichtambtenaar.",
                "objection": None, "date": decided_on}
    granted = status == "toegestaan"
    return {
        "subject": "Verlof toegestaan" if granted else "Verlof geweigerd",
        "status": status,
        "text": f"{'Het verlof is toegestaan' if granted else 'Het verlof is niet toegestaan'} door {decider}.",
        "objection": (f"Bent u het niet eens met dit besluit? U kunt binnen {OBJECTION_WEEKS} weken na de datum van "
                      f"dit besluit ({date_nl(decided_on, weekday=False)}) bezwaar maken bij {decider}. Schrijf in "
                      "uw bezwaarschrift uw naam en adres, de datum, om welk besluit het gaat en waarom u het er "
                      "niet mee eens bent, en onderteken het (artikel 6:5 Algemene wet bestuursrecht)."),
        "date": decided_on,
    }

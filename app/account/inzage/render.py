"""The two files of an inzage: a readable HTML page (Dutch headings, printable as PDF) and
JSON (the same rows, column names as the database has them)."""
import enum
import json
from datetime import date, datetime, time

from flask import render_template
from sqlalchemy import select

from app.admin.erasure import OTHER_LABEL, TABLE_LABELS
from app.audit import FIELD_LABELS
from app.extensions import db
from app.formatting import date_nl, datetime_nl, time_nl
from app.models import ABSENCE_PARTS, LEAVE_KINDS, LEAVE_STATUSES, Child, User
from app.models.privacy import VISIBILITY_LEVELS

# Tables an inzage shows that point at no account (so erasure's labels lack them).
EXTRA_LABELS = {
    "users": "account",
    "children": "leerlingen",
    "meeting_invitations": "uitnodigingen voor gesprekken",
    "notification_delivery_items": "inhoud van e-mails in de verzendlijst",
    "leave_request_children": "verlofaanvragen per kind",
}
COLUMN_LABELS = {
    "id": "nr.", "created_at": "aangemaakt", "updated_at": "gewijzigd", "user_id": "account",
    "child_id": "leerling", "parent_id": "ouder", "author_id": "auteur", "actor_id": "door",
    "created_by_id": "aangemaakt door", "booked_by_id": "geboekt door", "tagged_by_id": "gemarkeerd door",
    "recipient_id": "ontvanger", "photo_id": "foto", "message_id": "bericht", "round_id": "gespreksronde",
    "version_id": "versie", "group_id": "groep", "kind": "soort", "label": "omschrijving", "number": "nummer",
    "value": "waarde", "text": "tekst", "body": "tekst", "enabled": "aan", "field": "gegeven",
    "visibility": "zichtbaar voor", "device": "apparaat", "last_seen_at": "laatst actief",
    "last_used_at": "laatst gebruikt", "read_at": "gelezen", "replaced_at": "vervangen op",
    "subject_type": "over (soort)", "subject_id": "over (nr.)", "action": "actie", "fields": "gegevens",
    "given": "toestemming", "school_year": "schooljaar", "is_emergency": "noodnummer", "sort_name": "sorteernaam",
    "activated_at": "geactiveerd", "last_login_at": "laatst ingelogd", "created": "aangemaakt",
    "purpose": "doel", "expires_at": "verloopt", "used_at": "gebruikt", "new_email": "nieuw e-mailadres",
    "state": "status", "ready_at": "klaar", "sent_at": "verzonden", "address": "adres", "slot_id": "tijdvak",
    "reservation_id": "afspraak", "part": "deel", "message": "bericht", "slots_needed": "aantal tijdvakken",
    "reason": "reden", "erased_at": "gewist op", "photo": "foto",
    # Afwezigheid
    "reason_id": "reden", "late": "na aanvang gemeld", "by_staff": "gemeld door de school",
    "reported_by_id": "gemeld door", "updated_by_id": "gewijzigd door", "withdrawn_at": "ingetrokken op",
    "recovered_at": "weer beter gemeld op", "first_day": "eerste dag", "last_day": "laatste dag",
    "school_days": "schooldagen", "status": "status", "request_id": "verlofaanvraag",
    "checks": "regels van de Leerplichtwet waaraan de aanvraag niet voldeed", "requested_by_id": "aangevraagd door",
    "decided_by_id": "besloten door", "decided_at": "besloten op", "decision_reason": "toelichting bij het besluit",
    "forwarded_at": "doorgestuurd naar de leerplichtambtenaar op", "statement_name": "verklaring (bestandsnaam)",
    "statement_stored": "verklaring (opgeslagen als)", "statement_kind": "verklaring (soort)",
    "statement_mime": "verklaring (bestandstype)", "statement_size": "verklaring (bytes)",
    # Gesprekken
    "conversation_id": "gesprek", "with_whom": "met", "subject": "onderwerp", "private": "alleen voor mij",
    "last_message_at": "laatste bericht", "answered_at": "beantwoord op",
    "visible_at": "bij de school aangekomen", "reply_id": "antwoord op reactie", "attachment_name": "bijlage (bestandsnaam)",
    "attachment_stored": "bijlage (opgeslagen als)", "attachment_kind": "bijlage (soort)",
    "attachment_mime": "bijlage (bestandstype)", "attachment_size": "bijlage (bytes)",
}

# Stored values the page spells out, by column name or by "table.column".
VALUE_LABELS = {"subject_type": {"user": "account", "child": "leerling"}, "visibility": VISIBILITY_LEVELS,
                "absence_reports.part": ABSENCE_PARTS, "leave_requests.kind": LEAVE_KINDS,
                "leave_requests.status": LEAVE_STATUSES}


def table_label(name):
    return TABLE_LABELS.get(name) or EXTRA_LABELS.get(name) or OTHER_LABEL


def column_label(name):
    return FIELD_LABELS.get(name) or COLUMN_LABELS.get(name) or name.replace("_", " ")


# --- JSON ---------------------------------------------------------------------------------------

def _plain(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value  # users.role
    return value


def _user_columns(table):
    return [c.name for c in table.columns if any(fk.column.table is User.__table__ for fk in c.foreign_keys)]


def _json_row(table, row, names):
    out = {key: _plain(value) for key, value in row.items()}
    for name in _user_columns(table):
        if out.get(name) is not None:
            out[f"{name}_naam"] = names.get(out[name], "Gewist account")
    return out


def _json_tables(tables, names):
    return {name: {"omschrijving": table_label(name),
                   "rijen": [_json_row(db.metadata.tables[name], row, names) for row in rows]}
            for name, rows in sorted(tables.items())}


def export_json(collected, made_at):
    data = {
        "ouderportaal_inzage": {
            "gemaakt_op": made_at.isoformat(),
            "uitleg": "Alles wat het ouderportaal over u en uw kinderen bewaart (AVG artikel 15).",
        },
        "persoon": {"gegevens": _json_row(User.__table__, collected.person.row, collected.names),
                    "tabellen": _json_tables(collected.person.tables, collected.names)},
        "kinderen": [{"gegevens": _json_row(Child.__table__, part.row, collected.names),
                      "andere_ouders": part.other_guardians,
                      "tabellen": _json_tables(part.tables, collected.names)} for part in collected.children],
        "vermeld_als": {name: {"omschrijving": table_label(name),
                               "rijen": [{"als": role, **{k: _plain(v) for k, v in row.items()}}
                                         for role, row in rows]}
                        for name, rows in sorted(collected.references.items())},
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


# --- HTML ---------------------------------------------------------------------------------------

class _Describer:
    """What a foreign key value reads as: a person's name, or the title of the row."""

    def __init__(self, names, children):
        self.names = names
        self.children = children  # the family's children: id -> name
        self.cache = {}

    def __call__(self, column, value):
        fk = next(iter(column.foreign_keys))
        target = fk.column.table
        if target is User.__table__:
            return self.names.get(value, "Gewist account")
        if target is Child.__table__:
            return self.children.get(value, f"leerling nr. {value}")
        key = (target.name, value)
        if key not in self.cache:
            self.cache[key] = self._title(target, value)
        return self.cache[key]

    @staticmethod
    def _title_column(table):
        return next((table.c[name] for name in ("title", "name") if name in table.c), None)

    def _title(self, target, value):
        title = self._title_column(target)
        if title is not None:
            found = db.session.scalar(select(title).where(target.c.id == value))
            return found if found is not None else f"nr. {value}"
        # One step on: a photo is "nr. 3 in <album title>", a time slot "in <round title>".
        for fk in target.foreign_keys:
            parent_title = self._title_column(fk.column.table)
            if parent_title is not None and fk.column.primary_key:
                found = db.session.scalar(select(parent_title).join(
                    target, fk.parent == fk.column).where(target.c.id == value))
                if found is not None:
                    return f"nr. {value} in {found}"
        return f"nr. {value}"


def _show(column, value, describe):
    if value is None or value == "":
        return "—"
    if column.foreign_keys:
        return describe(column, value)
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, datetime):
        return datetime_nl(value)
    if isinstance(value, date):
        return date_nl(value, weekday=False)
    if isinstance(value, time):
        return time_nl(value)
    labels = VALUE_LABELS.get(f"{column.table.name}.{column.name}") or VALUE_LABELS.get(column.name, {})
    if isinstance(value, str) and value in labels:
        return labels[value]
    if column.name == "fields" and isinstance(value, list):
        return ", ".join(FIELD_LABELS.get(str(item), str(item)) for item in value)
    if column.name == "checks" and isinstance(value, list):  # leave_requests: [{"code", "text"}]
        return " ".join(str(item.get("text", item)) if isinstance(item, dict) else str(item) for item in value) or "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(getattr(value, "value", value))


def _html_tables(tables, owner, owner_id, describe):
    shown = []
    for name, rows in sorted(tables.items(), key=lambda item: table_label(item[0])):
        table = db.metadata.tables[name]
        columns = [table.c[key] for key in rows[0].keys()]
        # The column that ties every row to this person or child says nothing: left out.
        columns = [c for c in columns if not (any(fk.column.table is owner for fk in c.foreign_keys)
                                             and all(row[c.name] == owner_id for row in rows))]
        shown.append({"label": table_label(name), "columns": [column_label(c.name) for c in columns],
                      "rows": [[_show(c, row[c.name], describe) for c in columns] for row in rows]})
    return shown


def _facts(table, row, describe):
    return [(column_label(key), _show(table.c[key], value, describe)) for key, value in row.items()]


def export_html(collected, made_at):
    children = {part.row["id"]: " ".join(filter(None, [part.row.get("first_name"), part.row.get("last_name")]))
                for part in collected.children}
    describe = _Describer(collected.names, children)
    users, kids = User.__table__, Child.__table__
    person = {"name": collected.names.get(collected.person.row["id"], ""),
              "facts": _facts(users, collected.person.row, describe),
              "tables": _html_tables(collected.person.tables, users, collected.person.row["id"], describe)}
    child_parts = [{"name": children[part.row["id"]], "facts": _facts(kids, part.row, describe),
                    "other_guardians": part.other_guardians,
                    "tables": _html_tables(part.tables, kids, part.row["id"], describe)}
                   for part in collected.children]
    references = [{"label": table_label(name),
                   "rows": [(column_label(role), [(column_label(k), _show(db.metadata.tables[name].c[k], v, describe))
                                                  for k, v in row.items()]) for role, row in rows]}
                  for name, rows in sorted(collected.references.items(), key=lambda item: table_label(item[0]))]
    return render_template("account/inzage_export.html", made_at=made_at, person=person, children=child_parts,
                           references=references)

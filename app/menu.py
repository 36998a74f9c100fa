"""The menu of SPEC.md (Layout) and the sections of Beheer, as the templates show them."""
from flask import request

# (label, endpoint); the endpoint's blueprint marks the current item (aria-current).
MENU = [
    ("Home", "home.index"),
    ("Mijn kinderen", "children.index"),
    ("Nieuws", "news.index"),
    ("Agenda", "agenda.index"),
    ("Documenten", "documents.index"),
    ("Berichten", "messages.index"),
    ("Gesprekken", "conversations.index"),
    ("Fotoalbums", "albums.index"),
    ("Oudergesprekken", "meetings.index"),
    ("Afwezigheid", "absence.index"),
    ("Groepen", "groups.index"),
    ("Mijn account", "account.index"),
]
# Blueprints whose pages belong to another menu item (the tab "Toestemming" of Mijn kinderen).
MENU_PARENT = {"consent": "children"}
# On narrow screens "Mijn School" groups these two (SPEC.md, Layout).
MY_SCHOOL = ("account.index", "children.index")


def menu_for(user):
    """Menu entries for this user: dicts of label, endpoint, current and my_school."""
    current_bp = (request.endpoint or "").split(".")[0]
    current_bp = MENU_PARENT.get(current_bp, current_bp)
    items = [
        {
            "label": label,
            "endpoint": endpoint,
            "current": current_bp == endpoint.split(".")[0],
            "my_school": endpoint in MY_SCHOOL,
        }
        for label, endpoint in MENU
    ]
    if user.is_authenticated and user.is_staff:
        items.append({"label": "Beheer", "endpoint": "staff.index",
                      "current": current_bp == "staff", "my_school": False})
    return items


# Sections of Beheer: (label, endpoint, office only).
STAFF_SECTIONS = [
    ("Nieuws", "staff_news.index", False),
    ("Agenda", "staff_agenda.index", False),
    ("Documenten", "staff_documents.index", False),
    ("Berichten", "staff_messages.index", False),
    ("Gesprekken", "staff_conversations.index", False),
    ("Fotoalbums", "staff_albums.index", False),
    ("Toestemming", "staff_consent.index", False),
    ("Oudergesprekken", "staff_meetings.index", False),
    ("Afwezigheid", "staff_absence.index", False),
    ("Notities", "staff_notes.index", False),
    ("E-mail", "staff_mail.index", False),
    ("Groepen", "admin.groups", True),
    ("Leerlingen", "admin.children", True),
    ("Ouders en personeel", "admin.people", True),
    ("Importeren", "admin.import_csv", True),
    ("Nieuw schooljaar", "admin.school_year", True),
    ("Instellingen", "admin.settings", True),
    ("Bewaartermijn", "admin.retention", True),
    ("Logboek", "admin.audit", True),
]


def staff_sections(user):
    """The Beheer sections this user may open: (label, endpoint)."""
    return [(label, endpoint) for label, endpoint, office_only in STAFF_SECTIONS if user.is_admin or not office_only]

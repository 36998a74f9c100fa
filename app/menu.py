"""The menu of SPEC.md (Layout). Items appear once their blueprint exists."""
from flask import current_app, request

# (label, endpoint, key used for aria-current)
MENU = [
    ("Home", "home.index"),
    ("Mijn kinderen", "children.index"),
    ("Nieuws", "news.index"),
    ("Agenda", "agenda.index"),
    ("Documenten", "documents.index"),
    ("Berichten", "messages.index"),
    ("Fotoalbums", "albums.index"),
    ("Oudergesprekken", "meetings.index"),
    ("Groepen", "groups.index"),
    ("Mijn account", "account.index"),
]
# On narrow screens "Mijn School" groups these two (SPEC.md, Layout).
MY_SCHOOL = ("account.index", "children.index")


def menu_for(user):
    """Menu entries for this user: (label, endpoint, is_current, in_my_school)."""
    endpoints = current_app.view_functions
    current_bp = (request.endpoint or "").split(".")[0]
    items = []
    for label, endpoint in MENU:
        if endpoint not in endpoints:
            continue
        items.append({
            "label": label,
            "endpoint": endpoint,
            "current": current_bp == endpoint.split(".")[0],
            "my_school": endpoint in MY_SCHOOL,
        })
    if user.is_authenticated and user.is_staff and "staff.index" in endpoints:
        items.append({"label": "Beheer", "endpoint": "staff.index",
                      "current": current_bp == "staff", "my_school": False})
    return items


# Sections of Beheer: (label, endpoint, office only). Shown once their blueprint exists.
STAFF_SECTIONS = [
    ("Nieuws", "staff_news.index", False),
    ("Agenda", "staff_agenda.index", False),
    ("Documenten", "staff_documents.index", False),
    ("Berichten", "staff_messages.index", False),
    ("Fotoalbums", "staff_albums.index", False),
    ("Oudergesprekken", "staff_meetings.index", False),
    ("Notities", "staff_notes.index", False),
    ("E-mail", "staff_mail.index", False),
    ("Groepen", "admin.groups", True),
    ("Leerlingen", "admin.children", True),
    ("Ouders en personeel", "admin.people", True),
    ("Importeren", "admin.import_csv", True),
    ("Nieuw schooljaar", "admin.school_year", True),
    ("Instellingen", "admin.settings", True),
    ("Logboek", "admin.audit", True),
]


def staff_sections(user):
    endpoints = current_app.view_functions
    return [
        (label, endpoint)
        for label, endpoint, office_only in STAFF_SECTIONS
        if endpoint in endpoints and (user.is_admin or not office_only)
    ]


def has_endpoint(name):
    return name in current_app.view_functions

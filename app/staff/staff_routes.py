"""Beheer: the staff area. Teachers manage their groups; the office everything."""
from flask import request
from flask_login import current_user

from app.absence.daylist import today_summary
from app.access import staff_required, taught_group_ids
from app.extensions import db
from app.htmx import render_page
from app.markdown import render_markdown
from app.models import Group
from app.staff import services, staff_bp


@staff_bp.get("/")
@staff_required
def index():
    ids = taught_group_ids(current_user)
    groups = db.session.scalars(db.select(Group).where(Group.id.in_(ids)).order_by(Group.sort_order)).all()
    return render_page("staff/index.html", groups=groups, absence_today=today_summary(current_user),
                       conversations=services.conversation_counts(current_user),
                       recent_replies=services.recent_replies(current_user), reply_days=services.REPLY_DAYS,
                       rounds=services.open_rounds(current_user))


# Longer than any news item (50,000) or message (20,000) may be: the form says so on saving.
PREVIEW_MAX_CHARS = 50_000


@staff_bp.post("/voorbeeld")
@staff_required
def preview():
    """A news or message text as parents will see it: the same app/markdown.py, so what the
    editor shows is what gets published. `veld` names the posted field (body, text)."""
    text = request.form.get(request.args.get("veld", "tekst"), "")
    problem, html = None, None
    if len(text) > PREVIEW_MAX_CHARS:
        problem = f"De tekst is te lang voor een voorbeeld (maximaal {PREVIEW_MAX_CHARS:,} tekens).".replace(",", ".")
    elif text.strip():
        html = render_markdown(text.replace("\x00", ""))
    announce = problem or ("Het voorbeeld is bijgewerkt." if html else "Er is nog geen tekst om te tonen.")
    return render_page("staff/preview.html", "staff/_preview.html", problem=problem, html=html, announce=announce)

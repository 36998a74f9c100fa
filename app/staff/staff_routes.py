"""Beheer: the staff area. Teachers manage their groups; the office everything."""
from flask_login import current_user

from app.absence.daylist import today_summary
from app.access import staff_required, taught_group_ids
from app.extensions import db
from app.htmx import render_page
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

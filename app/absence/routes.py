"""The parents' side of Afwezigheid (/afwezigheid): their children's reports and leave
requests, ziekmelden for one or more children, verlof aanvragen. Objects come through
app/access (absence_report_for, leave_request_for): another family's is a 404; a
read-only link sees everything but cannot report (403)."""
from flask_login import current_user, login_required

from app.absence import bp
from app.htmx import render_page


@bp.get("")
@login_required
def index():
    return render_page("absence/index.html", user=current_user)

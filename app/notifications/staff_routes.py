"""Beheer > E-mail: mail counts per item and retrying failed mails (logic in services.py)."""
from flask import flash, redirect, url_for
from flask_login import current_user

from app.access import staff_required
from app.htmx import is_htmx, render_page
from app.jobs import enqueue
from app.notifications import staff_bp
from app.notifications.services import (
    account_mail_overview,
    delivery_for_staff,
    failed_deliveries,
    mail_overview,
    retry_delivery,
)

PAGE = "notifications/staff_index.html"
FAILED = "notifications/_failed.html"


@staff_bp.get("/", endpoint="index")
@staff_required
def index():
    return render_page(PAGE, FAILED, sections=mail_overview(current_user),
                       failed=failed_deliveries(current_user), accounts=account_mail_overview(current_user))


@staff_bp.post("/<int:delivery_id>/opnieuw")
@staff_required
def retry(delivery_id):
    delivery = delivery_for_staff(current_user, delivery_id)
    done, text = retry_delivery(current_user, delivery)
    if done:
        from app.jobs.notifications import send_pending_job

        enqueue(send_pending_job)
    if is_htmx():
        return render_page(PAGE, FAILED, sections=[], failed=failed_deliveries(current_user),
                           status_text=text)
    flash(text, "success" if done else "info")
    return redirect(url_for("staff_mail.index"))

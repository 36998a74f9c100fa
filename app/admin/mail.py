"""Mails of the office's pages. Run by the worker (or inline without Redis)."""
from app.extensions import db
from app.jobs import job_app_context
from app.jobs.mail import send_account_mail


def send_login_name_changed(user_id):
    """The school changed the login name (manual, FAQ: "U ontvangt hierover bericht").

    An account mail like the others (app/jobs/mail.py ACCOUNT_MAILS): recorded in the
    delivery ledger, retried, shown under Beheer > E-mail when it cannot be sent."""
    from app.models import User

    with job_app_context():
        user = db.session.get(User, user_id)
        if user is None or not user.login_name or user.login_name.endswith("@gewist.invalid"):
            return None
        return send_account_mail(user_id, "login_name_changed", None, to=user.login_name)

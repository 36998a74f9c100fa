"""Mails of the office's pages. Run by the worker (or inline without Redis)."""
from app.extensions import db
from app.jobs import job_app_context
from app.jobs.mail import build_message, deliver


def send_login_name_changed(user_id):
    """The school changed the login name (manual, FAQ: "U ontvangt hierover bericht")."""
    from app.models import User

    with job_app_context():
        user = db.session.get(User, user_id)
        if user is None or not user.login_name or user.login_name.endswith("@gewist.invalid"):
            return
        deliver(build_message(user.login_name, "Uw inlognaam is gewijzigd", "admin_login_changed", user=user))

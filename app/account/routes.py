"""Mijn account: the parent's own data. The foundation has the Wachtwoord tab."""
from flask import flash, redirect, url_for
from flask_login import current_user, login_required, login_user

from app.account import bp
from app.auth import services
from app.auth.forms import ChangePasswordForm
from app.htmx import render_page


@bp.get("/")
@login_required
def index():
    return redirect(url_for("account.password"))


@bp.route("/wachtwoord", methods=["GET", "POST"])
@login_required
def password():
    form = ChangePasswordForm()
    form.login_name_for_check = current_user.login_name
    if form.validate_on_submit():
        if services.change_password(current_user, form.current.data, form.password.data):
            # The session token changed: keep this session, every other one ends.
            login_user(current_user)
            flash("Uw wachtwoord is gewijzigd.", "success")
            return redirect(url_for("account.password"))
        form.current.errors.append("Het huidige wachtwoord is niet juist.")
    status = 422 if form.errors else 200
    return render_page("account/password.html", tab="wachtwoord", form=form, status=status)

"""Login, logout, activation, forgotten password. Views are thin; logic is in services."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth import bp, services, sessions
from app.auth.forms import LoginForm, NewPasswordForm, ResetRequestForm
from app.auth.next_url import safe_next
from app.auth.tokens import TOKEN_MESSAGES
from app.extensions import limiter, submitted_login_name
from app.formatting import duration_nl

LOGIN_FAILED = "Gebruikersnaam of wachtwoord onjuist."
ALREADY_ACTIVATED = "Dit account is al geactiveerd. Log in met uw gebruikersnaam en wachtwoord."
ACTIVATION_REPLACED = ("Deze activatielink is niet meer geldig: de school heeft u daarna een nieuwe "
                       "activatielink gestuurd. Gebruik de link uit de nieuwste e-mail over uw account. "
                       "Kunt u die niet vinden? Vraag de school om een nieuwe activatielink.")
STAFF_NOT_KEPT = ("U bent ingelogd. Ingelogd blijven kan alleen voor ouders: medewerkers van de school worden "
                  "uiterlijk {hours} na het inloggen automatisch uitgelogd.")
ACTIVATION_EXPIRED = "Deze activatielink is verlopen. Neem contact op met de school voor een nieuwe activatielink."


def _address_limit():
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def _ip_limit():
    return current_app.config["LOGIN_LIMIT_PER_IP"]


rate_limited = [
    limiter.limit(_address_limit, key_func=submitted_login_name, methods=["POST"], scope="address"),
    limiter.limit(_ip_limit, methods=["POST"], scope="ip"),
]


def with_rate_limits(view):
    for decorate in rate_limited:
        view = decorate(view)
    return view


@bp.get("/mijnschool")
def mijnschool():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@with_rate_limits
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    error = None
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            error = LOGIN_FAILED
        else:
            target = safe_next(form.next.data) or url_for("home.index")
            record = sessions.start(user, keep=form.keep.data)  # a new session and cookie (no fixation)
            if form.keep.data and not record.kept:
                flash(STAFF_NOT_KEPT.format(hours=duration_nl(sessions.max_lifetime())), "info")
            return redirect(target)
    status = 200 if request.method == "GET" or not (error or form.errors) else 422
    return render_template("auth/login.html", form=form, error=error,
                           keep_text=duration_nl(sessions.keep_lifetime())), status


@bp.post("/uitloggen")
def logout():
    sessions.end_current()
    flash("U bent uitgelogd.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/activeren/<token>", methods=["GET", "POST"])
def activate(token):
    record, status = services.check_token(token, "activate")
    if record is not None and record.user.is_activated:
        return render_template("auth/link_problem.html", message=ALREADY_ACTIVATED, show_login=True), 410
    if status == "used":  # not activated, so a newer link replaced this one
        return render_template("auth/link_problem.html", message=ACTIVATION_REPLACED), 410
    if status == "expired":
        return render_template("auth/link_problem.html", message=ACTIVATION_EXPIRED), 410
    if status != "ok":
        return render_template("auth/link_problem.html", message=TOKEN_MESSAGES[status]), 404
    form = NewPasswordForm()
    form.login_name_for_check = record.user.login_name
    if form.validate_on_submit():
        user, result = services.activate(record, form.password.data)
        if result == "used":  # replaced by a newer link meanwhile
            return render_template("auth/link_problem.html", message=ACTIVATION_REPLACED), 410
        if result != "ok":
            return render_template("auth/link_problem.html", message=ALREADY_ACTIVATED, show_login=True), 410
        sessions.start(user)
        flash("Uw account is geactiveerd. Welkom in het ouderportaal!", "success")
        return redirect(url_for("home.index"))
    return render_template("auth/activate.html", form=form, user=record.user), 422 if form.errors else 200


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@with_rate_limits
def forgot_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.username.data)
        # The same answer whether or not the address is known.
        return render_template("auth/forgot_sent.html")
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
def reset_password(token):
    record, status = services.check_token(token, "reset")
    if status != "ok":
        return render_template("auth/link_problem.html", message=TOKEN_MESSAGES[status], show_forgot=True), 410 if record else 404
    form = NewPasswordForm()
    form.login_name_for_check = record.user.login_name
    if form.validate_on_submit():
        user = services.reset_password(record, form.password.data)
        if user is None:
            return render_template("auth/link_problem.html", message=TOKEN_MESSAGES["used"], show_forgot=True), 410
        sessions.end_current()  # every session of the account has ended, this one too
        flash("Uw nieuwe wachtwoord is opgeslagen. Log in met uw nieuwe wachtwoord.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), 422 if form.errors else 200

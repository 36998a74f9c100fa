"""Mijn account: personal data and photo, Bereikbaarheid, Notificaties, Privacy, Wachtwoord.

Everything here is about the logged-in user's own account; there are no other users' ids
in these URLs except a contact number's, which must be one of the user's own.
"""
from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import privacy
from app.account import bp, inzage, services
from app.account.forms import ContactForm, ProfileForm
from app.auth import services as auth_services
from app.auth import sessions
from app.auth.forms import ChangePasswordForm
from app.extensions import limiter
from app.formatting import duration_nl
from app.forms import ConfirmForm
from app.htmx import is_htmx, render_page
from app.images import UploadError
from app.jobs import QueueUnavailable
from app.notifications.catalog import preferences_of
from app.notifications.services import preferences_for
from app.people import numbers
from app.people import services as people
from app.people.forms import PhotoForm, privacy_form


# --- Persoonlijke gegevens -----------------------------------------------------------------

def _profile_page(photo_form=None, photo_error=None, status=200):
    _, thumb_url = privacy.own_photo_urls(current_user.photo_id)
    return render_page(
        "account/profile.html", tab="gegevens", user=current_user, photo_url=thumb_url,
        photo_form=photo_form or PhotoForm(formdata=None), remove_form=ConfirmForm(formdata=None),
        photo_error=photo_error, address=privacy.format_address(current_user), status=status,
    )


@bp.get("/", endpoint="index")
@bp.get("/gegevens", endpoint="profile")
@login_required
def profile():
    return _profile_page()


@bp.route("/gegevens/wijzigen", methods=["GET", "POST"])
@login_required
def profile_edit():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        changed = people.update_person(current_user, current_user, "user",
                                         {name: getattr(form, name).data for name in ProfileForm.FIELDS})
        flash("Uw gegevens zijn opgeslagen." if changed else "Er is niets gewijzigd.", "success")
        return redirect(url_for("account.profile"))
    return render_page("account/profile_edit.html", tab="gegevens", form=form,
                       status=422 if form.errors else 200)


@bp.post("/foto")
@login_required
def photo_upload():
    form = PhotoForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        people.replace_photo(current_user, current_user, "user", form.photo.data)
    except UploadError as error:
        return _profile_page(photo_error=str(error), status=422)
    flash("Uw foto is opgeslagen.", "success")
    return redirect(url_for("account.profile"))


@bp.post("/foto/verwijderen")
@login_required
def photo_delete():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if people.remove_photo(current_user, current_user, "user"):
        flash("Uw foto is verwijderd.", "success")
    return redirect(url_for("account.profile"))


# --- Bereikbaarheid -----------------------------------------------------------------------

def _number_urls(action, number_id=None):
    if action == "page":
        return url_for("account.contact")
    if action == "add":
        return url_for("account.number_add")
    return url_for(f"account.number_{action}", number_id=number_id)


def _contact_page(form=None, section=None, login_error=None, status=200):
    form = form or ContactForm(formdata=None, obj=current_user)
    section = section or numbers.build_section("user", current_user, True, _number_urls)
    return render_page(
        "account/contact.html", tab="bereikbaarheid", form=form, numbers=section,
        pending=services.pending_login_change(current_user),
        login_differs=auth_services.normalise_login(current_user.email) != current_user.login_name,
        login_form=ConfirmForm(formdata=None), login_error=login_error, status=status,
    )


@bp.route("/bereikbaarheid", methods=["GET", "POST"])
@login_required
def contact():
    form = ContactForm(obj=current_user) if request.method == "POST" else None
    if form is not None:
        if form.validate_on_submit():
            old_email = current_user.email
            changed = people.update_person(current_user, current_user, "user",
                                             {name: getattr(form, name).data for name in ContactForm.FIELDS})
            if "email" in changed and old_email.lower() != current_user.email.lower():
                flash("Uw e-mailadres is opgeslagen. Uw inlognaam is niet veranderd; "
                      "hieronder kunt u die ook laten wijzigen.", "success")
            else:
                flash("Uw gegevens zijn opgeslagen." if changed else "Er is niets gewijzigd.", "success")
            return redirect(url_for("account.contact"))
        return _contact_page(form=form, status=422)
    return _contact_page()


@bp.post("/bereikbaarheid/nummers", endpoint="number_add")
@bp.post("/bereikbaarheid/nummers/<int:number_id>", endpoint="number_edit")
@bp.post("/bereikbaarheid/nummers/<int:number_id>/verwijderen", endpoint="number_delete")
@login_required
def number_action(number_id=None):
    action = request.endpoint.rsplit("_", 1)[1]
    return numbers.handle(
        current_user, "user", current_user, action, _number_urls,
        lambda section, status: _contact_page(section=section, status=status), number_id=number_id,
    )


def _per_account(prefix):
    """A rate-limit key per account (created_at keeps it apart from a later account with the same id)."""
    return lambda: f"{prefix}:{current_user.id}:{current_user.created_at.isoformat()}"


_login_change_key = _per_account("login-change")


@bp.post("/inlognaam")
@login_required
@limiter.limit("5 per hour", key_func=_login_change_key)
def login_change_request():
    """Mail a confirmation link to the contact address (limited: each request mails an
    address the user typed in)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    error = services.request_login_change(current_user)
    if error:
        return _contact_page(login_error=error, status=422)
    flash(f"We hebben een bevestigingslink gestuurd naar {current_user.email}. "
          "Klik op de link in die e-mail om voortaan met dit adres in te loggen.", "success")
    return redirect(url_for("account.contact"))


@bp.route("/inlognaam/<token>", methods=["GET", "POST"])
def login_change_confirm(token):
    """The link from the confirmation mail. GET shows a button; the POST changes the name
    (a mail scanner opening the link changes nothing)."""
    record, status = auth_services.check_token(token, "email")
    if status != "ok":
        return render_template("auth/link_problem.html", message=auth_services.TOKEN_MESSAGES[status],
                               show_login=not current_user.is_authenticated), 410 if record else 404
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        user, error = services.confirm_login_change(record)
        if error is None:
            flash(f"Uw inlognaam is gewijzigd. U logt voortaan in met {user.login_name}.", "success")
            if current_user.is_authenticated and current_user.id == user.id:
                return redirect(url_for("account.contact"))
            return redirect(url_for("auth.login"))
    return render_template("account/login_change_confirm.html", form=form, new_login=record.new_email,
                           error=error), 422 if error else 200


# --- Notificaties -------------------------------------------------------------------------

@bp.route("/notificaties", methods=["GET", "POST"])
@login_required
def notifications():
    form = ConfirmForm()
    saved = False
    # The switches of this account's audience: a parent's, or a staff member's own.
    switches = preferences_of(current_user)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        offered = {pref.key for pref in switches}
        enabled = {kind for kind in request.form.getlist("aan") if kind in offered}
        services.save_notifications(current_user, enabled)
        saved = True
        if not is_htmx():
            flash("Uw keuzes voor e-mail zijn opgeslagen.", "success")
            return redirect(url_for("account.notifications"))
    return render_page("account/notifications.html", "account/_notifications_form.html",
                       tab="notificaties", switches=switches, types={pref.key: pref.text for pref in switches},
                       prefs=preferences_for(current_user), staff=current_user.is_staff, form=form, saved=saved)


# --- Privacy ------------------------------------------------------------------------------

def render_privacy(page, form, action, saved=False, status=200, **context):
    return render_page(page, "people/_privacy_form.html", form=form, privacy_action=action,
                       levels=privacy.LEVELS, saved=saved, status=status, **context)


@bp.route("/privacy", methods=["GET", "POST"], endpoint="privacy")
@login_required
def privacy_settings():
    levels = privacy.user_levels(current_user)
    form_class = privacy_form(privacy.PARENT_FIELDS, levels)
    form = form_class() if request.method == "POST" else form_class(formdata=None)
    saved = False
    if request.method == "POST":
        if form.validate_on_submit():
            privacy.save_user_levels(current_user, current_user,
                                     {name: form[name].data for name in privacy.PARENT_FIELDS})
            saved = True
            if not is_htmx():
                flash("Uw privacy-instellingen zijn opgeslagen.", "success")
                return redirect(url_for("account.privacy"))
    return render_privacy("account/privacy.html", form, url_for("account.privacy"), saved=saved,
                          status=422 if form.errors else 200, tab="privacy", editable=True,
                          privacy_subject="u")



# --- Wachtwoord ---------------------------------------------------------------------------

_password_change_key = _per_account("password-change")


def _address_limit():
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def _ip_limit():
    return current_app.config["LOGIN_LIMIT_PER_IP"]


@bp.route("/wachtwoord", methods=["GET", "POST"])
@login_required
# Limited like the login form (each post is a guess of the current password): per account
# with the login's per-address limit, and per IP.
@limiter.limit(_address_limit, key_func=_password_change_key, methods=["POST"], scope="account")
@limiter.limit(_ip_limit, methods=["POST"], scope="ip")
def password():
    form = ChangePasswordForm()
    form.login_name_for_check = current_user.login_name
    if form.validate_on_submit():
        if auth_services.change_password(current_user, form.current.data, form.password.data,
                                         keep_session=sessions.current().id):
            flash("Uw wachtwoord is gewijzigd.", "success")
            return redirect(url_for("account.password"))
        form.current.errors.append("Het huidige wachtwoord is niet juist.")
    status = 422 if form.errors else 200
    return render_page("account/password.html", tab="wachtwoord", form=form, status=status)


# --- Apparaten (login sessions) -------------------------------------------------------------

@bp.get("/apparaten", endpoint="sessions")
@login_required
def sessions_page():
    return render_page("account/sessions.html", tab="apparaten", login_sessions=sessions.active_for(current_user),
                       current_id=sessions.current().id, idle_text=duration_nl(sessions.idle_limit()),
                       max_text=duration_nl(sessions.max_lifetime()))


@bp.post("/apparaten/<int:session_id>/uitloggen")
@login_required
def session_end(session_id):
    """End one session from the list; another user's session id is a 404."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if session_id == sessions.current().id:
        sessions.end_current()
        flash("U bent uitgelogd.", "success")
        return redirect(url_for("auth.login"))
    if not sessions.end_one(current_user, session_id):
        abort(404)
    flash("Dat apparaat is uitgelogd.", "success")
    return redirect(url_for("account.sessions"))


@bp.post("/apparaten/alle-uitloggen")
@login_required
def sessions_end_all():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    sessions.end_everywhere(current_user)
    flash("U bent op alle apparaten uitgelogd. Log opnieuw in om verder te gaan.", "success")
    return redirect(url_for("auth.login"))


# --- Gegevens downloaden (inzage, AVG art. 15) ------------------------------------------------

def _inzage_page(error=None, status=200):
    export = inzage.latest_export(current_user)
    return render_page("account/inzage.html", "account/_inzage_status.html", tab="inzage", export=export,
                       in_progress=inzage.in_progress(export), days=inzage.EXPORT_DAYS, error=error,
                       form=ConfirmForm(formdata=None), status=status)


def _inzage_limited(_limit):
    return _inzage_page(error="U heeft uw gegevens de afgelopen tijd al vaak opgevraagd. "
                              "Probeer het over een uur opnieuw.", status=429)


@bp.get("/inzage", endpoint="inzage")
@login_required
def inzage_page():
    return _inzage_page()


@bp.post("/inzage")
@login_required
@limiter.limit("5 per hour", key_func=_per_account("inzage"), on_breach=_inzage_limited)
def inzage_request():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        _, started = inzage.request_export(current_user)
    except QueueUnavailable as exc:
        flash(exc.message, "error")
        return redirect(url_for("account.inzage"))
    flash("Uw gegevens worden verzameld." if started else "Uw gegevens worden al verzameld.", "success")
    return redirect(url_for("account.inzage"))


@bp.get("/inzage/<int:export_id>/<any(html, json):kind>", endpoint="inzage_download")
@login_required
def inzage_download(export_id, kind):
    """A download of the person's own export; another person's id is a 404."""
    export = inzage.export_for_download(current_user, export_id)
    if export is None:
        abort(404)
    response = make_response(export.html if kind == "html" else export.json)
    response.mimetype = "text/html" if kind == "html" else "application/json"
    response.headers["Content-Disposition"] = f'attachment; filename="{inzage.file_name(export, kind)}"'
    response.headers["Cache-Control"] = "no-store"
    return response

"""Beheer > Bewaartermijn: what the retention job erases, a month ahead; holding a pupil back.
The rules and the job are in app/admin/retention.py."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.access import admin_required, pupil_or_404
from app.admin import retention as service
from app.admin import staff_bp
from app.admin.forms import RetentionHoldForm, RetentionYearsForm
from app.admin.services import ServiceError
from app.forms import ConfirmForm


def hold_form(child_id, formdata=None):
    return RetentionHoldForm(formdata=formdata, prefix=f"bewaar-{child_id}")


def _page(years_form=None, failed_hold=None, error=None, status=200):
    """The page; `failed_hold` is the hold form that did not validate (shown open, with its error)."""
    data = service.overview()
    forms = {entry.child.id: hold_form(entry.child.id) for entry in data["due_now"] + data["upcoming"]}
    if failed_hold is not None:
        forms[failed_hold[0]] = failed_hold[1]
    years_form = years_form or RetentionYearsForm(formdata=None, data={"years": data["years"]})
    return render_template("admin/retention.html", **data, years_form=years_form, hold_forms=forms,
                           open_hold=failed_hold[0] if failed_hold else None, error=error,
                           confirm=ConfirmForm(formdata=None)), status


@staff_bp.route("/bewaartermijn", methods=["GET", "POST"])
@admin_required
def retention():
    if request.method == "GET":
        return _page()
    form = RetentionYearsForm()
    if form.validate_on_submit():
        service.set_retention_years(form.years.data)
        flash(f"De bewaartermijn is nu {form.years.data} jaar.", "success")
        return redirect(url_for("admin.retention"))
    return _page(years_form=form, status=422)


def _former_pupil_or_404(child_id):
    child = pupil_or_404(child_id)  # 404 for an erased pupil too
    if child.left_at is None:
        abort(404)
    return child


@staff_bp.post("/bewaartermijn/<int:child_id>/bewaren")
@admin_required
def retention_hold(child_id):
    child = _former_pupil_or_404(child_id)
    form = hold_form(child.id, request.form)
    if form.validate_on_submit():
        try:
            service.hold_pupil(child, form.reason.data, current_user)
        except ServiceError as exc:
            return _page(error=exc.message, status=409)
        flash(f"De gegevens van {child.name} worden bewaard, ook na de bewaartermijn.", "success")
        return redirect(url_for("admin.retention") + "#bewaard")
    return _page(failed_hold=(child.id, form), status=422)


@staff_bp.post("/bewaartermijn/<int:child_id>/niet-meer-bewaren")
@admin_required
def retention_release(child_id):
    child = _former_pupil_or_404(child_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.release_hold(child, current_user)
    except ServiceError as exc:
        return _page(error=exc.message, status=409)
    flash(f"De gegevens van {child.name} worden niet meer bewaard: ze worden gewist zodra de bewaartermijn "
          "voorbij is.", "success")
    return redirect(url_for("admin.retention"))

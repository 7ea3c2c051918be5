"""Review pages: the queue, one visit with its change log, and the steps on it."""

from __future__ import annotations

import json
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from audit import prerender
from audit.criteria_sets.versions import version_set
from audit.errors import DomainError, Invalid
from audit.review import bp
from audit.review.change_log import change_lines
from audit.review.forms import (
    BatchForm,
    CorrectionForm,
    ReturnForm,
    StepForm,
    canned_reasons,
    entry_from,
    field_for,
    fill,
    prepare,
)
from audit.review.timeline import visit_timeline
from audit.stores import regions
from audit.visits import review as review_flow
from audit.visits.answers import AnswerError
from audit.vocabulary import VisitStatus
from audit.web import flag_text
from audit.web.database import get_db
from audit.web.errors import message
from audit.web.formatting import current_locale
from audit.web.labels import status_label
from audit.web.list_filters import read_cursor, read_filters
from audit.web.validation import show_on_form
from reports import aggregate, text
from reports.render import thumbnail_uri

ALL_STATUSES = tuple(VisitStatus)  # a reviewer reads a visit whatever its status
# The photo route belongs to the photo upload work; link to it once it exists.
PHOTO_ENDPOINTS = ("photos.photo", "photos.show", "shopper.photo", "review.photo")


def visit_or_404(visit_id: int) -> dict:
    """The visit with what a reviewer needs, or 404."""
    db = get_db()
    visit = review_flow.visit_for_review(db, visit_id)
    if visit is None:
        abort(404)
    visit["timeline"] = visit_timeline(db, visit) if visit["channel"] == "online" else []
    return visit


def photo_src(photo: dict) -> str | None:
    """Where the review page shows a photo from: the photo route, else an inline thumbnail."""
    for endpoint in PHOTO_ENDPOINTS:
        if endpoint in current_app.view_functions:
            return url_for(endpoint, photo_id=photo["id"])
    return thumbnail_uri(_upload_path(photo["filename"]))


def _upload_path(filename: str):
    """A photo file inside UPLOAD_DIR (only the base name of the stored name is used)."""
    return Path(current_app.config["UPLOAD_DIR"]) / Path(filename).name


@bp.context_processor
def _warnings() -> dict:
    """Review templates write a visit's warnings with warning_texts(visit)."""
    return {"warning_texts": flag_text.WarningTexts(get_db())}


@bp.route("/")
def index():
    """The queue of submitted and approved visits, oldest first, with flags worth a look; a
    page at a time, filtered by region, score and status."""
    db, filters = get_db(), read_filters(review_flow.WAITING)
    page = review_flow.review_page(db, filters, **read_cursor())
    return render_template("review/index.html", visits=page.rows, page=page, filters=filters,
                           regions=regions(db), statuses=review_flow.WAITING,
                           here=_queue_args(), batch_form=BatchForm())


def _queue_args() -> dict[str, str]:
    """The queue's filters and page as query parameters: the batch form returns to them."""
    return {**read_filters(review_flow.WAITING).args(), **read_cursor()}


@bp.route("/batch", methods=["POST"])
def batch():
    """Approve or publish the ticked visits; say which moved and which had moved meanwhile."""
    form = BatchForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        done = review_flow.step_many(get_db(), form.visit_ids.data, form.step.data,
                                     current_user.id)
    except DomainError as err:
        flash(message(err), "error")
        return redirect(url_for("review.index", **_queue_args()))
    if done.moved:
        flash(_batch_done(form.step.data, len(done.moved)), "success")
        if form.step.data == "publish":
            prerender.kick(current_app.config)  # the stores' reports, rendered in the background
    if done.skipped:
        flash(_("Left as they are, because they had moved meanwhile: %(visits)s.", visits=", ".join(
            f"{v['store_code'] or '#' + str(v['id'])} ({status_label(v['status'] or '—')})"
            for v in done.skipped)), "error")
    return redirect(url_for("review.index", **_queue_args()))


def _batch_done(step: str, count: int) -> str:
    """'3 visits approved.' or '3 visits published.'"""
    if step == "approve":
        return ngettext("%(num)d visit approved.", "%(num)d visits approved.", count)
    return ngettext("%(num)d visit published.", "%(num)d visits published.", count)


@bp.route("/visits/<int:visit_id>")
def visit(visit_id: int):
    """One visit: score, flags, answers, photos, the change log and the review steps."""
    return _visit_page(visit_id, ReturnForm())


def _visit_page(visit_id: int, return_form: ReturnForm, status: int = 200):
    """Render the visit page (also after a refused return, with its errors)."""
    visit = visit_or_404(visit_id)
    db = get_db()
    detail = aggregate.visit_report(db, visit_id, current_locale(), ALL_STATUSES)["visit"]
    return render_template(
        "review/visit.html", visit=visit, detail=detail, step_form=StepForm(),
        return_form=return_form, log=change_lines(db, visit, current_locale()),
        photo_src=photo_src,
        answer_text=lambda a: text.answer_text(a["criterion"], a["value"], a["na"],
                                               current_locale(), gettext),
        correctable=visit["status"] in review_flow.CORRECTABLE,
    ), status


def _step(visit_id: int, action, done: str):
    """Run one review step and go back to the queue (or say why it could not run)."""
    visit_or_404(visit_id)
    if not StepForm().validate_on_submit():
        abort(400)
    try:
        action(get_db(), visit_id, current_user.id)
    except DomainError as err:
        flash(message(err), "error")
        return redirect(url_for("review.visit", visit_id=visit_id))
    if action is review_flow.publish:
        prerender.kick(current_app.config)  # the store's reports, rendered in the background
    flash(done, "success")
    return redirect(url_for("review.index"))


@bp.route("/visits/<int:visit_id>/approve", methods=["POST"])
def approve(visit_id: int):
    """Approve a submitted visit."""
    return _step(visit_id, review_flow.approve, _("Visit approved. Publish it when ready."))


@bp.route("/visits/<int:visit_id>/publish", methods=["POST"])
def publish(visit_id: int):
    """Publish an approved visit to the store's managers."""
    return _step(visit_id, review_flow.publish, _("Visit published."))


@bp.route("/visits/<int:visit_id>/return", methods=["POST"])
def return_visit(visit_id: int):
    """Send a visit back to the shopper with a note."""
    visit_or_404(visit_id)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            review_flow.return_to_shopper(get_db(), visit_id, current_user.id, form.note.data)
        except DomainError as err:
            show_on_form(form, err)
        else:
            flash(_("Visit returned to the shopper."), "success")
            return redirect(url_for("review.index"))
    return _visit_page(visit_id, form, 400)


@bp.route("/visits/<int:visit_id>/correct", methods=["GET", "POST"])
def correct(visit_id: int):
    """Correct one answer (?criterion=key); the change is logged with old and new value."""
    visit = visit_or_404(visit_id)
    cs = version_set(get_db(), visit["version_id"])
    key = request.values.get("criterion", "")
    try:
        criterion = cs.criterion(key)
    except KeyError:
        return redirect(url_for("review.visit", visit_id=visit_id))
    if visit["status"] not in review_flow.CORRECTABLE:
        flash(_("Answers of this visit cannot be corrected now."), "error")
        return redirect(url_for("review.visit", visit_id=visit_id))
    form = CorrectionForm()
    prepare(form, criterion, current_locale())
    value, na, comment = _stored(visit_id, key)
    if form.validate_on_submit():
        try:
            review_flow.correct(get_db(), visit_id, current_user.id, entry_from(form, criterion),
                                reason=form.reason.data)
        except AnswerError as err:  # the one answer's refusal, shown at the form's value field
            refusal = next(iter(err.errors.values()))
            show_on_form(form, Invalid(refusal.code, refusal.template, field=field_for(criterion),
                                       **refusal.params))
        except DomainError as err:
            show_on_form(form, err)
        else:
            flash(_("Answer corrected."), "success")
            return redirect(url_for("review.visit", visit_id=visit_id) + f"#a-{key}")
    elif request.method == "GET":
        fill(form, criterion, value, na)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("review/correct.html", visit=visit, criterion=criterion, form=form,
                           kind=field_for(criterion), shopper_comment=comment,
                           canned=canned_reasons(criterion, current_locale())), status


def _stored(visit_id: int, key: str) -> tuple:
    """(value, na, comment) of the stored answer."""
    row = get_db().execute("SELECT value, na, comment FROM answers WHERE visit_id = ? "
                           "AND criterion_key = ?", [visit_id, key]).fetchone()
    if row is None:
        return None, False, None
    return (json.loads(row[0]) if row[0] is not None else None), bool(row[1]), row[2]

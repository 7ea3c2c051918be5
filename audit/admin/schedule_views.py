"""Admin: schedule visits (one or several stores at once), reschedule, cancel."""

import json
from collections.abc import Callable
from datetime import date
from functools import partial

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectChoice

from audit.actions import follow_up_page
from audit.admin import bp
from audit.admin.schedule_forms import CancelForm, FollowUpForm, RescheduleForm, ScheduleForm
from audit.errors import DomainError
from audit.stores import regions
from audit.visits.online import is_overdue, local_today
from audit.visits.scheduling import (
    RevisitConflict,
    VisitPlan,
    can_undo_cancel,
    cancel,
    reschedule,
    schedule_visits,
    undo_cancel,
    visit_page,
)
from audit.web.database import get_db
from audit.web.errors import message
from audit.web.formatting import current_locale
from audit.web.i18n import channel_name, localized
from audit.web.ids import row_id
from audit.web.list_filters import read_cursor, read_filters
from audit.web.validation import show_on_form

STATUS_FILTERS = ("scheduled", "in_progress", "submitted", "returned", "approved", "published",
                  "cancelled")


def _set_name(raw: str) -> str:
    """A set's stored name map in the admin's language (English when it has none)."""
    try:
        return localized(json.loads(raw))
    except (ValueError, AttributeError):
        return raw


def _shopper_choices() -> list[SelectChoice]:
    """Active shoppers, by name."""
    return [SelectChoice(u["id"], f"{u['name']} ({u['email']})") for u in
            get_db().query("SELECT id, name, email FROM users WHERE role = 'shopper'"
                           " AND active = 1 ORDER BY name")]


def _choices(form) -> None:
    """Fill the select lists: published sets, active stores, active shoppers."""
    db = get_db()
    form.shopper_id.choices = _shopper_choices()
    if hasattr(form, "set_id"):
        form.set_id.choices = [
            SelectChoice(s["id"], f"{_set_name(s['name'])} ({channel_name(s['channel'])})")
            for s in db.query("SELECT * FROM criteria_sets WHERE archived = 0 ORDER BY key")]
        form.store_ids.choices = [
            SelectChoice(s["id"], f"{s['code']} {s['name']} · {s['region']} · "
                                  f"{channel_name(s['channel'])}")
            for s in db.query("SELECT * FROM stores WHERE archived = 0 ORDER BY region, code")]


@bp.route("/visits")
def visits():
    """Every visit, newest window first, a page at a time; filter by status, region, score."""
    db, filters = get_db(), read_filters(STATUS_FILTERS)
    today = local_today(current_app.config["TIMEZONE"])
    page = visit_page(db, filters, **read_cursor())
    rows = page.rows
    return render_template("admin/visits.html", visits=rows, page=page, filters=filters,
                           status=filters.status, statuses=STATUS_FILTERS, regions=regions(db),
                           undo=_undo_offer(), undo_form=CancelForm(),
                           overdue={v["id"] for v in rows if is_overdue(v, today)})


def _undo_offer() -> dict | None:
    """The visit just cancelled (?cancelled=id), when its cancellation can still be undone."""
    visit_id = request.args.get("cancelled", type=row_id)
    if visit_id is None or not can_undo_cancel(get_db(), visit_id):
        return None
    return _visit_or_404(visit_id)


@bp.route("/visits/new", methods=["GET", "POST"])
def visit_new():
    """Schedule visits: one per chosen store, refused (with reasons) if too soon again."""
    form = ScheduleForm()
    _choices(form)
    reasons = []
    if form.validate_on_submit():
        plan = VisitPlan(form.store_ids.data, form.set_id.data, form.shopper_id.data,
                         form.window_start.data, form.window_end.data, form.note.data)
        ids, reasons = _attempt(form, partial(schedule_visits, get_db(), plan,
                                              created_by=current_user.id))
        if ids is not _REFUSED:
            flash(ngettext("%(num)d visit scheduled.", "%(num)d visits scheduled.", len(ids)),
                  "success")
            return redirect(url_for("admin.visits"))
    return render_template("admin/visits_form.html", form=form, reasons=reasons,
                           visit=None), _status()


# What _attempt returns when the change was refused (a change may itself return None).
_REFUSED = object()


def _attempt(form, change: Callable[..., object]) -> tuple[object, list[str]]:
    """Make a scheduling change the valid form asks for, with the revisit rule: (its result, [])
    when made; (_REFUSED, reasons) when a store was visited too recently; (_REFUSED, []) with
    any other refusal shown next to its field."""
    try:
        return change(revisit_days=current_app.config["REVISIT_DAYS"],
                      override=form.override.data), []
    except RevisitConflict as err:
        return _REFUSED, [message(r) for r in err.reasons]
    except DomainError as err:
        show_on_form(form, err)
        return _REFUSED, []


def _status() -> int:
    """A form page shown again after a POST was refused answers 422, not 200."""
    return 422 if request.method == "POST" else 200


def _visit_or_404(visit_id: int) -> dict:
    """A visit row with its store, or 404."""
    rows = list(get_db().query(
        """SELECT v.*, s.code AS store_code, s.name AS store_name FROM visits v
           JOIN stores s ON s.id = v.store_id WHERE v.id = ?""", [visit_id]))
    return rows[0] if rows else abort(404)


@bp.route("/visits/<int:visit_id>", methods=["GET", "POST"])
def visit_edit(visit_id: int):
    """Reschedule a visit that has not started: other dates or another shopper."""
    visit = _visit_or_404(visit_id)
    form = RescheduleForm(data=None if request.method == "POST" else {
        "shopper_id": visit["shopper_id"], "window_start": _day(visit["window_start"]),
        "window_end": _day(visit["window_end"])})
    _choices(form)
    reasons = []
    if form.validate_on_submit():
        done, reasons = _attempt(form, partial(
            reschedule, get_db(), visit_id, shopper_id=form.shopper_id.data,
            window_start=form.window_start.data, window_end=form.window_end.data))
        if done is not _REFUSED:
            flash(_("Visit moved."), "success")
            return redirect(url_for("admin.visits"))
    return render_template("admin/visits_form.html", form=form, reasons=reasons,
                           visit=visit), _status()


def _day(value: str) -> date:
    """A stored YYYY-MM-DD as a date."""
    return date.fromisoformat(value)


@bp.route("/visits/<int:visit_id>/cancel", methods=["GET", "POST"])
def visit_cancel(visit_id: int):
    """Ask first (GET), then cancel a visit that has not been submitted (POST)."""
    visit = _visit_or_404(visit_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return render_template("admin/visits_cancel.html", visit=_named(visit), form=form)
    try:
        cancel(get_db(), visit_id, current_user.id)
    except DomainError as err:
        flash(message(err), "error")
        return redirect(url_for("admin.visits"))
    return redirect(url_for("admin.visits", cancelled=visit_id))


@bp.route("/visits/<int:visit_id>/undo-cancel", methods=["POST"])
def visit_undo_cancel(visit_id: int):
    """Undo a cancellation while nothing else has happened to the visit."""
    _visit_or_404(visit_id)
    if not CancelForm().validate_on_submit():
        abort(400)
    try:
        undo_cancel(get_db(), visit_id, current_user.id)
    except DomainError as err:
        flash(message(err), "error")
    else:
        flash(_("Cancellation undone."), "success")
    return redirect(url_for("admin.visits"))


def _named(visit: dict) -> dict:
    """A visit with its shopper's name, for the confirmation page."""
    shopper = get_db()["users"].get(visit["shopper_id"])
    return {**visit, "shopper_name": shopper["name"]}


@bp.route("/stores/<int:store_id>/follow-up", methods=["GET", "POST"])
def visit_followup(store_id: int):
    """Schedule a follow-up visit of a store that watches the criteria of its open actions."""
    store = get_db()["stores"].get(store_id) if _store_exists(store_id) else abort(404)
    form = FollowUpForm()
    page = follow_up_page(get_db(), store, current_locale())
    form.shopper_id.choices = _shopper_choices()
    form.set_id.choices = [SelectChoice(s["id"], _set_name(s["name"])) for s in page["sets"]]
    form.watch_keys.choices = [SelectChoice(k, t) for k, t in page["criteria"].items()]
    if request.method == "GET":
        form.watch_keys.data = page["watch"]
    reasons = []
    if form.validate_on_submit():
        plan = VisitPlan([store_id], form.set_id.data, form.shopper_id.data,
                         form.window_start.data, form.window_end.data, form.note.data,
                         watch_keys=form.watch_keys.data)
        done, reasons = _attempt(form, partial(schedule_visits, get_db(), plan,
                                               created_by=current_user.id))
        if done is not _REFUSED:
            flash(_("Follow-up visit scheduled."), "success")
            return redirect(url_for("admin.visits"))
    return render_template("admin/visits_followup.html", form=form, reasons=reasons,
                           store=store, **page), _status()


def _store_exists(store_id: int) -> bool:
    """Whether the store is there."""
    return get_db().execute("SELECT 1 FROM stores WHERE id = ?", [store_id]).fetchone() is not None

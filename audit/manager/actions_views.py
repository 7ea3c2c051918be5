"""Manager: action plans for their stores; create from a weak point, change, mark done."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from audit.actions import (
    action_history,
    actions_overview,
    as_input,
    set_status,
    update_action,
)
from audit.errors import DomainError
from audit.manager import bp
from audit.manager.views import store_for_manager
from audit.stores import stores_for_manager
from audit.web.action_forms import ActionForm, StatusForm, new_action_form, save_new_action
from audit.web.database import get_db
from audit.web.formatting import current_locale
from audit.web.validation import show_on_form
from reports.actions import STATES, criteria_of_store

LIST_FILTERS = ("current", *STATES, "all")


def action_for_manager(action_id: int) -> dict:
    """The action if it belongs to one of this manager's stores: 404 if none, 403 if not theirs."""
    row = next(iter(get_db().query("SELECT * FROM actions WHERE id = ?", [action_id])), None)
    if row is None:
        abort(404)
    store_for_manager(row["store_id"])
    return row


@bp.route("/actions")
def actions():
    """All actions of my stores; ?state= narrows (default: everything not dropped)."""
    state = request.args.get("state", "current")
    state = state if state in LIST_FILTERS else "current"
    db = get_db()
    rows = actions_overview(db, stores_for_manager(db, current_user.id), current_locale())
    shown = [r for r in rows if state == "all" or r["outcome"].state == state
             or (state == "current" and r["outcome"].state != "dropped")]
    return render_template("manager/actions.html", rows=shown, state=state,
                           filters=LIST_FILTERS)


@bp.route("/stores/<int:store_id>/actions/new", methods=["GET", "POST"])
def action_new(store_id: int):
    """A new action for my store, e.g. from a weak point (?criterion_key=)."""
    store = store_for_manager(store_id)
    db = get_db()
    form = new_action_form(db, store, request.args.get("criterion_key", ""))
    if save_new_action(db, store, form):
        return redirect(url_for("manager.store", store_id=store_id, _anchor="actions"))
    status = 422 if request.method == "POST" else 200
    return render_template("manager/actions_form.html", form=form, store=store), status


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
def action(action_id: int):
    """One action: change it, mark it done or drop it, and see its history."""
    row = action_for_manager(action_id)
    db = get_db()
    store = db["stores"].get(row["store_id"])
    form = ActionForm(data=None if request.method == "POST" else vars(as_input(row)))
    if form.validate_on_submit():
        try:
            update_action(db, row, form.action_input(), user_id=current_user.id,
                          lang=current_locale())
        except DomainError as err:
            show_on_form(form, err)
        else:
            flash(_("Action saved."), "success")
            return redirect(url_for("manager.action", action_id=action_id))
    return _action_page(row, store, form, StatusForm(formdata=None))


def _action_page(row: dict, store: dict, form: ActionForm, status_form: StatusForm):
    """The action page (422 after a refused POST)."""
    db = get_db()
    form.offer(criteria_of_store(db, store, current_locale()))
    shown = actions_overview(db, [store], current_locale())
    current = next(r for r in shown if r["id"] == row["id"])
    code = 422 if request.method == "POST" else 200
    return render_template("manager/actions_detail.html", a=current, store=store, form=form,
                           status_form=status_form, history=action_history(db, row["id"])), code


@bp.route("/actions/<int:action_id>/status", methods=["POST"])
def action_status(action_id: int):
    """Mark done (the next visit then verifies it), drop, or reopen."""
    row = action_for_manager(action_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            set_status(get_db(), row, form.status.data, form.note.data, user_id=current_user.id)
        except DomainError as err:
            show_on_form(form, err)
        else:
            flash(_("Action updated."), "success")
            return redirect(url_for("manager.action", action_id=action_id))
    store = get_db()["stores"].get(row["store_id"])
    return _action_page(row, store, ActionForm(formdata=None, data=vars(as_input(row))), form)

"""Admin: a store's action plan; admins may add actions and schedule a follow-up visit."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from audit.actions import actions_overview
from audit.admin import bp
from audit.web.action_forms import new_action_form, save_new_action
from audit.web.database import get_db
from audit.web.formatting import current_locale


@bp.route("/stores/<int:store_id>/actions", methods=["GET", "POST"])
def store_actions(store_id: int):
    """The store's actions with their outcomes; add one."""
    db = get_db()
    store = next(iter(db.query("SELECT * FROM stores WHERE id = ?", [store_id])), None)
    if store is None:
        abort(404)
    form = new_action_form(db, store)
    if save_new_action(db, store, form):
        return redirect(url_for("admin.store_actions", store_id=store_id))
    rows = actions_overview(db, [store], current_locale())
    status = 422 if request.method == "POST" else 200
    return render_template("admin/store_actions.html", store=store, rows=rows, form=form), status

"""Admin: a store's action plan; admins may add actions and schedule a follow-up visit."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from audit.actions import actions_overview, create_action
from audit.admin import bp
from audit.errors import DomainError
from audit.web.action_forms import ActionForm, default_due
from audit.web.database import get_db
from audit.web.formatting import current_locale
from audit.web.validation import show_on_form
from reports.actions import criteria_of_store


@bp.route("/stores/<int:store_id>/actions", methods=["GET", "POST"])
def store_actions(store_id: int):
    """The store's actions with their outcomes; add one."""
    db = get_db()
    store = next(iter(db.query("SELECT * FROM stores WHERE id = ?", [store_id])), None)
    if store is None:
        abort(404)
    form = ActionForm()
    form.offer(criteria_of_store(db, store, current_locale()))
    if request.method == "GET":
        form.due_date.data = default_due()
    if form.validate_on_submit():
        try:
            create_action(db, store, form.action_input(), user_id=current_user.id,
                          lang=current_locale())
        except DomainError as err:
            show_on_form(form, err)
        else:
            flash(_("Action saved."), "success")
            return redirect(url_for("admin.store_actions", store_id=store_id))
    rows = actions_overview(db, [store], current_locale())
    status = 422 if request.method == "POST" else 200
    return render_template("admin/store_actions.html", store=store, rows=rows, form=form), status

"""Admin: list, create, edit and archive stores."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from audit.admin import bp
from audit.admin.forms import StoreForm
from audit.errors import DomainError
from audit.stores import STORE_FIELDS, list_stores, save_store, set_archived, store_managers
from audit.web.database import get_db
from audit.web.validation import form_status, show_on_form


@bp.route("/stores")
def stores():
    """Every store, with its region and channel."""
    return render_template("admin/stores.html", stores=list_stores(get_db()), form=FlaskForm())


def _store_form(store: dict | None) -> StoreForm:
    """The form, with the managers to choose from."""
    db = get_db()
    data = None
    if store:
        data = {k: store[k] for k in STORE_FIELDS}
        data["managers"] = store_managers(db, store["id"])
    form = StoreForm(data=data)
    managers = db.query("SELECT id, name, email FROM users WHERE role = 'manager' AND active = 1")
    form.managers.choices = [SelectChoice(m["id"], f"{m['name']} ({m['email']})") for m in managers]
    return form


def _fields(form: StoreForm) -> dict:
    """The store row from the form, numbers as floats."""
    fields = {k: getattr(form, k).data for k in STORE_FIELDS}
    for k in ("latitude", "longitude"):
        fields[k] = float(fields[k]) if fields[k] is not None else None
    return fields


@bp.route("/stores/new", methods=["GET", "POST"])
@bp.route("/stores/<int:store_id>", methods=["GET", "POST"])
def store_edit(store_id: int | None = None):
    """Create or edit a store."""
    store = None
    if store_id is not None:
        store = get_db()["stores"].get(store_id) if _exists(store_id) else abort(404)
    form = _store_form(store)
    if form.validate_on_submit():
        try:
            store_id = save_store(get_db(), store_id, _fields(form), form.managers.data,
                                  by=current_user.id)
        except DomainError as err:
            show_on_form(form, err)
        else:
            flash(_("Store %(code)s saved.", code=form.code.data.upper()), "success")
            return redirect(url_for("admin.stores"))
    return render_template("admin/store_form.html", form=form, store=store), form_status(form)


def _exists(store_id: int) -> bool:
    """Whether a store with this id exists."""
    return get_db()["stores"].count_where("id = ?", [store_id]) == 1


@bp.route("/stores/<int:store_id>/archive", methods=["POST"])
def store_archive(store_id: int):
    """Archive a store, or restore an archived one."""
    if not _exists(store_id):
        abort(404)
    archived = get_db()["stores"].get(store_id)["archived"]
    set_archived(get_db(), store_id, not archived)
    flash(_("Store restored.") if archived else _("Store archived."), "success")
    return redirect(url_for("admin.stores"))

"""Admin: list, create and edit users."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from audit.admin import bp
from audit.admin.forms import UserForm
from audit.errors import N_, DomainError, Invalid
from audit.stores import manager_regions, regions, set_manager_regions
from audit.users import (
    create_user,
    end_sessions_by_admin,
    get_user,
    list_users,
    log_user_change,
    update_user,
    user_log,
)
from audit.vocabulary import Role, VisitStatus
from audit.web.auth import User, log_in
from audit.web.database import get_db
from audit.web.validation import form_status, show_on_form


@bp.route("/")
def index():
    """The admin's start page."""
    db = get_db()
    counts = {
        "stores": db["stores"].count_where("archived = 0"),
        "users": db["users"].count_where("active = 1"),
        "submitted": db["visits"].count_where("status = ?", [VisitStatus.SUBMITTED]),
        "scheduled": db["visits"].count_where(
            "status IN (?, ?)", [VisitStatus.SCHEDULED, VisitStatus.IN_PROGRESS]),
    }
    return render_template("admin/index.html", counts=counts)


@bp.route("/users")
def users():
    """Every account."""
    return render_template("admin/users.html", users=list_users(get_db()))


def _user_form(user: dict | None) -> UserForm:
    """The form, filled from a user row when editing."""
    form = UserForm(data=_user_data(user) if user else None)
    form.regions.choices = [SelectChoice(r) for r in regions(get_db())]
    return form


def _user_data(user: dict) -> dict:
    """Form data from a users row."""
    data = {k: user[k] for k in ("name", "email", "role")}
    data["is_reviewer"] = bool(user["is_reviewer"])
    data["active"] = bool(user["active"])
    data["regions"] = manager_regions(get_db(), user["id"])
    return data


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    """Create an account."""
    form = _user_form(None)
    if form.validate_on_submit():
        try:
            user_id = _save_new_user(form)
        except DomainError as err:
            show_on_form(form, err)
        else:
            flash(_("User %(email)s created.", email=form.email.data), "success")
            return redirect(url_for("admin.user_edit", user_id=user_id))
    return render_template("admin/user_form.html", form=form, user=None), form_status(form)


def _save_new_user(form: UserForm) -> int:
    """Create the user and their regions in one transaction."""
    if not form.password.data:
        raise Invalid("password_missing", N_("Set a password for the new user."),
                      field="password")
    db = get_db()
    with db.atomic():
        user_id = create_user(
            db,
            email=form.email.data,
            name=form.name.data,
            role=form.role.data,
            password=form.password.data,
            is_reviewer=form.is_reviewer.data,
            by=current_user.id,
        )
        if form.role.data == Role.MANAGER:
            _set_regions(user_id, form.regions.data)
    return user_id


def _set_regions(user_id: int, new: list[str]) -> None:
    """Give a manager these regions, and log the change (they are the manager's permissions)."""
    db = get_db()
    old = sorted(manager_regions(db, user_id))
    if old != sorted(new):
        set_manager_regions(db, user_id, new)
        log_user_change(db, user_id, current_user.id, {"regions": [old, sorted(new)]})


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    """Edit an account: name, e-mail, role, reviewer flag, active flag, password."""
    user = get_user(get_db(), user_id) or abort(404)
    form = _user_form(user)
    if form.validate_on_submit():
        try:
            _save_user(user_id, form)
        except DomainError as err:
            show_on_form(form, err)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("admin.user_edit", user_id=user_id))
    return render_template("admin/user_form.html", form=form, user=user,
                           log=user_log(get_db(), user_id)), form_status(form)


@bp.route("/users/<int:user_id>/logout", methods=["POST"])
def user_logout(user_id: int):
    """End every session of a user (a lost phone, a shared password); logged."""
    get_user(get_db(), user_id) or abort(404)
    end_sessions_by_admin(get_db(), user_id, by=current_user.id)
    flash(_("The user is logged out on every device."), "success")
    if user_id == current_user.id:
        return redirect(url_for("auth.login"))
    return redirect(url_for("admin.user_edit", user_id=user_id))


def _save_user(user_id: int, form: UserForm) -> None:
    """Write the user's changes and regions in one transaction."""
    db = get_db()
    with db.atomic():
        update_user(
            db,
            user_id,
            name=form.name.data,
            email=form.email.data,
            role=form.role.data,
            is_reviewer=form.is_reviewer.data,
            active=form.active.data,
            password=form.password.data or None,
            by=current_user.id,
        )
        manages = form.role.data == Role.MANAGER
        _set_regions(user_id, form.regions.data if manages else [])
    if user_id == current_user.id and form.password.data:
        # A new password ends every session, this one too; the admin who typed it stays in.
        log_in(User.from_row(get_user(db, user_id)))

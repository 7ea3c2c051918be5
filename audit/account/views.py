"""The e-mail preferences page and the unsubscribe link."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from audit.account import bp
from audit.mail.unsubscribe import read
from audit.notifications import preferences
from audit.notifications.kinds import AUDIENCE, Kind, kinds_for
from audit.web.csrf import csrf
from audit.web.database import get_db


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    """Choose which kinds of e-mail I receive."""
    db = get_db()
    if request.method == "POST":
        preferences.choose(db, current_user.id, current_user.role,
                           set(request.form.getlist("kinds")))
        flash(_("Your e-mail choices are saved."), "success")
        return redirect(url_for("account.notifications"))
    off = preferences.turned_off(db, current_user.id)
    return render_template("account/notifications.html", kinds=kinds_for(current_user.role),
                           off=off)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: a mail client POSTs "List-Unsubscribe=One-Click" with no session
def unsubscribe(token: str):
    """GET asks to confirm (link scanners open links); POST turns the kind off."""
    found = read(current_app, token)
    if found is None or found[1] not in AUDIENCE:
        return render_template("account/unsubscribe.html", kind=None), 400
    user_id, kind = found
    if request.method == "POST":
        preferences.unsubscribe(get_db(), user_id, kind)
        return render_template("account/unsubscribe.html", kind=Kind(kind), done=True)
    return render_template("account/unsubscribe.html", kind=Kind(kind), done=False)

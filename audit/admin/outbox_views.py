"""Admin: the outbox, sent, waiting and failed messages with the reason, and resend."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from audit import outbox
from audit.admin import bp
from audit.errors import DomainError
from audit.mail import smtp
from audit.web.database import get_db
from audit.web.errors import message


@bp.route("/outbox")
def outbox_page():
    """The newest messages, of one status or all, and how many there are of each."""
    db = get_db()
    status = request.args.get("status")
    status = status if status in outbox.STATUSES else None
    return render_template("admin/outbox.html", messages=outbox.recent(db, status),
                           counts=outbox.counts(db), status=status,
                           smtp_set=bool(current_app.config.get("SMTP_URL")),
                           smtp_problem=_smtp_problem())


def _smtp_problem() -> str | None:
    """What is wrong with AUDIT_SMTP_URL, if it is set and cannot be read."""
    try:
        if current_app.config.get("SMTP_URL"):
            smtp.parse(current_app.config["SMTP_URL"])
    except ValueError as err:
        return str(err)
    return None


@bp.route("/outbox/<int:message_id>/resend", methods=["POST"])
def outbox_resend(message_id: int):
    """Send a message again (failed, skipped or sent)."""
    try:
        outbox.resend(get_db(), message_id)
    except DomainError as err:
        flash(message(err), "error")
    else:
        flash(_("The message will be sent again."), "success")
    return redirect(url_for("admin.outbox_page", status=request.args.get("status")))

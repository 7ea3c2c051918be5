"""Review pages."""

from flask import render_template

from audit.db import get_db
from audit.review import bp


@bp.route("/")
def index():
    """The queue of submitted visits, oldest first."""
    visits = list(
        get_db().query(
            """SELECT v.*, s.name AS store_name, s.code AS store_code, u.name AS shopper_name
               FROM visits v JOIN stores s ON s.id = v.store_id JOIN users u ON u.id = v.shopper_id
               WHERE v.status IN ('submitted', 'approved') ORDER BY v.submitted_at"""
        )
    )
    return render_template("review/index.html", visits=visits)

"""Shopper pages."""

from flask import render_template
from flask_login import current_user

from audit.db import get_db
from audit.shopper import bp


@bp.route("/")
def index():
    """My visits: what is scheduled, in progress, returned and submitted."""
    visits = list(
        get_db().query(
            """SELECT v.*, s.name AS store_name, s.code AS store_code, s.channel, s.address, s.url
               FROM visits v JOIN stores s ON s.id = v.store_id
               WHERE v.shopper_id = ? AND v.status != 'cancelled'
               ORDER BY CASE v.status WHEN 'returned' THEN 0 WHEN 'in_progress' THEN 1
                        WHEN 'scheduled' THEN 2 ELSE 3 END, v.window_start""",
            [current_user.id],
        )
    )
    return render_template("shopper/index.html", visits=visits)

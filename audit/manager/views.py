"""Manager pages. Only published visits, never the shopper's identity."""

from flask import render_template
from flask_login import current_user

from audit.db import get_db
from audit.manager import bp
from audit.stores import managed_store_ids_sql


@bp.route("/")
def index():
    """My stores with the latest published score and the date of the last visit."""
    sql = f"""
        SELECT s.*,
          (SELECT v.score FROM visits v WHERE v.store_id = s.id AND v.status = 'published'
           ORDER BY v.started_at DESC LIMIT 1) AS last_score,
          (SELECT v.started_at FROM visits v WHERE v.store_id = s.id AND v.status = 'published'
           ORDER BY v.started_at DESC LIMIT 1) AS last_visit,
          (SELECT COUNT(*) FROM visits v WHERE v.store_id = s.id AND v.status = 'published')
            AS visit_count
        FROM stores s WHERE s.id IN ({managed_store_ids_sql()}) AND s.archived = 0
        ORDER BY s.region, s.code"""  # noqa: S608
    stores = list(get_db().query(sql, {"user_id": current_user.id}))
    return render_template("manager/index.html", stores=stores)

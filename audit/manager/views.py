"""Manager pages. Only published visits of their own stores, never the shopper's identity."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, render_template, request
from flask_login import current_user

from audit import report_runs as jobs
from audit.actions import store_actions_page
from audit.manager import bp
from audit.manager.store_list import store_page, store_regions
from audit.stores import managed_store_ids_sql
from audit.web.database import get_db
from audit.web.downloads import send_answers_csv, send_pdf
from audit.web.formatting import current_locale, format_locale
from audit.web.ids import row_id
from audit.web.list_filters import read_cursor, read_filters
from audit.web.period_forms import PeriodForm, keyed_presets, period_or_400, presets
from reports import aggregate, charts, render


def store_for_manager(store_id: int) -> dict:
    """The store if this manager may see it: 404 when it does not exist, 403 when not theirs."""
    db = get_db()
    store = next(iter(db.query("SELECT * FROM stores WHERE id = ?", [store_id])), None)
    if store is None:
        abort(404)
    sql = f"SELECT 1 FROM ({managed_store_ids_sql()}) WHERE store_id = :store"  # noqa: S608
    if not list(db.query(sql, {"user_id": current_user.id, "store": store_id})):
        abort(403)
    return store


def my_store_ids() -> list[int]:
    """Ids of the stores this manager sees."""
    rows = get_db().query(managed_store_ids_sql(), {"user_id": current_user.id})
    return [r["store_id"] for r in rows]


@bp.route("/")
def index():
    """My stores with the latest score, the trend and the date of the last visit; a page at a
    time, filtered by region and latest score."""
    db, filters = get_db(), read_filters()
    page = store_page(db, current_user.id, format_locale(), filters, read_cursor())
    return render_template("manager/index.html", stores=page.rows, page=page, filters=filters,
                           regions=store_regions(db, current_user.id))


@bp.route("/stores/<int:store_id>")
def store(store_id: int):
    """One store: the score over time, its published visits, and the report downloads."""
    store = store_for_manager(store_id)
    db = get_db()
    form = PeriodForm(request.args)
    period = presets()[-2][1]
    trend = aggregate.monthly_trend(db, store, period)
    chart = charts.trend_chart(
        [t["month"][5:] + "/" + t["month"][2:4] for t in trend],
        [(store["code"], [t["store"] for t in trend], charts.BRAND),
         (store["region"], [t["region"] for t in trend], charts.REGION)],
        title=store["name"])
    visits = list(reversed(aggregate.published_visits(
        db, [store_id], aggregate.Period(date(2000, 1, 1), period.end))))
    return render_template("manager/store.html", store=store, chart=chart,
                           visits=visits, presets=presets(), form=form,
                           keyed_presets=keyed_presets(),
                           **store_actions_page(db, store, current_locale(), presets()[1][1]))


@bp.route("/stores/<int:store_id>/report.pdf")
def store_report(store_id: int):
    """The store's PDF audit report for ?start=&end= (default: the last six months)."""
    store = store_for_manager(store_id)
    form = PeriodForm(request.args)
    period = period_or_400(form)
    # Rendered by a worker: until it is cached, a page that refreshes itself (audit/jobs.py).
    path, job = jobs.store_report(current_app.config, get_db(), store_id, period, form.lang.data,
                                  current_user.id, request.args.get("job", type=row_id))
    if path is None:
        return render_template("manager/preparing.html", store=store, job=job, period=period,
                               no_worker=not job["finished"]
                               and not jobs.worker_running(current_app.config))
    if request.args.get("job"):
        # The preparing page refreshed into a ready report. Sent as a download it would leave
        # the tab reading "Preparing your report": say it is ready, and start the download.
        return render_template("manager/preparing.html", store=store, job=None, period=period,
                               ready=True)
    name = f"audit-{render.safe_name(store['code'])}-{period.start}-{period.end}.pdf"
    return send_pdf(path, name)


@bp.route("/visits/<published_visit_ref>/report.pdf")
def visit_report(published_visit_ref: str):
    """One published visit of my store as a PDF (404 unless published; 403 if not mine).

    By the visit's random reference: ids count up, and the ids of one scheduling batch would
    tie its visits to one shopper.
    """
    db = get_db()
    row = db.execute("SELECT id, store_id FROM visits WHERE ref = ? AND status = 'published'",
                     [published_visit_ref]).fetchone()
    if row is None:
        abort(404)
    store = store_for_manager(row[1])
    path = render.visit_pdf(db, row[0], current_locale(),
                            report_dir=current_app.config["REPORT_DIR"],
                            upload_dir=current_app.config["UPLOAD_DIR"],
                            zone=current_app.config["TIMEZONE"])
    return send_pdf(path, f"visit-{store['code']}-{published_visit_ref}.pdf")


@bp.route("/answers.csv")
def answers_csv():
    """Answers of my stores' published visits in the period (?store_id= narrows to one)."""
    form = PeriodForm(request.args)
    period = period_or_400(form)
    store_ids = my_store_ids()
    one = request.args.get("store_id", type=row_id)
    if one is not None:
        store_ids = [store_for_manager(one)["id"]]
    return send_answers_csv(get_db(), store_ids, period, form.lang.data)


"""Admin reports: the chain's or a region's summary PDF and the answers CSV of all stores."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, request
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from audit.admin import bp
from audit.db import get_db
from audit.formatting import current_locale
from audit.manager.forms import PeriodForm, period_or_400, presets
from audit.manager.views import send_pdf
from audit.stores import regions
from reports import csv_export, render


class ScopeForm(FlaskForm):
    """?region= (empty: the whole chain)."""

    class Meta:
        csrf = False

    region = SelectField(choices=[], validate_choice=False)


@bp.route("/reports")
def reports():
    """Summary PDFs for the chain and each region, with one-tap periods."""
    form = ScopeForm(request.args)
    form.region.choices = [SelectChoice("", "—")] + [SelectChoice(r, r) for r in regions(get_db())]
    return render_template("admin/reports.html", regions=regions(get_db()), presets=presets(),
                           form=PeriodForm(request.args), scope=form)


@bp.route("/reports/summary.pdf")
def summary_report():
    """The chain's (or ?region='s) summary PDF for ?start=&end=."""
    period = period_or_400(PeriodForm(request.args))
    region = request.args.get("region") or None
    if region is not None and region not in regions(get_db()):
        abort(404)
    path = render.summary_pdf(get_db(), period, current_locale(), region=region,
                              report_dir=current_app.config["REPORT_DIR"])
    return send_pdf(path, f"summary-{region or 'chain'}-{period.start}-{period.end}.pdf")


@bp.route("/reports/answers.csv")
def answers_csv():
    """Answers of every store's published visits in the period, as CSV (no shopper)."""
    period = period_or_400(PeriodForm(request.args))
    ids = [r["id"] for r in get_db().query("SELECT id FROM stores")]
    body = csv_export.answers_csv(get_db(), ids, period, current_locale())
    name = f"answers-{period.start}-{period.end}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})

"""Admin reports: summary PDFs, the answers CSV, and runs of every store's PDF in the background."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import DataRequired, ValidationError

from audit import report_runs as jobs
from audit.admin import bp
from audit.stores import regions
from audit.web.database import get_db
from audit.web.downloads import send_answers_csv, send_download, send_pdf
from audit.web.formatting import current_locale
from audit.web.period_forms import PeriodForm, out_of_range, period_or_400, presets
from reports import queue, render
from reports.aggregate import Period, PeriodError


class ScopeForm(FlaskForm):
    """?region= (empty: the whole chain)."""

    class Meta:
        csrf = False

    region = SelectField(choices=[], validate_choice=False)


class RunForm(FlaskForm):
    """A run of every store's report (or one region's) for a period."""

    start = DateField(_l("From"), validators=[DataRequired(_l("Give a date as YYYY-MM-DD."))])
    end = DateField(_l("To"), validators=[DataRequired(_l("Give a date as YYYY-MM-DD."))])
    region = SelectField(_l("Stores"))

    def validate_end(self, field) -> None:
        """The period must not end before it starts, nor reach past the days reports cover."""
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_("The start of the period is after its end."))
        if self.start.data and field.data:
            try:
                Period(self.start.data, field.data).supported()
            except PeriodError:
                raise ValidationError(out_of_range()) from None


def run_form(data=None) -> RunForm:
    """The run form with the regions as choices ("" = all stores)."""
    form = RunForm(data)
    form.region.choices = [SelectChoice("", _("All stores"))] + [
        SelectChoice(r, _("Region %(region)s", region=r)) for r in regions(get_db())]
    return form


def _page(run: RunForm, status: int = 200):
    """The reports page (summary PDFs, CSV, report runs)."""
    form = ScopeForm(request.args)
    form.region.choices = [SelectChoice("", "—")] + [SelectChoice(r, r) for r in regions(get_db())]
    return render_template("admin/reports.html", regions=regions(get_db()), presets=presets(),
                           form=PeriodForm(request.args), scope=form, run=run,
                           runs=jobs.recent_jobs(get_db())), status


@bp.route("/reports")
def reports():
    """Summary PDFs for the chain and each region, with one-tap periods; report runs."""
    run = run_form()
    if not run.start.data:
        run.start.data, run.end.data = presets()[0][1].start, presets()[0][1].end
    return _page(run)


def job_or_404(job_id: int) -> dict:
    """A run of store reports (admins see every run)."""
    row = get_db().execute("SELECT id FROM jobs WHERE id = ? AND kind = 'store_reports'",
                           [job_id]).fetchone()
    if row is None:
        abort(404)
    return jobs.progress(get_db(), job_id)


@bp.route("/reports/runs", methods=["POST"])
def report_run_start():
    """Start rendering every store's (or a region's) report for the period."""
    form = run_form(request.form)
    if not form.validate():
        return _page(form, 400)
    region = form.region.data or None
    db = get_db()
    try:
        job_id = jobs.start(db, jobs.queue_for(current_app.config),
                            jobs.stores_for_run(db, region),
                            Period(form.start.data, form.end.data), current_locale(),
                            user_id=current_user.id, region=region)
    except queue.QueueUnavailable as err:
        flash(str(err), "error")
        return _page(form, 503)
    jobs.ensure_driver(current_app.config, db, job_id)
    return redirect(url_for("admin.report_run", job_id=job_id))


@bp.route("/reports/runs/<int:job_id>")
def report_run(job_id: int):
    """A run's progress; refreshes itself until it ends, then offers the ZIP and the failures."""
    job_or_404(job_id)
    jobs.ensure_driver(current_app.config, get_db(), job_id)  # taken over if its driver is gone
    job = jobs.progress(get_db(), job_id)
    return render_template("admin/reports_run.html", job=job,
                           no_worker=not job["finished"]
                           and not jobs.worker_running(current_app.config))


@bp.route("/reports/runs/<int:job_id>/cancel", methods=["POST"])
def report_run_cancel(job_id: int):
    """Stop a run: nothing more is enqueued."""
    job_or_404(job_id)
    jobs.cancel(get_db(), jobs.queue_for(current_app.config), job_id)
    flash(_("The run was cancelled."), "success")
    return redirect(url_for("admin.report_run", job_id=job_id))


@bp.route("/reports/runs/<int:job_id>/retry", methods=["POST"])
def report_run_retry(job_id: int):
    """Render the failed reports of a run again."""
    job_or_404(job_id)
    count = jobs.retry_failed(get_db(), job_id)
    flash(_("%(n)s failed reports are rendered again.", n=count), "success")
    jobs.ensure_driver(current_app.config, get_db(), job_id)
    return redirect(url_for("admin.report_run", job_id=job_id))


@bp.route("/reports/runs/<int:job_id>/reports.zip")
def report_run_zip(job_id: int):
    """Every finished PDF of a run in one ZIP."""
    job = job_or_404(job_id)
    body = jobs.zip_reports(get_db(), job_id, current_app.config["REPORT_DIR"])
    name = f"reports-{job['params']['start']}-{job['params']['end']}.zip"
    return send_download(body, "application/zip", name)


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
    form = PeriodForm(request.args)
    period = period_or_400(form)
    ids = [r["id"] for r in get_db().query("SELECT id FROM stores")]
    return send_answers_csv(get_db(), ids, period, form.lang.data)

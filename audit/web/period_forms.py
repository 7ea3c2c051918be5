"""The report period form (GET parameters start and end), shared by the manager and admin pages."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, current_app, make_response, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Optional

from audit.web.formatting import current_locale
from audit.web.i18n import LANGUAGE_NAMES
from reports.aggregate import Period, PeriodError
from reports.period import DEFAULT_DAYS, FIRST_DAY, LAST_DAY

# key (the ?preset= value), label, length in days; "year" is this calendar year so far.
PRESETS = (("3m", _l("Last 3 months"), 91), ("6m", _l("Last 6 months"), 182),
           ("12m", _l("Last 12 months"), 365))


class PeriodForm(FlaskForm):
    """?start=YYYY-MM-DD&end=YYYY-MM-DD; both empty means the last six months."""

    class Meta:
        csrf = False  # a GET that only reads

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    lang = SelectField(_l("Language of the report"), validate_choice=False)
    # A preset button of the same form, so the chosen language goes with it.
    preset = StringField(validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        """Offer the app's languages; none or an unknown one given: the manager's own."""
        super().__init__(*args, **kwargs)
        languages = current_app.config["LANGUAGES"]
        self.lang.choices = [SelectChoice(code, LANGUAGE_NAMES[code]) for code in languages]
        if self.lang.data not in languages:
            self.lang.data = current_locale()


def presets(today: date | None = None) -> list[tuple[str, Period]]:
    """The one-tap periods offered on the store page."""
    return [(label, period) for _key, label, period in keyed_presets(today)]


def keyed_presets(today: date | None = None) -> list[tuple[str, str, Period]]:
    """The one-tap periods with the key a form sends for each: (key, label, period)."""
    today = today or date.today()
    out = [(key, str(label), Period(today - timedelta(days=days - 1), today))
           for key, label, days in PRESETS]
    out.append(("year", _("This year"), Period(date(today.year, 1, 1), today)))
    return out


def period_or_400(form: PeriodForm) -> Period:
    """The period the form asks for; a 400 page with the reason when it is not a period."""
    if form.preset.data:
        # A preset button wins over the dates typed beside it (even half-typed ones): it was
        # the one pressed.
        chosen = {key: period for key, _label, period in keyed_presets()}
        if form.preset.data not in chosen:
            _bad(_("Choose one of the periods offered."))
        return chosen[form.preset.data]
    if not form.validate():
        field = form.start if form.start.errors else form.end
        _bad(_("%(field)s: give a date as YYYY-MM-DD.", field=field.label.text))
    end = form.end.data or date.today()
    start = form.start.data or end - timedelta(days=DEFAULT_DAYS - 1)
    try:
        period = Period(start, end)
    except PeriodError:
        _bad(_("The start of the period is after its end."))
    try:
        return period.supported()
    except PeriodError:
        _bad(out_of_range())


def out_of_range() -> str:
    """Why a period is refused when it reaches before or after the days reports cover."""
    return _("A report covers days from %(first)s to %(last)s.",
             first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())


def _bad(message: str):
    """Stop with 400 and a message the person can act on."""
    abort(make_response(render_template("errors/error.html", code=400, message=message), 400))

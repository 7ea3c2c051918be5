"""Review forms: a step (approve, publish), a return with a note, one answer's correction."""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from audit.errors import N_, Invalid
from audit.visits.answers import AnswerInput
from audit.visits.review import BATCH_STEPS, MAX_NOTE, MAX_REASON
from criteria.model import Criterion, text
from criteria.scoring import NA

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def app_zone() -> tzinfo:
    """The app's time zone: a reviewer picks and reads interval times in it."""
    return ZoneInfo(current_app.config["TIMEZONE"])


class StepForm(FlaskForm):
    """Approve or publish: nothing to fill, the CSRF token is the point."""


class BatchForm(FlaskForm):
    """Approve or publish the visits ticked in the queue; the pressed button names the step."""

    visit_ids = SelectMultipleField(coerce=int, choices=[], validate_choice=False)
    step = SelectField(choices=[SelectChoice(s, s) for s in BATCH_STEPS])


class ReturnForm(FlaskForm):
    note = TextAreaField(_l("What should the shopper fix?"),
                         validators=[Length(max=MAX_NOTE)])


class CorrectionForm(FlaskForm):
    choice = SelectField(_l("Answer"), choices=[], validate_choice=False)
    number = StringField(_l("Answer"), validators=[Optional(), Length(max=40)])
    text = TextAreaField(_l("Answer"), validators=[Optional(), Length(max=5000)])
    # The browser's date-time picker; the app's time zone turns it into a time with an offset.
    start = DateTimeLocalField(_l("First time"), format=LOCAL_FORMATS, tz=app_zone,
                               validators=[Optional()])
    end = DateTimeLocalField(_l("Second time (empty: no answer yet)"), format=LOCAL_FORMATS,
                             tz=app_zone, validators=[Optional()])
    na = BooleanField(_l("Not applicable (N/A)"))
    # The reviewer's words go to the change log; the shopper's comment is not on this form.
    reason = StringField(_l("Reason for the change"),
                         description=_l("Shown in the change log, never as the shopper's comment."),
                         validators=[Length(max=MAX_REASON)])


def field_for(c: Criterion) -> str:
    """Which field of CorrectionForm holds an answer of this criterion's type."""
    if c.type in ("yes_no", "rating", "choice"):
        return "choice"
    if c.type in ("duration", "count", "number"):
        return "number"
    if c.type == "interval":
        return "start"
    return "text"


def canned_reasons(c: Criterion, lang: str) -> list[str]:
    """The criterion's ready-made reasons in the reader's language (English when it has none)."""
    return c.review_comments.get(lang) or c.review_comments.get("en", [])


def prepare(form: CorrectionForm, c: Criterion, lang: str) -> None:
    """Fill the choices of a select-type criterion; offer its ready-made reasons."""
    if canned_reasons(c, lang):
        form.reason.render_kw = {"list": "canned-reasons", "autocomplete": "off"}
    empty = [SelectChoice("", _("— not answered —"))]
    if c.type == "yes_no":
        form.choice.choices = empty + [SelectChoice("yes", _("Yes")), SelectChoice("no", _("No"))]
    elif c.type == "rating":
        form.choice.choices = empty + [SelectChoice(str(n), f"{n} / {c.scale}")
                                       for n in range(1, (c.scale or 0) + 1)]
    elif c.type == "choice":
        form.choice.choices = empty + [SelectChoice(o.key, text(o.label, lang))
                                       for o in c.options]


def fill(form: CorrectionForm, c: Criterion, value: object, na: bool) -> None:
    """Show the stored answer in the form."""
    form.na.data = na
    if value is None or na:
        return
    if c.type == "yes_no":
        form.choice.data = "yes" if value else "no"
    elif c.type in ("rating", "choice"):
        form.choice.data = str(value)
    elif c.type in ("duration", "count", "number"):
        form.number.data = str(value)
    elif c.type == "interval" and isinstance(value, dict):
        form.start.data, form.end.data = _moment(value.get("from")), _moment(value.get("to"))
    else:
        form.text.data = str(value)


def _number(raw: str, integer: bool) -> float | int:
    """A number typed by a reviewer; a duration may be m:ss."""
    raw = raw.strip().replace(",", ".")
    if ":" in raw:
        minutes, _sep, seconds = raw.partition(":")
        return int(minutes) * 60 + int(seconds)
    return int(raw) if integer else float(raw)


def entry_from(form: CorrectionForm, c: Criterion) -> AnswerInput:
    """The AnswerInput the form describes; Invalid at its field for a value that cannot be read."""
    if form.na.data:
        return AnswerInput(c.key, NA)
    kind = field_for(c)
    try:
        if kind == "choice":
            raw = form.choice.data or ""
            value = None if raw == "" else (raw == "yes" if c.type == "yes_no"
                                           else int(raw) if c.type == "rating" else raw)
        elif kind == "number":
            raw = form.number.data or ""
            value = _number(raw, c.type == "count") if raw.strip() else None
        elif kind == "start":
            value = _interval(form.start.data, form.end.data)
        else:
            value = (form.text.data or "").strip() or None
    except ValueError:
        raise Invalid("unreadable", N_("This value cannot be read; check the format."),
                      field=kind) from None
    return AnswerInput(c.key, value)


def _moment(stored: str | None) -> datetime | None:
    """A stored ISO time for the date-time picker (None when empty or unreadable)."""
    try:
        return datetime.fromisoformat(stored) if stored else None
    except ValueError:
        return None


def _interval(start: datetime | None, end: datetime | None) -> dict | None:
    """Two picked times (with the app's offset) as an interval answer."""
    if start is None:
        return None
    return {"from": start.isoformat(timespec="seconds"),
            "to": end.isoformat(timespec="seconds") if end is not None else None}

"""Review forms: a step (approve, publish), a return with a note, one answer's correction."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from audit.errors import N_, Invalid
from audit.visits.answers import MAX_COMMENT, AnswerInput
from audit.visits.review import MAX_NOTE
from criteria.model import Criterion, text
from criteria.scoring import NA


class StepForm(FlaskForm):
    """Approve or publish: nothing to fill, the CSRF token is the point."""


class ReturnForm(FlaskForm):
    note = TextAreaField(_l("What should the shopper fix?"),
                         validators=[Length(max=MAX_NOTE)])


class CorrectionForm(FlaskForm):
    choice = SelectField(_l("Answer"), choices=[], validate_choice=False)
    number = StringField(_l("Answer"), validators=[Optional(), Length(max=40)])
    text = TextAreaField(_l("Answer"), validators=[Optional(), Length(max=5000)])
    start = StringField(_l("First time (ISO 8601, with offset)"),
                        validators=[Optional(), Length(max=40)])
    end = StringField(_l("Second time (empty: no answer yet)"),
                      validators=[Optional(), Length(max=40)])
    na = BooleanField(_l("Not applicable (N/A)"))
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=MAX_COMMENT)])
    reason = StringField(_l("Reason for the change"), validators=[Optional(), Length(max=500)])


def field_for(c: Criterion) -> str:
    """Which field of CorrectionForm holds an answer of this criterion's type."""
    if c.type in ("yes_no", "rating", "choice"):
        return "choice"
    if c.type in ("duration", "count", "number"):
        return "number"
    if c.type == "interval":
        return "start"
    return "text"


def prepare(form: CorrectionForm, c: Criterion, lang: str) -> None:
    """Fill the choices of a select-type criterion."""
    empty = [SelectChoice("", _("— not answered —"))]
    if c.type == "yes_no":
        form.choice.choices = empty + [SelectChoice("yes", _("Yes")), SelectChoice("no", _("No"))]
    elif c.type == "rating":
        form.choice.choices = empty + [SelectChoice(str(n), f"{n} / {c.scale}")
                                       for n in range(1, (c.scale or 0) + 1)]
    elif c.type == "choice":
        form.choice.choices = empty + [SelectChoice(o.key, text(o.label, lang))
                                       for o in c.options]


def fill(form: CorrectionForm, c: Criterion, value: object, na: bool, comment: str | None):
    """Show the stored answer in the form."""
    form.na.data, form.comment.data = na, comment
    if value is None or na:
        return
    if c.type == "yes_no":
        form.choice.data = "yes" if value else "no"
    elif c.type in ("rating", "choice"):
        form.choice.data = str(value)
    elif c.type in ("duration", "count", "number"):
        form.number.data = str(value)
    elif c.type == "interval" and isinstance(value, dict):
        form.start.data, form.end.data = value.get("from"), value.get("to")
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
    comment = (form.comment.data or "").strip() or None
    if form.na.data:
        return AnswerInput(c.key, NA, comment)
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
    return AnswerInput(c.key, value, comment)


def _interval(start: str | None, end: str | None) -> dict | None:
    """Two ISO times as an interval answer (raises ValueError when unreadable)."""
    if not (start or "").strip():
        return None
    datetime.fromisoformat(start.strip())
    if (end or "").strip():
        datetime.fromisoformat(end.strip())
    return {"from": start.strip(), "to": (end or "").strip() or None}

"""Forms for action plans: the action itself, and a change of its status."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from audit.actions import ActionInput

DEFAULT_DUE_DAYS = 14


class ActionForm(FlaskForm):
    """What will be done, by whom, by when; the checks with their messages are in audit.actions."""

    # The domain refuses a key the store's checklist lacks, with a message that says so.
    criterion_key = SelectField(_l("Criterion"), choices=[], validate_choice=False,
                                description=_l("The next visit checks this criterion."))
    text = TextAreaField(_l("What will be done"), render_kw={"rows": 3, "maxlength": 500})
    owner = StringField(_l("Who does it"), render_kw={"maxlength": 100, "autocomplete": "off"})
    # Optional: an empty date gets the domain's "Give a due date." rather than WTForms' wording.
    due_date = DateField(_l("Due by"), validators=[Optional()])

    def offer(self, criteria: dict[str, str]) -> None:
        """Offer the store's criteria, and "general" for an action that names none."""
        self.criterion_key.choices = [SelectChoice("", _("General (no criterion)"))] + [
            SelectChoice(key, question) for key, question in criteria.items()]

    def action_input(self) -> ActionInput:
        """The form's values for the domain."""
        return ActionInput(self.text.data, self.owner.data, self.due_date.data,
                           self.criterion_key.data)


def default_due(today: date | None = None) -> date:
    """Two weeks from today: time to act before a follow-up visit."""
    return (today or date.today()) + timedelta(days=DEFAULT_DUE_DAYS)


class StatusForm(FlaskForm):
    """Mark done, drop or reopen (the button pressed gives the status) with an optional note."""

    status = StringField()
    note = TextAreaField(_l("Note (what was done, or why it is dropped)"),
                         render_kw={"rows": 2, "maxlength": 1000})

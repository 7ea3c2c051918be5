"""Forms for action plans: the action itself, and a change of its status."""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlite_utils import Database
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from audit.actions import ActionInput, create_action
from audit.errors import DomainError
from audit.web.formatting import current_locale
from audit.web.validation import show_on_form
from reports.actions import criteria_of_store

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


def new_action_form(db: Database, store: dict, criterion_key: str = "") -> ActionForm:
    """The form for a new action of the store (admin's and manager's alike): the store's criteria
    offered; shown the first time with the criterion asked for and a due date two weeks on."""
    form = ActionForm()
    form.offer(criteria_of_store(db, store, current_locale()))
    if request.method == "GET":
        form.criterion_key.data = criterion_key
        form.due_date.data = default_due()
    return form


def save_new_action(db: Database, store: dict, form: ActionForm) -> bool:
    """Create the posted action; a refusal is shown next to its field. True when it was saved."""
    if not form.validate_on_submit():
        return False
    try:
        create_action(db, store, form.action_input(), user_id=current_user.id,
                      lang=current_locale())
    except DomainError as err:
        show_on_form(form, err)
        return False
    flash(_("Action saved."), "success")
    return True


class StatusForm(FlaskForm):
    """Mark done, drop or reopen (the button pressed gives the status) with an optional note."""

    status = StringField()
    note = TextAreaField(_l("Note (what was done, or why it is dropped)"),
                         render_kw={"rows": 2, "maxlength": 1000})

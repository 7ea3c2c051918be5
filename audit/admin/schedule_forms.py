"""Admin forms for scheduling visits."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ScheduleForm(FlaskForm):
    """One visit per chosen store: same set, shopper and window."""

    set_id = SelectField(_l("Criteria set"), coerce=int, choices=[])
    store_ids = SelectMultipleField(_l("Stores"), coerce=int, choices=[],
                                    description=_l("Choose one or several stores."))
    shopper_id = SelectField(_l("Shopper"), coerce=int, choices=[])
    window_start = DateField(_l("From"), validators=[DataRequired()])
    window_end = DateField(_l("Until"), validators=[DataRequired()])
    note = TextAreaField(_l("Note for the shopper and reviewer"),
                         validators=[Optional(), Length(max=1000)])
    override = BooleanField(_l("Send this shopper anyway (override the revisit rule)"))


class RescheduleForm(FlaskForm):
    """Move a visit that has not started."""

    shopper_id = SelectField(_l("Shopper"), coerce=int, choices=[])
    window_start = DateField(_l("From"), validators=[DataRequired()])
    window_end = DateField(_l("Until"), validators=[DataRequired()])
    override = BooleanField(_l("Send this shopper anyway (override the revisit rule)"))


class CancelForm(FlaskForm):
    """Cancel a visit (CSRF only)."""


class FollowUpForm(FlaskForm):
    """A follow-up visit of one store, watching the criteria of its actions."""

    set_id = SelectField(_l("Criteria set"), coerce=int, choices=[])
    shopper_id = SelectField(_l("Shopper"), coerce=int, choices=[])
    window_start = DateField(_l("From"), validators=[DataRequired()])
    window_end = DateField(_l("Until"), validators=[DataRequired()])
    # The domain refuses a key the set lacks, with a message naming it.
    watch_keys = SelectMultipleField(
        _l("Criteria to watch closely"), choices=[], validate_choice=False,
        description=_l("The shopper sees a “watch closely” mark on these criteria; never the"
                       " actions, their owners or the manager's notes."))
    note = TextAreaField(_l("Note for the shopper and reviewer"),
                         validators=[Optional(), Length(max=1000)])
    override = BooleanField(_l("Send this shopper anyway (override the revisit rule)"))

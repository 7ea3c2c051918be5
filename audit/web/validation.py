"""Domain errors shown next to their form field, in the reader's language."""

from __future__ import annotations

from flask_wtf import FlaskForm

from audit.errors import DomainError
from audit.web.errors import message


def show_on_form(form: FlaskForm, error: DomainError) -> None:
    """Put the error next to its field, or at the top of the form if the form lacks it."""
    text = message(error)
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, text]
    else:
        form.form_errors.append(text)


def form_status(form: FlaskForm) -> int:
    """422 when a submitted form is shown again with errors, 200 when it is shown to be filled."""
    return 422 if form.is_submitted() else 200

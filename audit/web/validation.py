"""A domain error that belongs next to one form field."""

from __future__ import annotations

from flask_wtf import FlaskForm


class FieldError(ValueError):
    """Raised by domain functions when one field's value is refused (nothing was written)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def show_on_form(form: FlaskForm, error: FieldError) -> None:
    """Put the error next to its field, or at the top of the form if the form lacks it."""
    field = getattr(form, error.field, None)
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def form_status(form: FlaskForm) -> int:
    """422 when a submitted form is shown again with errors, 200 when it is shown to be filled."""
    return 422 if form.is_submitted() else 200

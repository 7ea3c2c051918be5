"""Domain errors: a code, an English message template and its parameters; no HTTP, no Babel.

Domain functions raise these; the web layer (audit/web/errors.py) turns the kind into an HTTP
status and the template into the reader's language, the CLI prints the English text. The
template is marked with N_ so `make i18n` extracts it:

    raise Conflict("already_submitted", N_("This visit was already submitted at %(at)s."), at=t)
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, do not translate"
    """Mark a message for extraction; it is translated where it is shown."""
    return message


class DomainError(Exception):
    """A refused request: nothing was written. `field` names the form field it belongs to."""

    def __init__(self, code: str, message: str, *, field: str | None = None,
                 details: dict | list | None = None, **params: object):
        self.code = code
        self.template = message
        self.params = params
        self.field = field
        self.details = details
        super().__init__(self.english)

    @property
    def english(self) -> str:
        """The message in English with its parameters filled in (CLI, logs)."""
        return self.template % self.params if self.params else self.template


class Invalid(DomainError):
    """The input itself is wrong (HTTP 422 on the web)."""


class Conflict(DomainError):
    """The input is fine but the object is not in a state that allows it (HTTP 409)."""


class NotFound(DomainError):
    """The object does not exist, or is not the caller's to see (HTTP 404)."""

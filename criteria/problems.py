"""Problems found in a criteria set, in English and as message ids that the app translates.

criteria/ knows no Flask and no Babel, yet its messages reach admins in their own language. So a
Problem keeps, beside its English `message`, the template it came from (`msgid`, a %-format with
named placeholders) and the values that fill it (`params`). The templates are marked with the
no-op markers N_ and Nn_, which `make i18n` extracts, and the web app translates them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple


class Plural(NamedTuple):
    """A message with a singular and a plural form, chosen by the `num` parameter."""

    singular: str
    plural: str


class Word(str):
    """A parameter that is a word of the message (e.g. "a list"), so it is translated too.

    Every other string parameter is shown as the admin typed it (keys, values, field names).
    """

    __slots__ = ()


def N_(message: str) -> str:  # the name pybabel extracts by default
    """Mark a message for extraction; it is translated where it is shown, not here."""
    return message


def Nn_(singular: str, plural: str) -> Plural:  # extracted with `-k Nn_:1,2`
    """Mark a message with plural forms for extraction."""
    return Plural(singular, plural)


Template = str | Plural
Param = str | int | float

# The places that are not a path of field names.
FILE = N_("(file)")
TOP_LEVEL = N_("(top level)")
PLACE_WORDS = (FILE, TOP_LEVEL)


def english(template: Template, params: Mapping[str, Param]) -> str:
    """The message in English: numbers with thousands separators, everything else as it is."""
    if isinstance(template, Plural):
        template = template.singular if params["num"] == 1 else template.plural
    if not params:
        return template
    return template % {name: _english_value(v) for name, v in params.items()}


def _english_value(value: Param) -> str:
    """1,000,000 and 0.5, as the English messages always wrote them."""
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,g}" if isinstance(value, float) else value


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a criteria-set file, and where.

    `message` is English. `msgid` (with `plural` for a message that counts something) and
    `params` let the app show it in another language; a Problem made with a finished message
    and no msgid is shown as it is.
    """

    where: str
    message: str
    line: int | None = None
    msgid: str = ""
    plural: str = ""
    params: Mapping[str, Param] = field(default_factory=dict, hash=False)

    @classmethod
    def of(cls, where: str, template: Template, line: int | None = None,
           **params: Param) -> Problem:
        """The problem that `template` filled with `params` describes."""
        singular, plural = template if isinstance(template, Plural) else (template, "")
        return cls(where, english(template, params), line, singular, plural, params)

    def __str__(self) -> str:
        at = f"{self.where} (line {self.line})" if self.line is not None else self.where
        return f"{at}: {self.message}"


class CriteriaError(ValueError):
    """A criteria set that cannot be loaded; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

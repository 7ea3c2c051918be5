"""Problems of a criteria set (criteria/problems.py) in the user's language.

criteria/ writes its messages in English and keeps their templates; here they are translated
with the request's catalogue. Keys, field names and values from the file stay as typed, so the
admin can find them in the file; only the words around them are translated.
"""

from __future__ import annotations

from flask_babel import format_decimal, get_translations, gettext

from criteria.problems import PLACE_WORDS, Param, Problem, Word


def problem_message(problem: Problem) -> str:
    """What is wrong, in the request's language (a problem without a template as it is)."""
    if not problem.msgid:
        return problem.message
    # The catalogue directly: Flask-Babel's ngettext fills `num` with the bare number itself,
    # and here it is the number as the language writes it.
    catalogue = get_translations()
    if problem.plural:
        template = catalogue.ngettext(problem.msgid, problem.plural, problem.params["num"])
    else:
        template = catalogue.gettext(problem.msgid)
    if not problem.params:
        return template
    return template % {name: _param(value) for name, value in problem.params.items()}


def _param(value: Param) -> str:
    """A parameter for the translated message: words translated, numbers as the language writes
    them (1 000 000 in Polish), the file's own text untouched."""
    if isinstance(value, Word):
        return gettext(value)
    if isinstance(value, int | float):
        return format_decimal(value)
    return value


def problem_place(problem: Problem) -> str:
    """Where the problem is: the path of fields as in the file, and the line when known."""
    where = gettext(problem.where) if problem.where in PLACE_WORDS else problem.where
    if problem.line is None:
        return where
    return gettext("%(where)s (line %(line)d)", where=where, line=problem.line)


def problem_text(problem: Problem) -> str:
    """The place and the message, as one line of a list of problems."""
    return f"{problem_place(problem)}: {problem_message(problem)}"

"""Admin forms for criteria sets: small WTForms forms, and the editor's rows of plain inputs.

The editor's criterion, section and set forms have a variable number of rows (options, bands,
languages), so they are plain inputs read into the same dict a YAML file gives; criteria.io
validates that dict and its problems are put back next to the inputs they concern.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from audit.vocabulary import LANGUAGES
from audit.web.criteria_problems import problem_message
from audit.web.labels import CHANNEL_TITLE
from criteria.io import CRITERION_FIELDS, KEY_PATTERN, Problem
from criteria.model import ANSWER_TYPES, CHANNELS, KNOCKOUT_SCOPES, UNITS

EXTRA_ROWS = 2  # empty option/band rows offered for adding more without JavaScript

TYPE_LABELS = {
    "yes_no": _l("Yes / no"), "rating": _l("Rating"), "choice": _l("Choice"),
    "duration": _l("Duration (stopwatch)"), "count": _l("Count"), "number": _l("Number"),
    "text": _l("Text (not scored)"), "photo": _l("Photo (not scored)"),
    "interval": _l("Interval between two moments"),
    "multi_choice": _l("Several choices"), "amount": _l("Amount of money"),
    "nps": _l("Recommendation 0–10 (NPS, not scored)"),
}
CHANNEL_LABELS = {**CHANNEL_TITLE, "any": _l("Any")}  # a set or criterion may be for any channel


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token (publish, archive, remove, move)."""


class MoveForm(FlaskForm):
    kind = HiddenField(validators=[AnyOf(("section", "criterion"))])
    key = HiddenField(validators=[DataRequired()])
    direction = HiddenField(validators=[AnyOf(("up", "down", "remove"))])


class DuplicateForm(FlaskForm):
    key = StringField(_l("Key of the new set"), validators=[DataRequired(), Length(max=60)],
                      description=_l("Lower-case letters, digits, '-' and '_'; it never changes."))
    name = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=120)])


class NewSetForm(DuplicateForm):
    key = StringField(_l("Key"), validators=[DataRequired(), Length(max=60)],
                      description=_l("Lower-case letters, digits, '-' and '_'; it never changes."))
    channel = SelectField(
        _l("Channel"), choices=[SelectChoice(c, CHANNEL_LABELS[c]) for c in CHANNELS])


class ImportForm(FlaskForm):
    file = FileField(_l("File (.yaml, .yml or .json, at most 1 MB)"), validators=[FileRequired()])
    publish = BooleanField(_l("Publish at once (otherwise it stays a draft)"))


class YamlForm(FlaskForm):
    text = TextAreaField(_l("The whole set as YAML"), validators=[DataRequired()])


# ---------------------------------------------------------------- plain inputs <-> dicts


def languages(*texts: Mapping) -> list[str]:
    """en, pl and ru, then any other language the texts already have (so none is dropped)."""
    extra = sorted({lang for t in texts for lang in (t or {}) if lang not in LANGUAGES})
    return [*LANGUAGES, *extra]


def _number(value: str) -> object:
    """A number typed into a field; text that is no number is kept so validation names it."""
    value = value.strip()
    if not value:
        return None
    for convert in (int, float):
        try:
            return convert(value.replace(",", ".") if convert is float else value)
        except ValueError:
            continue
    return value


def _texts(form: Mapping, name: str, langs: list[str]) -> dict:
    """The non-empty texts of `name-<lang>` inputs."""
    texts = {lang: form.get(f"{name}-{lang}", "").strip() for lang in langs}
    return {lang: t for lang, t in texts.items() if t}


def _rows(form: Mapping, prefix: str) -> list[int]:
    """The row numbers present for inputs named `<prefix>-<n>-...`."""
    pattern = re.compile(re.escape(prefix) + r"-(\d+)-")
    return sorted({int(m.group(1)) for k in form if (m := pattern.match(k))})


def _put(out: dict, name: str, value: object) -> None:
    """Set a field unless it was left empty (empty means: the default)."""
    if value not in (None, "", {}, []):
        out[name] = value


def parse_criterion(form: Mapping, p: str, langs: list[str]) -> dict:
    """A criterion dict from the inputs named `<p>key`, `<p>text-en`, `<p>opt-0-key`..."""
    out: dict = {}
    _put(out, "key", form.get(f"{p}key", "").strip())
    _put(out, "type", form.get(f"{p}type", "").strip())
    _put(out, "text", _texts(form, f"{p}text", langs))
    _put(out, "guidance", _texts(form, f"{p}guidance", langs))
    for name in ("weight", "scale", "deadline"):
        _put(out, name, _number(form.get(f"{p}{name}", "")))
    out["required"] = bool(form.get(f"{p}required"))
    for name in ("na_allowed", "knockout", "invert"):
        if form.get(f"{p}{name}"):
            out[name] = True
    for name in ("channel", "unit"):
        _put(out, name, form.get(f"{p}{name}", "").strip())
    _put(out, "options", _options(form, p, langs))
    _put(out, "bands", _bands(form, p))
    _put(out, "steps", _steps(form, p, langs))
    return out


def _options(form: Mapping, p: str, langs: list[str]) -> list[dict]:
    """Option rows with anything typed in them."""
    options = []
    for n in _rows(form, f"{p}opt"):
        row: dict = {}
        _put(row, "key", form.get(f"{p}opt-{n}-key", "").strip())
        _put(row, "label", _texts(form, f"{p}opt-{n}-label", langs))
        _put(row, "points", _number(form.get(f"{p}opt-{n}-points", "")))
        if row:
            options.append(row)
    return options


def _bands(form: Mapping, p: str) -> list[dict]:
    """Band rows with anything typed in them; an empty max is the last, catch-all band."""
    bands = []
    for n in _rows(form, f"{p}band"):
        top = _number(form.get(f"{p}band-{n}-max", ""))
        points = _number(form.get(f"{p}band-{n}-points", ""))
        if top is not None or points is not None:
            bands.append({**({"max": top} if top is not None else {}),
                          **({"points": points} if points is not None else {})})
    return bands


def _steps(form: Mapping, p: str, langs: list[str]) -> dict:
    """Interval step labels per language: [from label, to label]."""
    steps = {}
    for lang in langs:
        pair = [form.get(f"{p}steps-{lang}-{i}", "").strip() for i in (0, 1)]
        if any(pair):
            steps[lang] = pair
    return steps


def parse_section(form: Mapping, p: str, langs: list[str]) -> dict:
    """A section dict (key, title, weight) from `<p>key`, `<p>title-en`, `<p>weight`."""
    out: dict = {}
    _put(out, "key", form.get(f"{p}key", "").strip())
    _put(out, "title", _texts(form, f"{p}title", langs))
    _put(out, "weight", _number(form.get(f"{p}weight", "")))
    return out


def parse_details(form: Mapping, langs: list[str]) -> dict:
    """The set's own fields: name, description, channel, pass mark, knock-out scope."""
    out: dict = {}
    _put(out, "name", _texts(form, "name", langs))
    _put(out, "description", _texts(form, "description", langs))
    _put(out, "pass_mark", _number(form.get("pass_mark", "")))
    for name in ("channel", "knockout_scope"):
        _put(out, name, form.get(name, "").strip())
    return out


def _show(value: object) -> str:
    """A value as it goes back into an input."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _flat_texts(out: dict, name: str, texts: Mapping | None) -> None:
    """Texts into `name-<lang>` inputs."""
    for lang, words in (texts or {}).items():
        out[f"{name}-{lang}"] = words


def flatten_criterion(raw: dict, p: str = "c-") -> dict[str, str]:
    """The inputs showing a criterion dict (the reverse of parse_criterion)."""
    out = {f"{p}{k}": _show(raw.get(k)) for k in ("key", "type", "weight", "scale", "deadline",
                                                   "channel", "unit")}
    out[f"{p}channel"] = raw.get("channel", "any")
    required = raw.get("required", raw.get("type") not in ("text", "photo"))
    for name, on in (("required", required), ("na_allowed", raw.get("na_allowed")),
                     ("knockout", raw.get("knockout")), ("invert", raw.get("invert"))):
        out[f"{p}{name}"] = "1" if on else ""
    _flat_texts(out, f"{p}text", raw.get("text"))
    _flat_texts(out, f"{p}guidance", raw.get("guidance"))
    for n, option in enumerate(raw.get("options") or []):
        out[f"{p}opt-{n}-key"] = option.get("key", "")
        out[f"{p}opt-{n}-points"] = _show(option.get("points"))
        _flat_texts(out, f"{p}opt-{n}-label", option.get("label"))
    for n, band in enumerate(raw.get("bands") or []):
        out[f"{p}band-{n}-max"] = _show(band.get("max"))
        out[f"{p}band-{n}-points"] = _show(band.get("points"))
    for lang, pair in (raw.get("steps") or {}).items():
        for i, label in enumerate(pair[:2]):
            out[f"{p}steps-{lang}-{i}"] = label
    return out


def flatten_section(raw: dict, p: str = "s-") -> dict[str, str]:
    """The inputs showing a section's key, title and weight."""
    out = {f"{p}key": raw.get("key", ""), f"{p}weight": _show(raw.get("weight"))}
    _flat_texts(out, f"{p}title", raw.get("title"))
    return out


def flatten_details(raw: dict) -> dict[str, str]:
    """The inputs showing the set's own fields."""
    out = {"pass_mark": _show(raw.get("pass_mark", 80)), "channel": raw.get("channel", ""),
           "knockout_scope": raw.get("knockout_scope", "section")}
    _flat_texts(out, "name", raw.get("name"))
    _flat_texts(out, "description", raw.get("description"))
    return out


def row_count(values: Mapping, name: str) -> int:
    """How many option/band rows to show: the filled ones plus a few empty ones."""
    return (max(_rows(values, name), default=-1) + 1) + EXTRA_ROWS


# ---------------------------------------------------------------- problems next to inputs


def _label(key: object, index: int) -> str:
    """How criteria.io names a list item in a problem's place: its key, else its index."""
    return key if isinstance(key, str) and KEY_PATTERN.fullmatch(key) else str(index)


def criterion_anchors(where: str, raw: dict, p: str = "c-") -> dict[str, str]:
    """Problem places of one criterion (at `where`) -> the input names that show them."""
    anchors = {where: f"{p}block"}
    anchors.update({f"{where}.{name}": f"{p}{name}" for name in CRITERION_FIELDS})
    for n, option in enumerate(raw.get("options") or []):
        at = f"{where}.options[{_label(option.get('key'), n)}]"
        anchors[at] = f"{p}opt-{n}"
        anchors.update({f"{at}.{f}": f"{p}opt-{n}-{f}" for f in ("key", "label", "points")})
    for n, _band in enumerate(raw.get("bands") or []):
        at = f"{where}.bands[{n}]"
        anchors[at] = f"{p}band-{n}"
        anchors.update({f"{at}.{f}": f"{p}band-{n}-{f}" for f in ("max", "points")})
    return anchors


def section_anchors(where: str, p: str = "s-") -> dict[str, str]:
    """Problem places of a section's own fields -> input names."""
    return {where: f"{p}block", f"{where}.criteria": f"{p}block",
            **{f"{where}.{f}": f"{p}{f}" for f in ("key", "title", "weight")}}


def details_anchors() -> dict[str, str]:
    """Problem places of the set's own fields -> input names."""
    names = ("name", "description", "channel", "pass_mark", "knockout_scope")
    return {n: n for n in names}


def place_of(data: dict, item: dict) -> str:
    """Where criteria.io reports problems of `item`, a section or criterion dict inside data."""
    for s, section in enumerate(data["sections"]):
        at = f"sections[{_label(section.get('key'), s)}]"
        if section is item:
            return at
        for c, criterion in enumerate(section.get("criteria") or []):
            if criterion is item:
                return f"{at}.criteria[{_label(criterion.get('key'), c)}]"
    return ""


_LAST_STEP = re.compile(r"(\.[^.\[\]]+|\[[^\]]*\])$")


def attach(problems: list[Problem], anchors: Mapping[str, str]
           ) -> tuple[dict[str, list[str]], list[Problem]]:
    """Put each problem at the input for its place (or its nearest enclosing one).

    Returns (messages per input name in the admin's language, problems with no input on this
    page).
    """
    errors: dict[str, list[str]] = {}
    elsewhere = []
    for problem in problems:
        where = problem.where
        while where and where not in anchors:
            where = _LAST_STEP.sub("", where) if _LAST_STEP.search(where) else ""
        if where:
            errors.setdefault(anchors[where], []).append(problem_message(problem))
        else:
            elsewhere.append(problem)
    return errors, elsewhere


TYPE_CHOICES = [(t, TYPE_LABELS[t]) for t in ANSWER_TYPES]
CHANNEL_CHOICES = [(c, CHANNEL_LABELS[c]) for c in CHANNELS]
SCOPE_CHOICES = [("section", _l("the section")), ("visit", _l("the whole visit"))]
UNIT_LABELS = {"seconds": _l("seconds"), "minutes": _l("minutes"), "hours": _l("hours"),
               "days": _l("days")}
UNIT_CHOICES = [("", _l("(seconds, shown as is)")), *((u, UNIT_LABELS[u]) for u in UNITS)]
assert {s for s, _ in SCOPE_CHOICES} == set(KNOCKOUT_SCOPES)
CHOICES = {"type": TYPE_CHOICES, "channel": CHANNEL_CHOICES, "scope": SCOPE_CHOICES,
           "unit": UNIT_CHOICES}

"""Validation of a criteria set as plain data (as read from YAML/JSON): every problem at once.

Every message is a template marked with N_ (see criteria/problems.py), so the app can show it in
the admin's language. A parameter that is a word of the message is a Word; keys, values and field
names are shown as typed.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .logic import GROUPS, YES_NO_WORDS, can_be_shown
from .model import (
    ANSWER_TYPES,
    BANDED_TYPES,
    CHANNELS,
    KNOCKOUT_SCOPES,
    OPTION_TYPES,
    OPTIONALLY_BANDED_TYPES,
    UNITS,
    Band,
    Condition,
    CriteriaSet,
    Criterion,
    Evidence,
    Option,
    Section,
    Texts,
    is_int,
    is_number,
)
from .problems import N_, TOP_LEVEL, CriteriaError, Param, Problem, Template, Word
from .values import validate_value

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")

SET_FIELDS = ("key", "name", "channel", "knockout_scope", "pass_mark", "alert_below",
              "description", "sections")
SECTION_FIELDS = ("key", "title", "weight", "criteria", "show_if")
CRITERION_FIELDS = (
    "key", "type", "text", "guidance", "weight", "required", "na_allowed", "knockout", "channel",
    "invert", "scale", "options", "bands", "steps", "deadline", "unit", "review_comments",
    "show_if", "photos", "evidence", "currency",
)
EVIDENCE_FIELDS = ("when", "comment", "photos")
CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")
# Answer types a condition can test; min/max only on the numeric ones.
CONDITION_TYPES = ("yes_no", "choice", "multi_choice", "rating", "duration", "count", "number",
                   "amount", "nps")
NUMERIC_TYPES = ("rating", "duration", "count", "number", "amount", "nps")
OPTION_FIELDS = ("key", "label", "points")
BAND_FIELDS = ("max", "points")
# Fields that only make sense for some answer types; elsewhere they are almost surely a mistake.
TYPE_FIELDS = {
    "invert": ("yes_no",),
    "scale": ("rating",),
    "options": OPTION_TYPES,
    "bands": BANDED_TYPES + OPTIONALLY_BANDED_TYPES,
    "currency": OPTIONALLY_BANDED_TYPES,
    "steps": ("interval",),
    "deadline": ("interval",),
    "unit": ("duration", "interval"),
}


# ---------------------------------------------------------------- places and problem collection


@dataclass(frozen=True)
class _Place:
    """A spot in the document: a readable `where` and the raw path used to find its line."""

    where: str = ""
    path: tuple = ()

    def field(self, name: str) -> _Place:
        """The place of a field of this mapping."""
        return _Place(f"{self.where}.{name}" if self.where else name, (*self.path, name))

    def item(self, index: int, label: object = None) -> _Place:
        """The place of a list item, named by its key when it has a usable one."""
        name = label if isinstance(label, str) and KEY_PATTERN.fullmatch(label) else index
        return _Place(f"{self.where}[{name}]", (*self.path, index))


class Checker:
    """Collects problems instead of stopping at the first, so one round of fixes is enough."""

    def __init__(self, line_of: Callable[[tuple], int | None] | None = None) -> None:
        self.problems: list[Problem] = []
        self._line_of = line_of or (lambda path: None)

    def add(self, place: _Place, template: Template, **params: Param) -> None:
        """Record the problem that `template` with `params` describes at `place`."""
        where = place.where or TOP_LEVEL
        self.problems.append(Problem.of(where, template, self._line_of(place.path), **params))


# TRANSLATORS: the kind of a value the file gave, after "got" ("must be a mapping, got a list").
_KINDS = {dict: N_("a mapping"), list: N_("a list"), str: N_("a string"),
          bool: N_("true/false"), type(None): N_("nothing"), int: N_("a whole number"),
          float: N_("a number"), date: N_("a date"), datetime: N_("a date and time")}


def _kind(value: object) -> str:
    """Name a YAML/JSON value's kind for messages (a Word, so it is translated)."""
    kind = _KINDS.get(type(value))
    return Word(kind) if kind else type(value).__name__


def _shown(value: object) -> str:
    """A value from the file as Python writes it ('80' for a string, 80 for a number); it is
    not translated, so the admin can find it in the file."""
    return repr(value)


def _listed(names: tuple[str, ...]) -> str:
    """Allowed keys for a message, as typed in a file."""
    return ", ".join(names)




# ---------------------------------------------------------------- field checks


def _mapping(raw: object, place: _Place, allowed: tuple[str, ...], ck: Checker) -> dict | None:
    """Check that `raw` is a mapping with only `allowed` fields; None when it is not a mapping."""
    if not isinstance(raw, dict):
        ck.add(place, N_("must be a mapping, got %(kind)s"), kind=_kind(raw))
        return None
    for name in raw:
        if name not in allowed:
            _unknown_field(str(name), place, allowed, ck)
    return raw


def _unknown_field(name: str, place: _Place, allowed: tuple[str, ...], ck: Checker) -> None:
    """An unknown field, with the field it most likely meant (a typo) or the allowed ones."""
    close = difflib.get_close_matches(name, allowed, n=1)
    if close:
        ck.add(place.field(name), N_("unknown field '%(field)s'; did you mean '%(close)s'?"),
               field=name, close=close[0])
    else:
        ck.add(place.field(name), N_("unknown field '%(field)s' (allowed: %(allowed)s)"),
               field=name, allowed=_listed(allowed))


def _key(raw: dict, place: _Place, ck: Checker) -> str:
    """Check the `key` field: present, a string, and shaped like a key."""
    key = raw.get("key")
    if key is None:
        ck.add(place, N_("missing key"))
    elif not isinstance(key, str):
        ck.add(place.field("key"), N_("key must be a string, got %(kind)s"), kind=_kind(key))
    elif not key:
        ck.add(place.field("key"), N_("key is empty"))
    elif not KEY_PATTERN.fullmatch(key):
        ck.add(place.field("key"), N_("key '%(key)s' must match ^[a-z0-9][a-z0-9_-]*$ "
                                      "(lower-case letters, digits, '_' and '-')"), key=key)
    return key if isinstance(key, str) else ""


def _texts(raw: dict, name: str, place: _Place, ck: Checker, required: bool = False) -> Texts:
    """Check a language -> text map; `en` is needed whenever any text is given."""
    value = raw.get(name)
    at = place.field(name)
    if value is None or value == {}:
        if required:
            ck.add(at, N_("missing %(field)s: a map of language code to text, like {en: ...}"),
                   field=name)
        return {}
    if not isinstance(value, dict):
        ck.add(at, N_("must be a map of language code to text, like {en: ...}, got %(kind)s"),
               kind=_kind(value))
        return {}
    texts = {lang: words for lang, words in value.items() if _text_ok(lang, words, at, ck)}
    if not str(value.get("en") or "").strip():
        ck.add(at, N_("missing 'en' text"))
    return texts


def _text_ok(lang: object, words: object, at: _Place, ck: Checker) -> bool:
    """Check one language code and its text."""
    if not isinstance(lang, str) or not lang:
        # YAML 1.1 reads `no:` (Norwegian) as false, hence the quoting hint.
        ck.add(at, N_("language code %(lang)s must be a string (quote it in YAML)"),
               lang=_shown(lang))
        return False
    if not isinstance(words, str):
        ck.add(at, N_("text for '%(lang)s' must be a string, got %(kind)s"), lang=lang,
               kind=_kind(words))
        return False
    return True


def _number(raw: dict, name: str, place: _Place, ck: Checker, default: float | None,
            low: float = 0, high: float | None = None) -> float | None:
    """Check an optional number field within [low, high]."""
    value = raw.get(name)
    if value is None:
        return default
    bounds: dict[str, Param] = {"low": low} if high is None else {"low": low, "high": high}
    if not is_number(value):
        template = (N_("%(field)s must be a number at least %(low)s, got %(value)s") if high is None
                    else N_("%(field)s must be a number between %(low)s and %(high)s, got "
                            "%(value)s"))
        ck.add(place.field(name), template, field=name, value=_shown(value), **bounds)
        return default
    if value < low or (high is not None and value > high):
        template = (N_("%(field)s must be at least %(low)s, got %(value)s") if high is None
                    else N_("%(field)s must be between %(low)s and %(high)s, got %(value)s"))
        ck.add(place.field(name), template, field=name, value=_shown(value), **bounds)
    return float(value)


def _one_of(raw: dict, name: str, allowed: tuple[str, ...], place: _Place, ck: Checker,
            default: str | None) -> str:
    """Check a field whose value must be one of `allowed`; required when there is no default."""
    value = raw.get(name, default)
    if value is None:
        ck.add(place, N_("missing %(field)s (one of: %(allowed)s)"), field=name,
               allowed=_listed(allowed))
        return ""
    if value not in allowed:
        ck.add(place.field(name), N_("%(field)s must be one of: %(allowed)s; got %(value)s"),
               field=name, allowed=_listed(allowed), value=_shown(value))
    return value if isinstance(value, str) else ""


def _flag(raw: dict, name: str, place: _Place, ck: Checker, default: bool | None) -> bool | None:
    """Check an optional true/false field."""
    value = raw.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        ck.add(place.field(name), N_("%(field)s must be true or false, got %(value)s"),
               field=name, value=_shown(value))
        return default
    return value


def _items(raw: dict, name: str, place: _Place, ck: Checker, empty: str) -> list:
    """Check a list field that must have at least one item; `empty` says what it needs."""
    value = raw.get(name)
    if value is None or value == []:
        ck.add(place.field(name), empty)
        return []
    if not isinstance(value, list):
        ck.add(place.field(name), N_("%(field)s must be a list, got %(kind)s"), field=name,
               kind=_kind(value))
        return []
    return value


# ---------------------------------------------------------------- the parts of a set


def _bands(raw: dict, place: _Place, ck: Checker) -> list[Band]:
    """Check bands: max strictly increasing, points in [0, 1], only the last without max."""
    items = _items(raw, "bands", place, ck,
                   N_("needs at least one band, e.g. [{max: 60, points: 1}, {points: 0}]"))
    at = place.field("bands")
    bands, previous = [], None
    for i, item in enumerate(items):
        here = at.item(i)
        if _mapping(item, here, BAND_FIELDS, ck) is None:
            continue
        points = _points(item, here, ck)
        top = _band_max(item, here, at, i == len(items) - 1, previous, ck)
        previous = top if top is not None else previous
        bands.append(Band(max=None if top is None else float(top), points=points))
    return bands


def _band_max(item: dict, here: _Place, at: _Place, last: bool, previous: float | None,
              ck: Checker) -> float | None:
    """Check one band's max (None when it has no usable one): only the last band has none,
    and each is above the one before."""
    top = item.get("max")
    if last and top is not None:
        ck.add(at, N_("the last band must have no max, so every value falls in a band"))
    elif not last and top is None:
        ck.add(here, N_("only the last band may have no max"))
    elif top is not None and not is_number(top):
        ck.add(here.field("max"), N_("max must be a number, got %(value)s"), value=_shown(top))
    elif top is not None and previous is not None and top <= previous:
        ck.add(at, N_("bands out of order: max %(max)s must be greater than %(previous)s"),
               max=_shown(top), previous=_shown(previous))
    return top if is_number(top) else None


def _points(raw: dict, place: _Place, ck: Checker) -> float:
    """Check a required `points` field in [0, 1]."""
    if "points" not in raw:
        ck.add(place, N_("missing points (a number from 0 to 1)"))
        return 0.0
    return _number(raw, "points", place, ck, default=0.0, low=0, high=1)


def _options(raw: dict, place: _Place, ck: Checker) -> list[Option]:
    """Check choice options: unique keys, an `en` label, points in [0, 1]."""
    at = place.field("options")
    options, seen = [], set()
    for i, item in enumerate(_items(raw, "options", place, ck, N_("needs at least one option"))):
        here = at.item(i, item.get("key") if isinstance(item, dict) else None)
        if _mapping(item, here, OPTION_FIELDS, ck) is None:
            continue
        key = _key(item, here, ck)
        if key and key in seen:
            ck.add(here, N_("duplicate option key '%(key)s'"), key=key)
        seen.add(key)
        label = _texts(item, "label", here, ck, required=True)
        options.append(Option(key=key, label=label, points=_points(item, here, ck)))
    return options


def _steps(raw: dict, place: _Place, ck: Checker) -> dict[str, list[str]] | None:
    """Check interval step labels: {lang: [from_label, to_label]} with `en`."""
    value = raw.get("steps")
    if value is None:
        return None
    at = place.field("steps")
    if not isinstance(value, dict) or "en" not in value:
        ck.add(at, N_("steps must map language codes to [from label, to label], including 'en'"))
        return None
    good = all(isinstance(v, list) and len(v) == 2 and all(isinstance(s, str) for s in v)
               for v in value.values())
    if not good or not all(isinstance(lang, str) for lang in value):
        ck.add(at, N_("each language needs exactly two labels: [from label, to label]"))
        return None
    return {lang: list(labels) for lang, labels in value.items()}


def _review_comments(raw: dict, place: _Place, ck: Checker) -> dict[str, list[str]]:
    """Check a reviewer's ready-made reasons: {lang: [text, ...]} with `en`."""
    value = raw.get("review_comments")
    if value is None:
        return {}
    good = isinstance(value, dict) and "en" in value and all(
        isinstance(lang, str) and isinstance(texts, list)
        and all(isinstance(t, str) and t.strip() for t in texts) for lang, texts in value.items())
    if not good:
        ck.add(place.field("review_comments"),
               N_("review_comments must map language codes to lists of texts, including 'en'"))
        return {}
    return {lang: list(texts) for lang, texts in value.items()}


def _positive_int(raw: dict, name: str, place: _Place, ck: Checker, low: int) -> int | None:
    """Check an optional whole-number field of at least `low`."""
    value = raw.get(name)
    if value is not None and not (is_int(value) and value >= low):
        ck.add(place.field(name),
               N_("%(field)s must be a whole number of at least %(low)s, got %(value)s"),
               field=name, low=low, value=_shown(value))
        return None
    return value


def _type_fields(raw: dict, kind: str, place: _Place, ck: Checker) -> dict[str, Any]:
    """Check the fields that depend on the answer type and return them as keyword arguments."""
    for name, types in TYPE_FIELDS.items():
        if name in raw and kind not in types:
            ck.add(place.field(name), N_("field '%(field)s' does not apply to type '%(type)s'"),
                   field=name, type=kind)
    fields: dict[str, Any] = {}
    if kind == "rating":
        if "scale" not in raw:
            ck.add(place, N_("rating needs a scale (a whole number of at least 2)"))
        fields["scale"] = _positive_int(raw, "scale", place, ck, low=2)
    if kind in OPTION_TYPES:
        fields["options"] = _options(raw, place, ck)
    if kind in BANDED_TYPES or (kind in OPTIONALLY_BANDED_TYPES and "bands" in raw):
        fields["bands"] = _bands(raw, place, ck)
    if kind == "amount":
        fields["currency"] = _currency(raw, place, ck)
    if kind == "interval":
        fields["steps"] = _steps(raw, place, ck)
        fields["deadline"] = _positive_int(raw, "deadline", place, ck, low=1)
    if kind in TYPE_FIELDS["unit"] and raw.get("unit") is not None:
        fields["unit"] = _one_of(raw, "unit", UNITS, place, ck, default=None)
    if kind == "yes_no":
        fields["invert"] = _flag(raw, "invert", place, ck, default=False)
    return fields


def _currency(raw: dict, place: _Place, ck: Checker) -> str | None:
    """Check an amount's currency: a three-letter code such as PLN."""
    value = raw.get("currency")
    if value is None:
        ck.add(place, N_("an amount needs a currency: a three-letter code such as PLN"))
    elif not (isinstance(value, str) and CURRENCY_PATTERN.fullmatch(value)):
        ck.add(place.field("currency"),
               N_("currency must be a three-letter code in capitals such as PLN, got %(value)s"),
               value=_shown(value))
        return None
    return value


def _show_if(raw: dict, place: _Place, ck: Checker) -> Condition | None:
    """Take a show_if as written; its keys and values are checked once the set is built."""
    value = raw.get("show_if")
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        ck.add(place.field("show_if"), N_("a condition must be a map of earlier criterion keys "
                                          "to answers, like {bought: yes}, got %(kind)s"),
               kind=_kind(value))
        return None
    return copy.deepcopy(value)  # the set keeps its own: the caller's dict may change later


def _evidence(raw: dict, place: _Place, ck: Checker) -> Evidence | None:
    """Check `evidence: {when, comment, photos}`; `when` is checked with the conditions."""
    value = raw.get("evidence")
    if value is None:
        return None
    at = place.field("evidence")
    if _mapping(value, at, EVIDENCE_FIELDS, ck) is None:
        return None
    comment = _flag(value, "comment", at, ck, default=False)
    photos = _positive_int(value, "photos", at, ck, low=0) or 0
    if not comment and not photos:
        ck.add(at, N_("evidence needs comment: true or photos: a number of at least 1"))
    return Evidence(when=copy.deepcopy(value.get("when")), comment=bool(comment), photos=photos)


def _answer_type(raw: dict, place: _Place, ck: Checker) -> object:
    """Check the answer type: present and known."""
    kind = raw.get("type")
    if kind is None:
        ck.add(place, N_("missing type (allowed: %(allowed)s)"), allowed=_listed(ANSWER_TYPES))
    elif kind not in ANSWER_TYPES:
        ck.add(place.field("type"), N_("unknown type %(value)s (allowed: %(allowed)s)"),
               value=_shown(kind), allowed=_listed(ANSWER_TYPES))
    return kind


def _criterion(raw: dict, place: _Place, ck: Checker) -> Criterion:
    """Check one criterion and build it (the result is only used when there are no problems)."""
    kind = _answer_type(raw, place, ck)
    knockout = _flag(raw, "knockout", place, ck, default=False)
    if knockout and kind in ("text", "photo"):
        ck.add(place.field("knockout"),
               N_("knockout needs a scored type; '%(type)s' is never scored"), type=kind)
    return Criterion(
        key=_key(raw, place, ck),
        type=kind if isinstance(kind, str) else "",
        text=_texts(raw, "text", place, ck, required=True),
        guidance=_texts(raw, "guidance", place, ck),
        weight=_number(raw, "weight", place, ck, default=1.0),
        required=_flag(raw, "required", place, ck, default=None),
        na_allowed=_flag(raw, "na_allowed", place, ck, default=False),
        knockout=bool(knockout),
        channel=_one_of(raw, "channel", CHANNELS, place, ck, default="any"),
        review_comments=_review_comments(raw, place, ck),
        show_if=_show_if(raw, place, ck),
        photos=bool(_flag(raw, "photos", place, ck, default=False)),
        evidence=_evidence(raw, place, ck),
        **(_type_fields(raw, kind, place, ck) if kind in ANSWER_TYPES else {}),
    )


def _section(raw: dict, place: _Place, ck: Checker, seen: dict[str, str]) -> Section:
    """Check one section; `seen` maps criterion keys to where they were first used, set-wide."""
    at = place.field("criteria")
    criteria = []
    for i, item in enumerate(_items(raw, "criteria", place, ck,
                                    N_("needs at least one criterion"))):
        here = at.item(i, item.get("key") if isinstance(item, dict) else None)
        if _mapping(item, here, CRITERION_FIELDS, ck) is None:
            continue
        criterion = _criterion(item, here, ck)
        if criterion.key in seen:
            ck.add(here, N_("duplicate criterion key '%(key)s' (first used in %(first)s)"),
                   key=criterion.key, first=seen[criterion.key])
        elif criterion.key:
            seen[criterion.key] = here.where
        criteria.append(criterion)
    return Section(
        key=_key(raw, place, ck),
        title=_texts(raw, "title", place, ck, required=True),
        weight=_number(raw, "weight", place, ck, default=1.0),
        criteria=criteria,
        show_if=_show_if(raw, place, ck),
    )


def _sections(raw: dict, ck: Checker) -> list[Section]:
    """Check the list of sections: at least one, unique keys."""
    at = _Place().field("sections")
    sections, seen_sections, seen_criteria = [], set(), {}
    for i, item in enumerate(_items(raw, "sections", _Place(), ck,
                                    N_("needs at least one section"))):
        here = at.item(i, item.get("key") if isinstance(item, dict) else None)
        if _mapping(item, here, SECTION_FIELDS, ck) is None:
            continue
        section = _section(item, here, ck, seen_criteria)
        if section.key and section.key in seen_sections:
            ck.add(here, N_("duplicate section key '%(key)s'"), key=section.key)
        seen_sections.add(section.key)
        sections.append(section)
    return sections


# ---------------------------------------------------------------- conditions (show_if, evidence)


def _check_logic(cs: CriteriaSet, ck: Checker) -> None:
    """Check every condition against the built set, then that each knock-out can be shown."""
    before: dict[str, Criterion] = {}
    keys = {c.key for c in cs.criteria()}
    found = len(ck.problems)
    sections = _Place().field("sections")
    for i, section in enumerate(cs.sections):
        here = sections.item(i, section.key)
        own = {c.key for c in section.criteria}
        if section.show_if is not None:
            _check_condition(section.show_if, here.field("show_if"), ck,
                             _Names(before, keys, own, section.key))
        for j, c in enumerate(section.criteria):
            at = here.field("criteria").item(j, c.key)
            if c.show_if is not None:
                _check_condition(c.show_if, at.field("show_if"), ck,
                                 _Names(before, keys, {c.key}, None))
            if c.evidence is not None and c.evidence.when is not None:
                _check_test(c.evidence.when, c, at.field("evidence").field("when"), ck)
            before[c.key] = c
    if len(ck.problems) == found:
        _check_knockouts_can_show(cs, ck)


@dataclass(frozen=True)
class _Names:
    """What a condition may name: `before` (earlier criteria) of the set's `keys`; `own` are
    the keys whose answers it decides (itself, or a section's criteria), naming one is a cycle."""

    before: dict[str, Criterion]
    keys: set[str]
    own: set[str]
    section: str | None


def _check_condition(condition: object, at: _Place, ck: Checker, names: _Names) -> None:
    """Check one condition: a non-empty map of earlier keys to tests, or all/any groups."""
    if not isinstance(condition, dict) or not condition:
        ck.add(at, N_("a condition must be a map of earlier criterion keys to answers, like "
                      "{bought: yes}, got %(kind)s"), kind=_kind(condition))
        return
    for name, part in condition.items():
        if name in GROUPS:
            if not isinstance(part, list) or not part:
                ck.add(at.field(name), N_("%(field)s needs a list of conditions"), field=name)
                continue
            for k, item in enumerate(part):
                _check_condition(item, at.field(name).item(k), ck, names)
        elif name in names.own and names.section is not None:
            ck.add(at, N_("section '%(section)s' cannot depend on '%(key)s', a question inside "
                          "it: the answer would decide whether it can be given"),
                   section=names.section, key=str(name))
        elif name in names.own:
            ck.add(at, N_("'%(key)s' cannot depend on its own answer"), key=str(name))
        elif name not in names.keys:
            ck.add(at, N_("the condition names '%(key)s', which is not a criterion of this set"),
                   key=str(name))
        elif name not in names.before:
            ck.add(at, N_("the condition names '%(key)s', which comes later; a condition may "
                          "only name criteria before it"), key=str(name))
        else:
            _check_test(part, names.before[name], at.field(name), ck)


def _check_test(test: object, c: Criterion, at: _Place, ck: Checker) -> None:
    """Check a value test on criterion `c`: the shape, and values `c` can have."""
    if c.type not in CONDITION_TYPES:
        ck.add(at, N_("'%(key)s' is of type '%(type)s', which a condition cannot test"),
               key=c.key, type=c.type)
        return
    if not isinstance(test, dict):
        _check_test_value(test, c, at, ck)
        return
    shape = set(test)
    if not (shape in ({"in"}, {"not"}) or (shape and shape <= {"min", "max"})):
        ck.add(at, N_("a test must be an answer, {in: [...]}, {not: answer} or {min: ..., max: "
                      "...}; got %(value)s"), value=_shown(test))
    elif "in" in test:
        if not isinstance(test["in"], list) or not test["in"]:
            ck.add(at.field("in"), N_("in needs a list of answers"))
        else:
            for value in test["in"]:
                _check_test_value(value, c, at.field("in"), ck)
    elif "not" in test:
        _check_test_value(test["not"], c, at.field("not"), ck)
    else:
        _check_range(test, c, at, ck)


def _check_range(test: dict, c: Criterion, at: _Place, ck: Checker) -> None:
    """Check {min, max}: numbers, on a numeric criterion, min not above max."""
    if c.type not in NUMERIC_TYPES:
        ck.add(at, N_("min and max only apply to numbers; '%(key)s' is of type '%(type)s'"),
               key=c.key, type=c.type)
        return
    low, high = test.get("min"), test.get("max")
    bad = [v for v in (low, high) if v is not None and not is_number(v)]
    if bad:
        ck.add(at, N_("min and max must be numbers, got %(value)s"), value=_shown(bad[0]))
    elif low is not None and high is not None and low > high:
        ck.add(at, N_("min %(min)s is greater than max %(max)s, so no answer fits"),
               min=_shown(low), max=_shown(high))


def _check_test_value(value: object, c: Criterion, at: _Place, ck: Checker) -> None:
    """Check that `value` is an answer `c` can have (for a multi_choice: one option key)."""
    # Membership in lists, not sets or dicts: the file may give a list or a map here.
    if c.type == "yes_no":
        if not isinstance(value, bool) and value not in list(YES_NO_WORDS):
            ck.add(at, N_("'%(key)s' is a yes/no question: test it with yes or no, got "
                          "%(value)s"), key=c.key, value=_shown(value))
    elif c.type in OPTION_TYPES:
        if value not in [o.key for o in c.options]:
            ck.add(at, N_("'%(key)s' has no option %(value)s (options: %(allowed)s)"), key=c.key,
                   value=_shown(value), allowed=_listed(tuple(o.key for o in c.options)))
    elif validate_value(c, value) is not None or value == "n/a":
        ck.add(at, N_("'%(key)s' can never have the answer %(value)s"), key=c.key,
               value=_shown(value))


def _check_knockouts_can_show(cs: CriteriaSet, ck: Checker) -> None:
    """A knock-out whose conditions can never all hold is a rule that never applies."""
    sections = _Place().field("sections")
    for i, section in enumerate(cs.sections):
        for j, c in enumerate(section.criteria):
            if not c.knockout or (c.show_if is None and section.show_if is None):
                continue
            if not can_be_shown(cs, c.key):
                at = sections.item(i, section.key).field("criteria").item(j, c.key)
                ck.add(at, N_("knock-out '%(key)s' can never be shown: no answers before it "
                              "meet its conditions"), key=c.key)


def build_set(raw: object, ck: Checker) -> CriteriaSet:
    """Check a whole set and build it, raising CriteriaError listing every problem."""
    top = _Place()
    if not isinstance(raw, dict):
        ck.add(top, N_("the top level must be a mapping, got %(kind)s"), kind=_kind(raw))
        raise CriteriaError(ck.problems)
    _mapping(raw, top, SET_FIELDS, ck)
    cs = CriteriaSet(
        key=_key(raw, top, ck),
        name=_texts(raw, "name", top, ck, required=True),
        channel=_one_of(raw, "channel", CHANNELS, top, ck, default=None),
        knockout_scope=_one_of(raw, "knockout_scope", KNOCKOUT_SCOPES, top, ck, default="section"),
        pass_mark=_number(raw, "pass_mark", top, ck, default=80.0, low=0, high=100),
        alert_below=_number(raw, "alert_below", top, ck, default=None, low=0, high=100),
        description=_texts(raw, "description", top, ck),
        sections=_sections(raw, ck),
    )
    if not ck.problems:
        _check_logic(cs, ck)
    if ck.problems:
        raise CriteriaError(ck.problems)
    return cs



def set_from_dict(d: dict) -> CriteriaSet:
    """Validate a plain dict (as read from YAML/JSON) and build the set; raises CriteriaError."""
    return build_set(d, Checker())

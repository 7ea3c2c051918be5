"""Criteria sets in and out of YAML/JSON, with validation that reports every problem at once."""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from .model import (
    ANSWER_TYPES,
    BANDED_TYPES,
    CHANNELS,
    KNOCKOUT_SCOPES,
    UNITS,
    Band,
    CriteriaSet,
    Criterion,
    Option,
    Section,
    Texts,
)

MAX_BYTES = 1_000_000
MAX_NODES = 500_000  # values in a document with its aliases expanded; real sets have a few thousand
KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")

SET_FIELDS = ("key", "name", "channel", "knockout_scope", "pass_mark", "description", "sections")
SECTION_FIELDS = ("key", "title", "weight", "criteria")
CRITERION_FIELDS = (
    "key", "type", "text", "guidance", "weight", "required", "na_allowed", "knockout", "channel",
    "invert", "scale", "options", "bands", "steps", "deadline", "unit",
)
OPTION_FIELDS = ("key", "label", "points")
BAND_FIELDS = ("max", "points")
# Fields that only make sense for some answer types; elsewhere they are almost surely a mistake.
TYPE_FIELDS = {
    "invert": ("yes_no",),
    "scale": ("rating",),
    "options": ("choice",),
    "bands": BANDED_TYPES,
    "steps": ("interval",),
    "deadline": ("interval",),
    "unit": ("duration", "interval"),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a criteria-set file, and where."""

    where: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        at = f"{self.where} (line {self.line})" if self.line is not None else self.where
        return f"{at}: {self.message}"


class CriteriaError(ValueError):
    """A criteria set that cannot be loaded; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


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


class _Checker:
    """Collects problems instead of stopping at the first, so one round of fixes is enough."""

    def __init__(self, line_of: Callable[[tuple], int | None] | None = None) -> None:
        self.problems: list[Problem] = []
        self._line_of = line_of or (lambda path: None)

    def add(self, place: _Place, message: str) -> None:
        """Record a problem at `place`."""
        where = place.where or "(top level)"
        self.problems.append(Problem(where, message, self._line_of(place.path)))


def _kind(value: object) -> str:
    """Name a YAML/JSON value's kind for messages."""
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "true/false",
             type(None): "nothing"}
    return names.get(type(value), type(value).__name__)


def _is_number(value: object) -> bool:
    """A finite int or float; bools are not numbers here even though Python says so."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too big for a float
        return False


def _is_int(value: object) -> bool:
    """An int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


# ---------------------------------------------------------------- field checks


def _mapping(raw: object, place: _Place, allowed: tuple[str, ...], ck: _Checker) -> dict | None:
    """Check that `raw` is a mapping with only `allowed` fields; None when it is not a mapping."""
    if not isinstance(raw, dict):
        ck.add(place, f"must be a mapping, got {_kind(raw)}")
        return None
    for name in raw:
        if name not in allowed:
            close = difflib.get_close_matches(str(name), allowed, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (allowed: {', '.join(allowed)})"
            ck.add(place.field(str(name)), f"unknown field '{name}'{hint}")
    return raw


def _key(raw: dict, place: _Place, ck: _Checker) -> str:
    """Check the `key` field: present, a string, and shaped like a key."""
    key = raw.get("key")
    if key is None:
        ck.add(place, "missing key")
    elif not isinstance(key, str):
        ck.add(place.field("key"), f"key must be a string, got {_kind(key)}")
    elif not key:
        ck.add(place.field("key"), "key is empty")
    elif not KEY_PATTERN.fullmatch(key):
        ck.add(place.field("key"), f"key '{key}' must match ^[a-z0-9][a-z0-9_-]*$ "
               "(lower-case letters, digits, '_' and '-')")
    return key if isinstance(key, str) else ""


def _texts(raw: dict, name: str, place: _Place, ck: _Checker, required: bool = False) -> Texts:
    """Check a language -> text map; `en` is needed whenever any text is given."""
    value = raw.get(name)
    at = place.field(name)
    if value is None or value == {}:
        if required:
            ck.add(at, f"missing {name}: a map of language code to text, like {{en: ...}}")
        return {}
    if not isinstance(value, dict):
        ck.add(at, f"must be a map of language code to text, like {{en: ...}}, got {_kind(value)}")
        return {}
    texts = {}
    for lang, words in value.items():
        if not isinstance(lang, str) or not lang:
            # YAML 1.1 reads `no:` (Norwegian) as false, hence the quoting hint.
            ck.add(at, f"language code {lang!r} must be a string (quote it in YAML)")
        elif not isinstance(words, str):
            ck.add(at, f"text for '{lang}' must be a string, got {_kind(words)}")
        else:
            texts[lang] = words
    if not str(value.get("en") or "").strip():
        ck.add(at, "missing 'en' text")
    return texts


def _number(raw: dict, name: str, place: _Place, ck: _Checker, default: float | None,
            low: float = 0, high: float | None = None) -> float | None:
    """Check an optional number field within [low, high]."""
    value = raw.get(name)
    if value is None:
        return default
    bounds = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
    if not _is_number(value):
        ck.add(place.field(name), f"{name} must be a number {bounds}, got {value!r}")
        return default
    if value < low or (high is not None and value > high):
        ck.add(place.field(name), f"{name} must be {bounds}, got {value!r}")
    return float(value)


def _one_of(raw: dict, name: str, allowed: tuple[str, ...], place: _Place, ck: _Checker,
            default: str | None) -> str:
    """Check a field whose value must be one of `allowed`; required when there is no default."""
    value = raw.get(name, default)
    if value is None:
        ck.add(place, f"missing {name} (one of: {', '.join(allowed)})")
        return ""
    if value not in allowed:
        ck.add(place.field(name), f"{name} must be one of: {', '.join(allowed)}; got {value!r}")
    return value if isinstance(value, str) else ""


def _flag(raw: dict, name: str, place: _Place, ck: _Checker, default: bool | None) -> bool | None:
    """Check an optional true/false field."""
    value = raw.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        ck.add(place.field(name), f"{name} must be true or false, got {value!r}")
        return default
    return value


def _items(raw: dict, name: str, place: _Place, ck: _Checker, what: str) -> list:
    """Check a list field that must have at least one item."""
    value = raw.get(name)
    if value is None or value == []:
        ck.add(place.field(name), f"needs at least one {what}")
        return []
    if not isinstance(value, list):
        ck.add(place.field(name), f"{name} must be a list, got {_kind(value)}")
        return []
    return value


# ---------------------------------------------------------------- the parts of a set


def _bands(raw: dict, place: _Place, ck: _Checker) -> list[Band]:
    """Check bands: max strictly increasing, points in [0, 1], only the last without max."""
    items = _items(raw, "bands", place, ck, "band, e.g. [{max: 60, points: 1}, {points: 0}]")
    at = place.field("bands")
    bands, previous = [], None
    for i, item in enumerate(items):
        here = at.item(i)
        if _mapping(item, here, BAND_FIELDS, ck) is None:
            continue
        points = _points(item, here, ck)
        top = item.get("max")
        last = i == len(items) - 1
        if last and top is not None:
            ck.add(at, "the last band must have no max, so every value falls in a band")
        elif not last and top is None:
            ck.add(here, "only the last band may have no max")
        elif top is not None and not _is_number(top):
            ck.add(here.field("max"), f"max must be a number, got {top!r}")
            top = None
        elif top is not None and previous is not None and top <= previous:
            ck.add(at, f"bands out of order: max {top!r} must be greater than {previous!r}")
        previous = top if _is_number(top) else previous
        bands.append(Band(max=float(top) if _is_number(top) else None, points=points))
    return bands


def _points(raw: dict, place: _Place, ck: _Checker) -> float:
    """Check a required `points` field in [0, 1]."""
    if "points" not in raw:
        ck.add(place, "missing points (a number from 0 to 1)")
        return 0.0
    return _number(raw, "points", place, ck, default=0.0, low=0, high=1)


def _options(raw: dict, place: _Place, ck: _Checker) -> list[Option]:
    """Check choice options: unique keys, an `en` label, points in [0, 1]."""
    at = place.field("options")
    options, seen = [], set()
    for i, item in enumerate(_items(raw, "options", place, ck, "option")):
        here = at.item(i, item.get("key") if isinstance(item, dict) else None)
        if _mapping(item, here, OPTION_FIELDS, ck) is None:
            continue
        key = _key(item, here, ck)
        if key and key in seen:
            ck.add(here, f"duplicate option key '{key}'")
        seen.add(key)
        label = _texts(item, "label", here, ck, required=True)
        options.append(Option(key=key, label=label, points=_points(item, here, ck)))
    return options


def _steps(raw: dict, place: _Place, ck: _Checker) -> dict[str, list[str]] | None:
    """Check interval step labels: {lang: [from_label, to_label]} with `en`."""
    value = raw.get("steps")
    if value is None:
        return None
    at = place.field("steps")
    if not isinstance(value, dict) or "en" not in value:
        ck.add(at, "steps must map language codes to [from label, to label], including 'en'")
        return None
    good = all(isinstance(v, list) and len(v) == 2 and all(isinstance(s, str) for s in v)
               for v in value.values())
    if not good or not all(isinstance(lang, str) for lang in value):
        ck.add(at, "each language needs exactly two labels: [from label, to label]")
        return None
    return {lang: list(labels) for lang, labels in value.items()}


def _positive_int(raw: dict, name: str, place: _Place, ck: _Checker, low: int) -> int | None:
    """Check an optional whole-number field of at least `low`."""
    value = raw.get(name)
    if value is not None and not (_is_int(value) and value >= low):
        ck.add(place.field(name), f"{name} must be a whole number of at least {low}, got {value!r}")
        return None
    return value


def _type_fields(raw: dict, kind: str, place: _Place, ck: _Checker) -> dict[str, Any]:
    """Check the fields that depend on the answer type and return them as keyword arguments."""
    for name, types in TYPE_FIELDS.items():
        if name in raw and kind not in types:
            ck.add(place.field(name), f"field '{name}' does not apply to type '{kind}'")
    fields: dict[str, Any] = {}
    if kind == "rating":
        if "scale" not in raw:
            ck.add(place, "rating needs a scale (a whole number of at least 2)")
        fields["scale"] = _positive_int(raw, "scale", place, ck, low=2)
    if kind == "choice":
        fields["options"] = _options(raw, place, ck)
    if kind in BANDED_TYPES:
        fields["bands"] = _bands(raw, place, ck)
    if kind == "interval":
        fields["steps"] = _steps(raw, place, ck)
        fields["deadline"] = _positive_int(raw, "deadline", place, ck, low=1)
    if kind in TYPE_FIELDS["unit"] and raw.get("unit") is not None:
        fields["unit"] = _one_of(raw, "unit", UNITS, place, ck, default=None)
    if kind == "yes_no":
        fields["invert"] = _flag(raw, "invert", place, ck, default=False)
    return fields


def _criterion(raw: dict, place: _Place, ck: _Checker) -> Criterion:
    """Check one criterion and build it (the result is only used when there are no problems)."""
    kind = raw.get("type")
    if kind not in ANSWER_TYPES:
        wrong = f"unknown type {kind!r}" if kind is not None else "missing type"
        ck.add(place.field("type") if kind is not None else place,
               f"{wrong} (allowed: {', '.join(ANSWER_TYPES)})")
    knockout = _flag(raw, "knockout", place, ck, default=False)
    if knockout and kind in ("text", "photo"):
        ck.add(place.field("knockout"), f"knockout needs a scored type; '{kind}' is never scored")
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
        **(_type_fields(raw, kind, place, ck) if kind in ANSWER_TYPES else {}),
    )


def _section(raw: dict, place: _Place, ck: _Checker, seen: dict[str, str]) -> Section:
    """Check one section; `seen` maps criterion keys to where they were first used, set-wide."""
    at = place.field("criteria")
    criteria = []
    for i, item in enumerate(_items(raw, "criteria", place, ck, "criterion")):
        here = at.item(i, item.get("key") if isinstance(item, dict) else None)
        if _mapping(item, here, CRITERION_FIELDS, ck) is None:
            continue
        criterion = _criterion(item, here, ck)
        if criterion.key in seen:
            first = seen[criterion.key]
            ck.add(here, f"duplicate criterion key '{criterion.key}' (first used in {first})")
        elif criterion.key:
            seen[criterion.key] = here.where
        criteria.append(criterion)
    return Section(
        key=_key(raw, place, ck),
        title=_texts(raw, "title", place, ck, required=True),
        weight=_number(raw, "weight", place, ck, default=1.0),
        criteria=criteria,
    )


def _sections(raw: dict, ck: _Checker) -> list[Section]:
    """Check the list of sections: at least one, unique keys."""
    at = _Place().field("sections")
    sections, seen_sections, seen_criteria = [], set(), {}
    for i, item in enumerate(_items(raw, "sections", _Place(), ck, "section")):
        here = at.item(i, item.get("key") if isinstance(item, dict) else None)
        if _mapping(item, here, SECTION_FIELDS, ck) is None:
            continue
        section = _section(item, here, ck, seen_criteria)
        if section.key and section.key in seen_sections:
            ck.add(here, f"duplicate section key '{section.key}'")
        seen_sections.add(section.key)
        sections.append(section)
    return sections


def _build_set(raw: object, ck: _Checker) -> CriteriaSet:
    """Check a whole set and build it, raising CriteriaError listing every problem."""
    top = _Place()
    if not isinstance(raw, dict):
        ck.add(top, f"the top level must be a mapping, got {_kind(raw)}")
        raise CriteriaError(ck.problems)
    _mapping(raw, top, SET_FIELDS, ck)
    cs = CriteriaSet(
        key=_key(raw, top, ck),
        name=_texts(raw, "name", top, ck, required=True),
        channel=_one_of(raw, "channel", CHANNELS, top, ck, default=None),
        knockout_scope=_one_of(raw, "knockout_scope", KNOCKOUT_SCOPES, top, ck, default="section"),
        pass_mark=_number(raw, "pass_mark", top, ck, default=80.0, low=0, high=100),
        description=_texts(raw, "description", top, ck),
        sections=_sections(raw, ck),
    )
    if ck.problems:
        raise CriteriaError(ck.problems)
    return cs


def set_from_dict(d: dict) -> CriteriaSet:
    """Validate a plain dict (as read from YAML/JSON) and build the set; raises CriteriaError."""
    return _build_set(d, _Checker())


# ---------------------------------------------------------------- reading files


def _line_finder(root: yaml.Node | None) -> Callable[[tuple], int | None]:
    """Return a function giving the 1-based line of a raw path, or of its nearest known parent."""

    def line_of(path: tuple) -> int | None:
        if root is None:
            return None
        node, line = root, root.start_mark.line + 1
        for step in path:
            if isinstance(node, yaml.MappingNode):
                pairs = ((k, v) for k, v in node.value if getattr(k, "value", None) == step)
                pair = next(pairs, None)
                if pair is None:
                    break
                line, node = pair[0].start_mark.line + 1, pair[1]
            elif isinstance(node, yaml.SequenceNode) and _is_index(step, node.value):
                node = node.value[step]
                line = node.start_mark.line + 1
            else:
                break
        return line

    return line_of


def _is_index(step: object, items: list) -> bool:
    """True when `step` is a valid index into `items`."""
    return isinstance(step, int) and 0 <= step < len(items)


def _file_problem(message: str, line: int | None = None) -> CriteriaError:
    """An error about the file as a whole."""
    return CriteriaError([Problem("(file)", message, line)])


def _repeated_fields(node: yaml.MappingNode) -> list[Problem]:
    """Fields given twice in one mapping; loaders silently keep the last."""
    problems, seen = [], set()
    for key, _ in node.value:
        name = getattr(key, "value", None)
        if isinstance(name, str) and name in seen:
            line = key.start_mark.line + 1
            problems.append(Problem("(file)", f"field '{name}' appears twice", line))
        seen.add(name)
    return problems


def _check_nodes(root: yaml.Node | None) -> list[Problem]:
    """Report repeated fields, and refuse documents whose aliases expand beyond MAX_NODES.

    Every visit counts, aliases included, so an alias bomb is refused before anything walks
    the expanded data; a stack rather than recursion keeps deep nesting from overflowing.
    """
    problems, stack, visits = [], [root] if root is not None else [], 0
    while stack:
        node = stack.pop()
        visits += 1
        if visits > MAX_NODES:
            raise _file_problem(f"the document expands to more than {MAX_NODES:,} values")
        if isinstance(node, yaml.MappingNode):
            problems += _repeated_fields(node)
            stack.extend(value for _, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(problems, key=lambda p: p.line or 0)


def _compose(text: str) -> tuple[yaml.Node | None, object, list[Problem]]:
    """Parse YAML with the safe loader, keeping the node tree for line numbers.

    The nodes are checked before construction, which rewrites merge keys (`<<`) in place.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        problems = _check_nodes(node)
        return node, (loader.construct_document(node) if node is not None else None), problems
    finally:
        loader.dispose()


TOO_LONG = "a number has too many digits"


def _parse_json(text: str) -> tuple[object, yaml.Node | None, list[Problem]]:
    """Parse JSON; its YAML node tree, where PyYAML can read it, gives line numbers."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise _file_problem(f"not valid JSON: {err.msg}", err.lineno) from None
    except ValueError:  # an integer past Python's 4300-digit limit for str -> int
        raise _file_problem(TOO_LONG) from None
    try:
        node, _, problems = _compose(text)
    except CriteriaError:
        raise
    except (yaml.YAMLError, ValueError):
        return data, None, []
    return data, node, problems


def _parse_yaml(text: str) -> tuple[object, yaml.Node | None, list[Problem]]:
    """Parse YAML; a syntax error becomes a problem with its line."""
    try:
        node, data, problems = _compose(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        reason = getattr(err, "problem", None) or str(err)
        raise _file_problem(f"not valid YAML: {reason}", mark.line + 1 if mark else None) from None
    except CriteriaError:
        raise
    except ValueError:  # an integer past Python's 4300-digit limit for str -> int
        raise _file_problem(TOO_LONG) from None
    return data, node, problems


def load_set(data: str | bytes, fmt: str = "yaml") -> CriteriaSet:
    """Load a set from YAML or JSON text (at most MAX_BYTES); raises CriteriaError."""
    if fmt not in ("yaml", "json"):
        raise ValueError(f"fmt must be 'yaml' or 'json', got {fmt!r}")
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_BYTES:
        raise _file_problem(f"file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _file_problem(f"not UTF-8 text (byte {err.start})") from None
    try:
        parsed, node, problems = (_parse_json if fmt == "json" else _parse_yaml)(text)
    except RecursionError:
        raise _file_problem("nested too deeply") from None
    ck = _Checker(_line_finder(node))
    ck.problems += problems
    return _build_set(parsed, ck)


# ---------------------------------------------------------------- writing files


def _tidy(number: float) -> float | int:
    """Write 2.0 as 2, so exported files read like hand-written ones."""
    return int(number) if isinstance(number, float) and number.is_integer() else number


def _band_to_dict(band: Band) -> dict:
    """A band as a plain dict."""
    out = {} if band.max is None else {"max": _tidy(band.max)}
    return {**out, "points": _tidy(band.points)}


def _criterion_to_dict(c: Criterion) -> dict:
    """A criterion as a plain dict, leaving out fields that hold their default."""
    out: dict[str, Any] = {"key": c.key, "type": c.type, "text": dict(c.text)}
    if c.guidance:
        out["guidance"] = dict(c.guidance)
    defaults = {"weight": 1, "required": c.scored, "na_allowed": False, "knockout": False,
                "channel": "any", "invert": False, "scale": None, "deadline": None, "unit": None}
    for name, default in defaults.items():
        value = getattr(c, name)
        if value != default:
            out[name] = _tidy(value)
    if c.options:
        out["options"] = [{"key": o.key, "label": dict(o.label), "points": _tidy(o.points)}
                          for o in c.options]
    if c.bands:
        out["bands"] = [_band_to_dict(b) for b in c.bands]
    if c.steps is not None:
        out["steps"] = {lang: list(labels) for lang, labels in c.steps.items()}
    return out


def _section_to_dict(s: Section) -> dict:
    """A section as a plain dict."""
    out: dict[str, Any] = {"key": s.key, "title": dict(s.title)}
    if s.weight != 1:
        out["weight"] = _tidy(s.weight)
    out["criteria"] = [_criterion_to_dict(c) for c in s.criteria]
    return out


def set_to_dict(cs: CriteriaSet) -> dict:
    """A set as a plain dict in file order, without default values."""
    out: dict[str, Any] = {"key": cs.key, "name": dict(cs.name), "channel": cs.channel}
    if cs.knockout_scope != "section":
        out["knockout_scope"] = cs.knockout_scope
    if cs.pass_mark != 80:
        out["pass_mark"] = _tidy(cs.pass_mark)
    if cs.description:
        out["description"] = dict(cs.description)
    out["sections"] = [_section_to_dict(s) for s in cs.sections]
    return out


class _Dumper(yaml.SafeDumper):
    """Safe dumper that writes small flat maps and lists inline, like the hand-written files."""


# PyYAML writes these line breaks raw in plain and single-quoted scalars and then reads them
# back as something else; double quotes escape them.
_UNSAFE_BREAKS = re.compile("[\r\x85\u2028\u2029]")


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    """Write strings with unusual line breaks double-quoted so they load back unchanged."""
    style = '"' if _UNSAFE_BREAKS.search(data) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _is_flat(value: object) -> bool:
    """True for a scalar or a map/list of scalars."""
    if isinstance(value, dict):
        return all(not isinstance(v, (dict, list)) for v in value.values())
    if isinstance(value, list):
        return all(not isinstance(v, (dict, list)) for v in value)
    return True


def _represent_dict(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    """Write texts and bands as {en: ...} on one line."""
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=_is_flat(data))


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    """Write lists of flat items (bands, step labels) on one line."""
    flat = all(_is_flat(item) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_str)


def dump_set(cs: CriteriaSet, fmt: str = "yaml") -> str:
    """Write a set as YAML or JSON; loading the result gives an equal set."""
    data = set_to_dict(cs)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt != "yaml":
        raise ValueError(f"fmt must be 'yaml' or 'json', got {fmt!r}")
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)

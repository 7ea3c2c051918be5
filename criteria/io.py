"""Criteria sets in and out of YAML/JSON; validation (criteria/validate.py) reports every problem.

Other modules import the validation's public names from here too, as they did before it moved.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import yaml

from .model import Band, CriteriaSet, Criterion, Evidence, Section
from .problems import FILE, N_, CriteriaError, Nn_, Problem, Template
from .validate import CRITERION_FIELDS, KEY_PATTERN, Checker, build_set, set_from_dict

__all__ = [
    "CRITERION_FIELDS", "KEY_PATTERN", "MAX_BYTES", "MAX_NODES", "CriteriaError", "Problem",
    "dump_set", "load_set", "set_from_dict", "set_to_dict",
]

MAX_BYTES = 1_000_000
# libyaml's parser when PyYAML was built with it: about 10x faster, and parsing the built-in sets
# was most of a fresh app's start. Same safe constructor, same node tree and line marks; only a
# syntax error's reason is worded by libyaml instead.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_NODES = 500_000  # values in a document with its aliases expanded; real sets have a few thousand


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


def _file_problem(template: Template, line: int | None = None, **params) -> CriteriaError:
    """An error about the file as a whole."""
    return CriteriaError([Problem.of(FILE, template, line, **params)])


def _repeated_fields(node: yaml.MappingNode) -> list[Problem]:
    """Fields given twice in one mapping; loaders silently keep the last."""
    problems, seen = [], set()
    for key, _ in node.value:
        name = getattr(key, "value", None)
        if isinstance(name, str) and name in seen:
            line = key.start_mark.line + 1
            problems.append(Problem.of(FILE, N_("field '%(field)s' appears twice"), line,
                                       field=name))
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
            raise _file_problem(Nn_("the document expands to more than %(num)s value",
                                    "the document expands to more than %(num)s values"),
                                num=MAX_NODES)
        if isinstance(node, yaml.MappingNode):
            problems += _repeated_fields(node)
            stack.extend(value for _, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(problems, key=lambda p: p.line or 0)


def _compose(text: str) -> tuple[yaml.Node | None, object, list[Problem]]:
    """Parse YAML with the safe loader (libyaml's when present), keeping the nodes for lines.

    The nodes are checked before construction, which rewrites merge keys (`<<`) in place.
    """
    loader = SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        problems = _check_nodes(node)
        return node, (loader.construct_document(node) if node is not None else None), problems
    finally:
        loader.dispose()


TOO_LONG = N_("a number has too many digits")
TOO_DEEP = N_("nested too deeply")
LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"


def _parse_json(text: str) -> tuple[object, yaml.Node | None, list[Problem]]:
    """Parse JSON; its YAML node tree, where PyYAML can read it, gives line numbers."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:  # the json module's reason is English and stays so
        raise _file_problem(N_("not valid JSON: %(reason)s"), err.lineno, reason=err.msg) from None
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
        if reason == LIBYAML_TOO_DEEP:  # where the Python parser would run out of stack
            raise _file_problem(TOO_DEEP) from None
        # PyYAML's reason is English; it stays so, as the parser wrote it.
        raise _file_problem(N_("not valid YAML: %(reason)s"), mark.line + 1 if mark else None,
                            reason=reason) from None
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
        raise _file_problem(Nn_("file is %(num)s byte; the limit is %(limit)s",
                                "file is %(num)s bytes; the limit is %(limit)s"),
                            num=len(raw), limit=MAX_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _file_problem(N_("not UTF-8 text (byte %(byte)s)"), byte=str(err.start)) from None
    try:
        parsed, node, problems = (_parse_json if fmt == "json" else _parse_yaml)(text)
    except RecursionError:
        raise _file_problem(TOO_DEEP) from None
    ck = Checker(_line_finder(node))
    ck.problems += problems
    return build_set(parsed, ck)


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
    if c.review_comments:
        out["review_comments"] = {lang: list(texts) for lang, texts in c.review_comments.items()}
    if c.currency is not None:
        out["currency"] = c.currency
    if c.photos:
        out["photos"] = True
    if c.evidence is not None:
        out["evidence"] = _evidence_to_dict(c.evidence)
    if c.show_if is not None:
        out["show_if"] = copy.deepcopy(c.show_if)
    return out


def _evidence_to_dict(ev: Evidence) -> dict:
    """Evidence as a plain dict, without the parts it does not ask for."""
    out: dict[str, Any] = {} if ev.when is None else {"when": copy.deepcopy(ev.when)}
    if ev.comment:
        out["comment"] = True
    if ev.photos:
        out["photos"] = ev.photos
    return out


def _section_to_dict(s: Section) -> dict:
    """A section as a plain dict."""
    out: dict[str, Any] = {"key": s.key, "title": dict(s.title)}
    if s.weight != 1:
        out["weight"] = _tidy(s.weight)
    if s.show_if is not None:
        out["show_if"] = copy.deepcopy(s.show_if)
    out["criteria"] = [_criterion_to_dict(c) for c in s.criteria]
    return out


def set_to_dict(cs: CriteriaSet) -> dict:
    """A set as a plain dict in file order, without default values."""
    out: dict[str, Any] = {"key": cs.key, "name": dict(cs.name), "channel": cs.channel}
    if cs.knockout_scope != "section":
        out["knockout_scope"] = cs.knockout_scope
    if cs.pass_mark != 80:
        out["pass_mark"] = _tidy(cs.pass_mark)
    if cs.alert_below is not None:
        out["alert_below"] = _tidy(cs.alert_below)
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

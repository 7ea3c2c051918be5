"""Show-if logic: which criteria a visit's answers hide. One evaluator for every reader.

A condition (`show_if` on a criterion or a section, `evidence.when` without the key) is plain
data as written in the set file:

    {bought: "yes"}                     equal (a yes_no takes true/false or "yes"/"no")
    {pay_ways: {in: [card, cash]}}      one of
    {queue_length: {not: 0}}            answered, and not equal
    {receipt_amount: {min: 10, max: 50}} a number in the range (either end may be left out)
    {bought: "yes", helped: false}      several keys in one map: all must hold
    {all: [cond, ...]}, {any: [cond, ...]}

Rules (the phone's script follows the same ones, see `condition_data`):
- A test on a key that is unanswered, N/A, not a valid answer, or itself hidden does not hold
  (`not` included: "not cash" needs an answer that is not cash).
- On a multi_choice answer (a list of option keys) "equal" means "chosen", `in` "any of them
  chosen", `not` "not chosen".
- Criteria come in order; a condition names only earlier criteria (checked at import), so one
  pass in order decides everything. A hidden section hides all its criteria.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping

from .model import Condition, CriteriaSet, Criterion, is_number, text
from .problems import N_
from .values import NA, NPS_RANGE, validate_value

GROUPS = ("all", "any")
# Keys of a dict test; any other dict is not a test (validate.py says so).
TEST_OPERATORS = ("in", "not", "min", "max")
YES_NO_WORDS = {"yes": True, "no": False}
# Finding whether a knock-out can ever be shown tries every combination of the answers its
# conditions depend on; past this many it gives up and accepts the set.
MAX_COMBINATIONS = 20_000

Answers = Mapping[str, object]


# ---------------------------------------------------------------- evaluating


def _same(answer: object, expected: object) -> bool:
    """Equality as the set means it: "yes"/"no" are booleans; true is not 1."""
    if isinstance(expected, str) and isinstance(answer, bool):
        expected = YES_NO_WORDS.get(expected)
    if isinstance(answer, bool) != isinstance(expected, bool):
        return False
    return answer == expected


def _equal(answer: object, expected: object) -> bool:
    """Equal, or for a multi_choice answer: chosen."""
    if isinstance(answer, list):
        return any(_same(a, expected) for a in answer)
    return _same(answer, expected)


def passes(test: object, answer: object) -> bool:
    """Whether one answer passes a value test (None and N/A never do)."""
    if answer is None or answer == NA:
        return False
    if not isinstance(test, dict):
        return _equal(answer, test)
    if "in" in test:
        return any(_equal(answer, v) for v in test["in"])
    if "not" in test:
        return not _equal(answer, test["not"])
    if not is_number(answer):
        return False
    low, high = test.get("min"), test.get("max")
    return (low is None or answer >= low) and (high is None or answer <= high)


def holds(condition: Condition, answers: Answers, hidden: frozenset[str] | set[str]) -> bool:
    """Whether `condition` holds for `answers`, where keys in `hidden` count as unanswered."""
    for name, part in condition.items():
        if name == "all":
            ok = all(holds(c, answers, hidden) for c in part)
        elif name == "any":
            ok = any(holds(c, answers, hidden) for c in part)
        else:
            ok = name not in hidden and passes(part, answers.get(name))
        if not ok:
            return False
    return True


def usable_answers(cs: CriteriaSet, answers: Answers) -> dict[str, object]:
    """The answers a condition may look at: valid ones of the set's criteria, N/A left out."""
    usable = {}
    for c in cs.criteria():
        value = answers.get(c.key)
        if value is not None and value != NA and validate_value(c, value) is None:
            usable[c.key] = value
    return usable


def has_logic(cs: CriteriaSet) -> bool:
    """Whether any section or criterion of the set has a show_if (else nothing is ever hidden)."""
    return any(s.show_if is not None or any(c.show_if is not None for c in s.criteria)
               for s in cs.sections)


def hidden_keys(cs: CriteriaSet, answers: Answers) -> frozenset[str]:
    """Keys of the criteria that `answers` hide, every criterion of a hidden section included.

    Invalid answers count as unanswered, as they do in scoring.
    """
    answers = usable_answers(cs, answers)
    hidden: set[str] = set()
    for section in cs.sections:
        section_hidden = section.show_if is not None and not holds(section.show_if, answers,
                                                                   hidden)
        for c in section.criteria:
            if section_hidden or (c.show_if is not None and not holds(c.show_if, answers, hidden)):
                hidden.add(c.key)
    return frozenset(hidden)


def missing_evidence(c: Criterion, value: object, comment: str | None,
                     photo_count: int) -> list[str]:
    """What an answer still needs before its section can be left: codes "comment", "photos".

    Nothing is needed for an unanswered or N/A criterion, or when the answer does not meet
    `evidence.when` (no `when`: every answer needs it).
    """
    ev = c.evidence
    if ev is None or value is None or value == NA:
        return []
    if ev.when is not None and not passes(ev.when, value):
        return []
    missing = []
    if ev.comment and not (comment or "").strip():
        missing.append("comment")
    if photo_count < ev.photos:
        missing.append("photos")
    return missing


# ---------------------------------------------------------------- as data for the phone


def value_test_data(test: object, c: Criterion | None) -> dict:
    """A value test in the one shape the script reads: {"eq": v}, {"in": [..]}, {"not": v} or
    {"min": a, "max": b} (null for an open end); "yes"/"no" of a yes_no become true/false."""
    fix = (lambda v: YES_NO_WORDS.get(v, v)) if c is not None and c.type == "yes_no" \
        else (lambda v: v)
    if not isinstance(test, dict):
        return {"eq": fix(test)}
    if "in" in test:
        return {"in": [fix(v) for v in test["in"]]}
    if "not" in test:
        return {"not": fix(test["not"])}
    return {"min": test.get("min"), "max": test.get("max")}


def condition_data(condition: Condition, cs: CriteriaSet) -> dict:
    """A condition as JSON for the phone: {"all": [..]}, {"any": [..]}, or {"key": k, **test}.

    The script evaluates it by the module's rules: a key that is unanswered, N/A or hidden fails
    its test; "eq" on a list answer means "chosen"; "in" is any "eq"; "not" is answered and not
    "eq"; "min"/"max" need a number within them (null: no bound).
    """
    parts = []
    for name, part in condition.items():
        if name in GROUPS:
            parts.append({name: [condition_data(c, cs) for c in part]})
        else:
            parts.append({"key": name, **value_test_data(part, _criterion_or_none(cs, name))})
    return parts[0] if len(parts) == 1 else {"all": parts}


def set_logic_data(cs: CriteriaSet) -> dict:
    """Every condition of a set for the phone, in order:
    {"sections": [{"key", "show_if", "criteria": [{"key", "show_if"}]}]} (show_if may be null)."""
    data = lambda cond: None if cond is None else condition_data(cond, cs)  # noqa: E731
    return {"sections": [
        {"key": s.key, "show_if": data(s.show_if),
         "criteria": [{"key": c.key, "show_if": data(c.show_if)} for c in s.criteria]}
        for s in cs.sections]}


def _criterion_or_none(cs: CriteriaSet, key: str) -> Criterion | None:
    """The criterion with `key`, None when the set has none."""
    try:
        return cs.criterion(key)
    except KeyError:
        return None


# ---------------------------------------------------------------- in words, for the editor

# TRANSLATORS: a condition in the criteria editor, e.g. "shown when 'Did you buy something?'
# is Yes".
SHOWN_WHEN = N_("shown when %(condition)s")
IS = N_("'%(question)s' is %(value)s")
IS_ONE_OF = N_("'%(question)s' is one of %(values)s")
IS_NOT = N_("'%(question)s' is not %(value)s")
INCLUDES = N_("'%(question)s' includes %(value)s")
INCLUDES_ONE_OF = N_("'%(question)s' includes one of %(values)s")
DOES_NOT_INCLUDE = N_("'%(question)s' does not include %(value)s")
AT_LEAST = N_("'%(question)s' is at least %(min)s")
AT_MOST = N_("'%(question)s' is at most %(max)s")
BETWEEN = N_("'%(question)s' is between %(min)s and %(max)s")
AND = N_("%(left)s and %(right)s")
OR = N_("%(left)s or %(right)s")
YES, NO = N_("Yes"), N_("No")
DESCRIBE_WORDS = (SHOWN_WHEN, IS, IS_ONE_OF, IS_NOT, INCLUDES, INCLUDES_ONE_OF,
                  DOES_NOT_INCLUDE, AT_LEAST, AT_MOST, BETWEEN, AND, OR, YES, NO)

Translate = Callable[[str], str]


def describe(condition: Condition, cs: CriteriaSet, lang: str,
             translate: Translate = lambda s: s) -> str:
    """The condition in words: "shown when 'Did you buy something?' is Yes".

    Question texts and option labels come from the set in `lang`; the words around them are
    N_ templates that `translate` (the web layer's gettext; English when left out) translates.
    """
    return translate(SHOWN_WHEN) % {"condition": _words(condition, cs, lang, translate)}


def _words(condition: Condition, cs: CriteriaSet, lang: str, translate: Translate,
           joiner: str = AND) -> str:
    """One condition's words; several parts joined by "and" (or "or" for `any`)."""
    parts = []
    for name, part in condition.items():
        if name in GROUPS:
            inner = [_words(c, cs, lang, translate) for c in part]
            inner = [f"({w})" if len(c) > 1 or set(c) & set(GROUPS) else w
                     for w, c in zip(inner, part, strict=True)]
            parts.append(_joined(inner, OR if name == "any" else AND, translate))
        else:
            parts.append(_test_words(name, part, cs, lang, translate))
    return _joined(parts, joiner, translate)


def _joined(parts: list[str], joiner: str, translate: Translate) -> str:
    """Parts joined pairwise with a translated "and"/"or" template."""
    words = parts[0] if parts else ""
    for part in parts[1:]:
        words = translate(joiner) % {"left": words, "right": part}
    return words


def _test_words(key: str, test: object, cs: CriteriaSet, lang: str, translate: Translate) -> str:
    """One key's test in words."""
    c = _criterion_or_none(cs, key)
    question = text(c.text, lang) if c is not None else key
    shown = lambda v: _value_words(c, v, lang, translate)  # noqa: E731
    many = c is not None and c.type == "multi_choice"
    data = value_test_data(test, c)
    if "eq" in data:
        return translate(INCLUDES if many else IS) % {"question": question,
                                                      "value": shown(data["eq"])}
    if "in" in data:
        values = ", ".join(shown(v) for v in data["in"])
        return translate(INCLUDES_ONE_OF if many else IS_ONE_OF) % {"question": question,
                                                                    "values": values}
    if "not" in data:
        return translate(DOES_NOT_INCLUDE if many else IS_NOT) % {"question": question,
                                                                  "value": shown(data["not"])}
    low, high = data["min"], data["max"]
    template = BETWEEN if low is not None and high is not None else AT_LEAST if high is None \
        else AT_MOST
    return translate(template) % {"question": question, "min": low, "max": high}


def _value_words(c: Criterion | None, value: object, lang: str, translate: Translate) -> str:
    """A value as the reader knows it: Yes/No, an option's label, a number as it is."""
    if isinstance(value, bool):
        return translate(YES if value else NO)
    if c is not None:
        for option in c.options:
            if option.key == value:
                return text(option.label, lang)
    return str(value)


# ---------------------------------------------------------------- can it ever be shown?


def condition_keys(condition: Condition) -> Iterator[str]:
    """Every criterion key a condition names."""
    for name, part in condition.items():
        if name in GROUPS:
            for c in part:
                yield from condition_keys(c)
        else:
            yield name


def _depends_on(cs: CriteriaSet, key: str) -> list[str]:
    """The keys whose answers decide whether `key` is shown, directly or through others."""
    conditions = _conditions_of(cs)
    found: list[str] = []
    todo = [key]
    while todo:
        for name in conditions.get(todo.pop(), ()):
            if name not in found:
                found.append(name)
                todo.append(name)
    return found


def _conditions_of(cs: CriteriaSet) -> dict[str, list[str]]:
    """Per criterion, the keys named by its own and its section's condition."""
    names = {}
    for s in cs.sections:
        for c in s.criteria:
            names[c.key] = [k for cond in (s.show_if, c.show_if) if cond
                            for k in condition_keys(cond)]
    return names


def _tests_on(cs: CriteriaSet, key: str) -> Iterator[object]:
    """Every value test any condition of the set makes on `key`."""
    def walk(condition: Condition) -> Iterator[object]:
        for name, part in condition.items():
            if name in GROUPS:
                for c in part:
                    yield from walk(c)
            elif name == key:
                yield part
    for s in cs.sections:
        for cond in [s.show_if, *(c.show_if for c in s.criteria)]:
            if cond:
                yield from walk(cond)


def _candidates(cs: CriteriaSet, c: Criterion) -> list[object]:
    """Answers to try for `c`: every one when there are few, else one on each side of every
    number a condition compares it with; None (unanswered) always."""
    if c.type == "yes_no":
        return [None, True, False]
    if c.type == "choice":
        return [None, *(o.key for o in c.options)]
    if c.type == "multi_choice":
        keys = [o.key for o in c.options]
        if len(keys) <= 6:
            return [None, *(list(s) for n in range(len(keys) + 1)
                            for s in itertools.combinations(keys, n))]
        return [None, [], keys, *([k] for k in keys)]
    if c.type == "rating":
        return [None, *range(1, (c.scale or 1) + 1)]
    if c.type == "nps":
        return [None, *NPS_RANGE]
    numbers = {0}
    for test in _tests_on(cs, c.key):
        values = [test] if not isinstance(test, dict) else \
            [*test.get("in", ()), test.get("not"), test.get("min"), test.get("max")]
        for v in values:
            if is_number(v):
                numbers.update((v - 1, v - 0.01, v, v + 0.01, v + 1))
    return [None, *(n for n in sorted(numbers) if validate_value(c, n) is None)]


def can_be_shown(cs: CriteriaSet, key: str) -> bool:
    """Whether some answers to the criteria before it show criterion `key`.

    Tries every combination of the answers its conditions depend on (True when there are more
    than MAX_COMBINATIONS: the set gets the benefit of the doubt).
    """
    keys = _depends_on(cs, key)
    domains = [_candidates(cs, cs.criterion(k)) for k in keys]
    total = 1
    for domain in domains:
        total *= len(domain)
        if total > MAX_COMBINATIONS:
            return True
    for combination in itertools.product(*domains):
        answers = {k: v for k, v in zip(keys, combination, strict=True) if v is not None}
        if key not in hidden_keys(cs, answers):
            return True
    return False

"""criteria/'s validation messages: each is a marked template, each is translated, and a problem
reads in the admin's language with the file's own keys and values untouched.

When a test here fails after a message was added: mark it with N_ (Nn_ when it counts
something), give test_criteria_model_io.py or EXTRA below a bad input that produces it, then
`make i18n`, translate it in both catalogues and `make translations`.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from flask_babel import force_locale
from i18n_catalogues import read_catalogue
from test_criteria_logic import BAD_LOGIC, with_change
from test_criteria_model_io import BAD_SETS, C0, SAMPLE_YAML, changed

from audit.web.criteria_problems import problem_message, problem_place
from audit.web.i18n import TRANSLATIONS
from criteria.io import MAX_BYTES, CriteriaError, load_set, set_from_dict
from criteria.problems import PLACE_WORDS, Problem, Word

CRITERIA = Path(__file__).resolve().parent.parent / "criteria"
LANGS = ["pl", "ru"]

# Bad sets that BAD_SETS does not have, so that every message and word of criteria/ is made.
EXTRA = [
    changed("key", date(2026, 1, 1)),
    changed("key", datetime(2026, 1, 1, 10, 0)),
    changed("key", True),
    changed("key", 1.5),
    changed("name", {False: "Nei", "en": "Physical store"}),
    changed(C0 + ".bands", []),
    changed(C0 + ".review_comments", {"pl": ["Bez angielskiego"]}),
]
# Whole files for the problems of the file itself.
FILES = [
    ("key: x\nname: {en: X\n", "yaml"),
    ('{\n"key": }', "json"),
    (b"key: \xff\n", "yaml"),
    (SAMPLE_YAML + "#" * MAX_BYTES, "yaml"),
    ("[" * 50_000 + "]" * 50_000, "yaml"),
    ("pass_mark: " + "9" * 5000 + "\n", "yaml"),
    (SAMPLE_YAML.replace("channel: physical", "channel: physical\nchannel: online"), "yaml"),
    ("\n".join(["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
               + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]),
     "yaml"),
]


def problems_of(make) -> list[Problem]:
    """The problems that building a set with `make()` reports."""
    with pytest.raises(CriteriaError) as err:
        make()
    return err.value.problems


@pytest.fixture(scope="module")
def problems() -> list[Problem]:
    """Every problem the bad sets and files above report."""
    found = []
    for bad in [b for b, _ in BAD_SETS] + EXTRA + [with_change(c) for c, _ in BAD_LOGIC]:
        found += problems_of(lambda bad=bad: set_from_dict(bad))
    for data, fmt in FILES:
        found += problems_of(lambda data=data, fmt=fmt: load_set(data, fmt))
    return found


# The words of criteria/logic.py's describe() are no problems; they are translated all the same.
WORDS_FILES = ("logic.py",)


def marked_in(files: set[str] | None = None) -> set[str]:
    """Texts of criteria/ marked with N_ or Nn_ (a plural by its singular), as extracted; from
    `files` only, or from all files but WORDS_FILES."""
    keywords = {"N_": None, "Nn_": (1, 2)}
    return {m[0] if isinstance(m, tuple) else m
            for f, _l, m, _c, _ctx in extract_from_dir(str(CRITERIA), keywords=keywords)
            if (f in files if files is not None else f not in WORDS_FILES)}


@pytest.fixture(scope="module")
def marked() -> set[str]:
    """Every problem text of criteria/."""
    return marked_in()


def texts_of(problem: Problem) -> set[str]:
    """The translatable texts a problem uses: its template, its place word, its word params."""
    words = {v for v in problem.params.values() if isinstance(v, Word)}
    return {problem.msgid, *words, *({problem.where} & set(PLACE_WORDS))}


def test_every_problem_message_is_a_marked_template(problems, marked):
    unmarked = {p.message for p in problems if p.msgid not in marked}
    assert not unmarked, f"messages not made from an N_ template:\n{sorted(unmarked)}"
    words = {w for p in problems for w in texts_of(p)} - {p.msgid for p in problems}
    assert words <= marked, sorted(words - marked)


def test_every_marked_message_is_made_by_a_bad_input(problems, marked):
    made = {text for p in problems for text in texts_of(p)}
    assert marked - made == set(), "no bad input in the tests makes these; add one"


@pytest.mark.parametrize("lang", LANGS)
def test_every_validation_message_is_translated(lang, marked):
    catalogue = read_catalogue(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po")
    missing = []
    for text in sorted(marked | marked_in(set(WORDS_FILES))):
        entry = catalogue.get(text)
        strings = () if entry is None else (
            entry.string if isinstance(entry.string, tuple) else (entry.string,))
        if not strings or entry.fuzzy or not all(s.strip() for s in strings):
            missing.append(text)
    assert not missing, f"{len(missing)} validation messages not translated in {lang}:\n" + \
        "\n".join(missing)


@pytest.mark.parametrize("lang", LANGS)
def test_problems_read_in_the_language_with_the_files_values_as_typed(lang, app, problems):
    with app.test_request_context(), force_locale(lang):
        for p in problems:
            text = problem_message(p)
            assert text != p.message, f"{lang} shows English: {p.message}"
            typed = [v for v in p.params.values() if isinstance(v, str) and not isinstance(v, Word)]
            assert all(v in text for v in typed), (text, p.params)
            if p.where in PLACE_WORDS:
                assert p.where not in problem_place(p)


@pytest.mark.parametrize(("lang", "size", "expected"), [
    ("en", 1_000_304, "file is 1,000,304 bytes; the limit is 1,000,000"),
    ("pl", 1_000_304, "plik ma 1\u00a0000\u00a0304 bajty, a limit wynosi 1\u00a0000\u00a0000"),
    ("pl", 1_000_305, "plik ma 1\u00a0000\u00a0305 bajtów, a limit wynosi 1\u00a0000\u00a0000"),
    ("ru", 1_000_304, "файл занимает 1\u00a0000\u00a0304 байта, а допустимо не более "
                      "1\u00a0000\u00a0000"),
    ("ru", 1_000_321, "файл занимает 1\u00a0000\u00a0321 байт, а допустимо не более "
                      "1\u00a0000\u00a0000"),
])
def test_a_count_in_a_message_takes_the_languages_plural_and_digit_grouping(app, lang, size,
                                                                              expected):
    [problem] = problems_of(lambda: load_set(b"#" * size))
    with app.test_request_context(), force_locale(lang):
        assert problem_message(problem) == expected

"""The message catalogues: complete, not fuzzy, placeholders intact, and they compile.

When a test here fails after a text was added or changed: `make i18n`, translate the entries it
names in audit/translations/{pl,ru}/LC_MESSAGES/messages.po, then `make translations`.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.support import Translations
from i18n_catalogues import catalogues, compile_catalogues, read_catalogue

from audit.web.i18n import LANGUAGE_NAMES, TRANSLATIONS

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = [lang for lang in LANGUAGE_NAMES if lang != "en"]
# %(name)s / %(num)d / %(km).1f, a literal %%, and the {name} fields the phone's script fills in.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdif]|%%|\{\w+\}")


def po_path(lang: str) -> Path:
    """The language's catalogue file."""
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def source_messages() -> dict[tuple[str | None, str], str]:
    """Every wrapped text of the code and templates, as `make i18n` extracts them.

    (context, id) -> where it is.
    """
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_pgettext": ((1, "c"), 2), "N_": None,
                "Nn_": (1, 2)}
    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        msgid = message[0] if isinstance(message, tuple | list) else message
        found.setdefault((context, msgid), f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def sources():
    """The texts of the code, extracted once for the module."""
    return source_messages()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_a_catalogue_with_three_plural_forms(lang):
    catalogue = read_catalogue(po_path(lang))
    assert catalogue.num_plurals == 3, catalogue.plural_forms


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_of_the_code_is_in_the_catalogue(lang, sources):
    known = {(m.context, m.id if isinstance(m.id, str) else m.id[0])
             for m in read_catalogue(po_path(lang))}
    missing = [f"{where}: {key[1]!r}" for key, where in sources.items() if key not in known]
    assert not missing, f"{len(missing)} texts not in {lang} (run `make i18n`):\n" + \
        "\n".join(missing)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_entry_is_translated_and_not_fuzzy(lang):
    problems = []
    for m in read_catalogue(po_path(lang)):
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy:
            problems.append(f"fuzzy: {m.id!r}")
        elif not all(s.strip() for s in strings) or (m.pluralizable and len(strings) != 3):
            problems.append(f"untranslated: {m.id!r}")
    assert not problems, f"{len(problems)} entries in {lang}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders_of_the_english_text(lang):
    problems, catalogue = [], read_catalogue(po_path(lang))
    for m in catalogue:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        # Plural forms follow the English plural, which has every placeholder the singular has.
        expected = Counter(PLACEHOLDER.findall(ids[-1]))
        for s in strings:
            if s and Counter(PLACEHOLDER.findall(s)) != expected:
                problems.append(f"{m.id!r} -> {s!r}")
        problems += [f"{m.id!r}: {err}" for err in m.check(catalogue)]
    assert not problems, "\n".join(problems)


def test_catalogues_compile_and_translate(tmp_path):
    built = compile_catalogues(TRANSLATIONS, out=tmp_path)
    assert {p.parent.parent.name for p in built} == set(LANGUAGES)
    assert {p.parent.parent.name for p in catalogues()} == set(LANGUAGES)
    pl = Translations.load(str(tmp_path), ["pl"])
    ru = Translations.load(str(tmp_path), ["ru"])
    assert pl.gettext("Log out") == "Wyloguj się"
    assert ru.gettext("Log out") == "Выйти"


@pytest.mark.parametrize(("lang", "forms"), [
    ("pl", {1: "Zaplanowano 1 wizytę.", 2: "Zaplanowano 2 wizyty.", 5: "Zaplanowano 5 wizyt.",
            22: "Zaplanowano 22 wizyty.", 12: "Zaplanowano 12 wizyt."}),
    ("ru", {1: "Запланирован 1 визит.", 2: "Запланировано 2 визита.", 5: "Запланировано 5 визитов.",
            21: "Запланирован 21 визит.", 11: "Запланировано 11 визитов."}),
])
def test_plural_forms_follow_the_language(tmp_path, lang, forms):
    compile_catalogues(TRANSLATIONS, out=tmp_path)
    t = Translations.load(str(tmp_path), [lang])
    for n, expected in forms.items():
        text = t.ngettext("%(num)d visit scheduled.", "%(num)d visits scheduled.", n)
        assert text % {"num": n} == expected

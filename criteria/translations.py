"""Which texts of a set lack a language: checked before a version is published.

A text counts when it is given in some language; it is missing in a language that it lacks.
Steps of an interval criterion count as one text (their list per language). Pure: no Flask, no db.

    >>> cs = CriteriaSet("s", {"en": "Shop", "pl": "Sklep"}, "physical", sections=[
    ...     Section("a", {"en": "Entry"}, criteria=[Criterion("hi", "yes_no", {"en": "Hello?"})])])
    >>> missing_texts(cs, ("en", "pl"))
    {'pl': [MissingText(where='a', field='title'), MissingText(where='hi', field='text')]}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from criteria.model import CriteriaSet, Criterion, Section  # noqa: F401 - the doctest uses them


@dataclass(frozen=True)
class MissingText:
    """One text lacking a language: `where` is the set's, a section's or a criterion's key;
    `field` is name, description, title, text, guidance, steps or option:<option key>."""

    where: str
    field: str


def missing_texts(cs: CriteriaSet, languages: tuple[str, ...]) -> dict[str, list[MissingText]]:
    """Per language (only those with gaps, in the order given): the texts it lacks, in set order."""
    found: dict[str, list[MissingText]] = {}
    for where, field, texts in _texts(cs):
        if not any(texts.values()):
            continue  # an optional text left out in every language is not missing
        for lang in languages:
            if not texts.get(lang):
                found.setdefault(lang, []).append(MissingText(where, field))
    return {lang: found[lang] for lang in languages if lang in found}


def _texts(cs: CriteriaSet) -> Iterator[tuple[str, str, Mapping]]:
    """Every translatable text of the set as (where, field, texts by language)."""
    yield cs.key, "name", cs.name
    yield cs.key, "description", cs.description
    for section in cs.sections:
        yield section.key, "title", section.title
        for criterion in section.criteria:
            yield criterion.key, "text", criterion.text
            yield criterion.key, "guidance", criterion.guidance
            for option in criterion.options:
                yield criterion.key, f"option:{option.key}", option.label
            if criterion.steps:
                yield criterion.key, "steps", criterion.steps

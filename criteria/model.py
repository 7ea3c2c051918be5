"""Criteria sets as plain data: a set has sections, a section has criteria."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

Texts = dict[str, str]

ANSWER_TYPES = (
    "yes_no", "rating", "choice", "duration", "count", "number", "text", "photo", "interval",
    "multi_choice", "amount", "nps",
)
# nps is recorded for the reports' Net Promoter Score, never for the visit score.
UNSCORED_TYPES = ("text", "photo", "nps")
BANDED_TYPES = ("duration", "count", "number", "interval")
# An amount is recorded as it is and scored only when the set gives it bands.
OPTIONALLY_BANDED_TYPES = ("amount",)
OPTION_TYPES = ("choice", "multi_choice")
# A condition (show_if, evidence.when) as written in the file: {key: test, ...}, {all: [..]},
# {any: [..]}; criteria/logic.py checks and evaluates it.
Condition = dict
CHANNELS = ("physical", "online", "any")
KNOCKOUT_SCOPES = ("section", "visit")
UNITS = ("seconds", "minutes", "hours", "days")


def is_number(value: object) -> bool:
    """A finite int or float; bools are not numbers here even though Python says so."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too big for a float
        return False


def is_int(value: object) -> bool:
    """An int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def text(texts: Texts, lang: str) -> str:
    """Return the text in `lang`, falling back to English."""
    return texts.get(lang) or texts.get("en", "")


@dataclass(frozen=True)
class Band:
    """Points for values up to `max`; the last band has no max and catches the rest."""

    max: float | None
    points: float


@dataclass(frozen=True)
class Option:
    """One answer of a choice criterion."""

    key: str
    label: Texts
    points: float


@dataclass(frozen=True)
class Evidence:
    """What an answer requires before its section can be left: a comment and/or photos.

    `when` is a value test on the criterion's own answer (as in a show_if, without the key);
    None means every answer needs the evidence.
    """

    when: object = None
    comment: bool = False
    photos: int = 0


@dataclass(frozen=True)
class Criterion:
    """One question of a set; `key` is stable across versions so scores stay comparable."""

    key: str
    type: str
    text: Texts
    guidance: Texts = field(default_factory=dict)
    weight: float = 1
    required: bool | None = None
    na_allowed: bool = False
    knockout: bool = False
    channel: str = "any"
    invert: bool = False
    scale: int | None = None
    options: list[Option] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    steps: dict[str, list[str]] | None = None
    deadline: int | None = None
    unit: str | None = None
    # Ready-made reasons a reviewer picks from when correcting this criterion: {lang: [text]}.
    review_comments: dict[str, list[str]] = field(default_factory=dict)
    show_if: Condition | None = None
    photos: bool = False
    evidence: Evidence | None = None
    currency: str | None = None

    def __post_init__(self) -> None:
        """Resolve `required` to its default for the type."""
        if self.required is None:
            # Frozen, so assign through object; None means "the default for this type".
            object.__setattr__(self, "required", self.scored)

    @property
    def scored(self) -> bool:
        """Whether answers earn points (text, photo and nps never; amount only with bands)."""
        if self.type in OPTIONALLY_BANDED_TYPES:
            return bool(self.bands)
        return self.type not in UNSCORED_TYPES

    @property
    def takes_photos(self) -> bool:
        """Whether the shopper may attach photos: photo questions, `photos: true`, or evidence."""
        return self.type == "photo" or self.photos or bool(self.evidence and self.evidence.photos)


@dataclass(frozen=True)
class Section:
    """An ordered group of criteria with its own weight in the visit score."""

    key: str
    title: Texts
    weight: float = 1
    criteria: list[Criterion] = field(default_factory=list)
    show_if: Condition | None = None


@dataclass(frozen=True)
class CriteriaSet:
    """A named checklist: sections of criteria plus the pass and knock-out rules."""

    key: str
    name: Texts
    channel: str
    knockout_scope: str = "section"
    pass_mark: float = 80
    description: Texts = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    alert_below: float | None = None  # managers are alerted below it; None: the pass mark

    @property
    def alert_threshold(self) -> float:
        """The score below which a published visit alerts managers: alert_below or pass_mark."""
        return self.pass_mark if self.alert_below is None else self.alert_below

    def criteria(self) -> Iterator[Criterion]:
        """Iterate over all criteria in order, section by section."""
        for section in self.sections:
            yield from section.criteria

    def criterion(self, key: str) -> Criterion:
        """Return the criterion with `key` or raise KeyError."""
        for criterion in self.criteria():
            if criterion.key == key:
                return criterion
        raise KeyError(key)

    def section_of(self, key: str) -> Section:
        """Return the section holding criterion `key` or raise KeyError."""
        for section in self.sections:
            if any(c.key == key for c in section.criteria):
                return section
        raise KeyError(key)

"""The shapes of the API's answers, as pydantic models: one source for the answers and for the
OpenAPI document (audit/api/openapi.py), so the two cannot drift apart.

Nothing here names a shopper: a visit has a public reference, a store, times and scores.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Score = float | None


class Error(BaseModel):
    """A refused request: a stable code for programs and an English sentence for people."""

    error: str
    message: str


class Store(BaseModel):
    """A physical shop or an online shop."""

    id: int
    code: str
    name: str
    channel: Literal["physical", "online"]
    region: str
    address: str | None
    url: str | None
    archived: bool


class StoreList(BaseModel):
    """Every store the token's user sees, by region and code."""

    items: list[Store]


class SectionScore(BaseModel):
    """One section of a visit: its score (null when nothing in it applied)."""

    key: str
    title: str
    score: Score
    knocked_out: bool


class Answer(BaseModel):
    """One criterion's answer as scored: points in [0, 1], earned and possible by weight."""

    criterion_key: str
    section_key: str
    question: str
    type: str
    value: Any = Field(description="As the criterion's type stores it: true/false, seconds, "
                                   "a number, an option key, text, or {from, to}")
    na: bool
    comment: str | None
    points: Score
    earned: Score
    possible: Score


class Visit(BaseModel):
    """A published visit with its score, sections and answers."""

    id: str = Field(description="The visit's public reference (opaque; never the shopper)")
    store_id: int
    store_code: str
    day: str = Field(description="The day the visit counts on (YYYY-MM-DD)")
    started_at: str | None
    ended_at: str | None
    published_at: str | None
    criteria_set: str
    criteria_version: int
    pass_mark: float
    score: Score
    passed: bool | None
    knocked_out: bool
    sections: list[SectionScore]
    answers: list[Answer]


class VisitPage(BaseModel):
    """One page of published visits, oldest reference first; pass next_cursor for the next."""

    items: list[Visit]
    next_cursor: str | None


class Period(BaseModel):
    """Days from start to end, both included."""

    start: str
    end: str


class SectionFigure(BaseModel):
    """A section's mean score in the store against its region's and the chain's."""

    key: str
    title: str
    store: Score
    region: Score
    chain: Score
    knocked_out: int


class StoreFigures(BaseModel):
    """A store's figures for a period: the numbers its PDF report prints."""

    store_id: int
    store_code: str
    period: Period
    previous_period: Period
    score: Score
    previous_score: Score
    change: Score
    visits: int
    previous_visits: int
    passed: int
    knocked_out: int
    region_average: Score
    chain_average: Score
    pass_mark: float
    sections: list[SectionFigure]


class RankedStore(BaseModel):
    """One store in its region's ranking (rank null without a score)."""

    store_id: int
    store_code: str
    rank: int | None
    score: Score
    change: Score
    visits: int
    passed: int
    knocked_out: int
    sections: list[Score]


class SectionAverage(BaseModel):
    """A section's mean score over the region's stores of a channel."""

    key: str
    title: str
    average: Score


class ChannelFigures(BaseModel):
    """A region's figures for one channel (physical or online)."""

    channel: Literal["physical", "online"]
    score: Score
    pass_mark: float
    sections: list[SectionAverage]
    stores: list[RankedStore]


class RegionFigures(BaseModel):
    """A region's figures for a period, as its summary report prints them; a manager's lists
    only their own stores."""

    region: str
    period: Period
    groups: list[ChannelFigures]


class Action(BaseModel):
    """A corrective step for a store, and where it stands."""

    id: int
    store_id: int
    store_code: str
    criterion_key: str | None
    text: str
    owner: str | None
    due_date: str
    status: Literal["open", "done", "dropped"]
    state: str = Field(description="open, overdue, done, awaiting, confirmed, not_confirmed "
                                   "or dropped")
    done_at: str | None
    source_visit: str | None
    created_at: str
    updated_at: str


class ActionList(BaseModel):
    """The actions of the stores the token's user sees, soonest due first."""

    items: list[Action]


MODELS = (Error, StoreList, Store, VisitPage, Visit, StoreFigures, RegionFigures, ActionList)

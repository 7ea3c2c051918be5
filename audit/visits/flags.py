"""Warnings a reviewer sees about a visit: one rule each, stored as codes with parameters.

A flag is `{"code": ..., "params": {...}}`, never a sentence: the shopper who caused it and the
reviewer who reads it may speak different languages, so audit/web/flag_text.py writes it in the
reader's language when it is shown. The rules:

- no_position: a physical visit was started without the phone's position.
- far_start {metres, accuracy}: started more than FAR_START_METRES from the store.
- short_visit {took_seconds, usual_seconds}: the visit took under SHORT_SHARE of the usual
  length of its criteria set (usual_seconds below).
- photos_missing {criteria}: photo criteria of the visit's checklist without a photo. Worked out
  when shown, from the visit's own photos: a returned visit may still gain them.

The first three are decided once, at start or submission, and stored in `visits.flags`; the
review pages read them back and never the visit history, so their cost does not grow with it.
No Flask, no Babel: the rules run in a request, the CLI or a test alike.
"""

from __future__ import annotations

import json
import math
import statistics
from enum import StrEnum
from typing import TypedDict

from sqlite_utils import Database

from audit.vocabulary import DONE, Channel
from criteria.model import CriteriaSet

EARTH_RADIUS_M = 6_371_000
# Half the usual length: a reviewer reads "took 9 min, usual 25 min" and sees at once why it is
# flagged. The two rules before (40% at submission, 50% on the review pages) disagreed on
# visits between the two; 50% keeps every visit either of them showed to reviewers.
SHORT_SHARE = 0.5
USUAL_SAMPLE = 200  # the newest visits of the set the usual length is the median of
USUAL_MIN_HISTORY = 5  # fewer visits than this: no usual length, no short_visit flag


class FlagCode(StrEnum):
    """What a flag warns about; the value is what `visits.flags` stores."""

    NO_POSITION = "no_position"
    FAR_START = "far_start"
    SHORT_VISIT = "short_visit"
    PHOTOS_MISSING = "photos_missing"


class Flag(TypedDict):
    """One warning: its code and the figures its text needs."""

    code: str
    params: dict


def flag(code: FlagCode, **params: object) -> Flag:
    """A flag of this code with these parameters."""
    return {"code": str(code), "params": params}


# ---------------------------------------------------------------- stored flags


def load(stored: str | None) -> list[Flag]:
    """The flags of a `visits.flags` value; an entry without params gets empty ones."""
    flags = json.loads(stored or "[]")
    return [{**f, "params": f.get("params") or {}} for f in flags if isinstance(f, dict)]


def merge(stored: str | None, new: list[Flag]) -> str:
    """The stored flags with new ones added, one per code (the first one stays)."""
    flags = load(stored)
    codes = {f["code"] for f in flags}
    flags += [f for f in new if f["code"] not in codes]
    return json.dumps(flags, ensure_ascii=False)


# ---------------------------------------------------------------- at the start


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def start_flags(channel: str, phone: tuple[float | None, float | None],
                store: tuple[float | None, float | None], accuracy: float | None,
                far_metres: float) -> tuple[float | None, list[Flag]]:
    """The distance of the phone from the store at the start, and the flags it raises."""
    if channel != Channel.PHYSICAL:
        return None, []
    if None in phone:
        return None, [flag(FlagCode.NO_POSITION)]
    if None in store:
        return None, []  # a store without a position: nothing to compare with
    metres = distance_m(*phone, *store)
    if metres <= far_metres:
        return metres, []
    return metres, [flag(FlagCode.FAR_START, metres=round(metres),
                         accuracy=None if accuracy is None else round(accuracy))]


# ---------------------------------------------------------------- at submission


def usual_seconds(db: Database, version_id: int) -> float | None:
    """The usual length of a visit of this version's criteria set, in seconds, or None.

    The median over the newest USUAL_SAMPLE submitted (or approved, published) visits of any
    version of the set with both times, read newest first along visits_version_submitted (m011):
    at most USUAL_SAMPLE index entries per version, however long the history.
    """
    versions = [r[0] for r in db.execute(
        "SELECT id FROM criteria_versions WHERE set_id ="
        " (SELECT set_id FROM criteria_versions WHERE id = ?)", [version_id])]
    marks = ",".join("?" * len(DONE))
    newest: list[tuple[str, float]] = []
    for version in versions:
        newest += db.execute(
            f"""SELECT submitted_at, ROUND((julianday(ended_at) - julianday(started_at)) * 86400)
                FROM visits INDEXED BY visits_version_submitted
                WHERE version_id = ? AND submitted_at IS NOT NULL AND status IN ({marks})
                AND started_at IS NOT NULL AND ended_at IS NOT NULL
                ORDER BY submitted_at DESC LIMIT ?""",  # noqa: S608 - placeholders only
            [version, *DONE, USUAL_SAMPLE]).fetchall()
    newest.sort(reverse=True)
    lengths = [s for _at, s in newest[:USUAL_SAMPLE] if s is not None and s > 0]
    return statistics.median(lengths) if len(lengths) >= USUAL_MIN_HISTORY else None


def short_visit(took_seconds: float | None, usual: float | None,
                share: float = SHORT_SHARE) -> list[Flag]:
    """A flag when the visit took under `share` of the usual length of its set."""
    if took_seconds is None or usual is None or took_seconds >= usual * share:
        return []
    return [flag(FlagCode.SHORT_VISIT, took_seconds=round(took_seconds),
                 usual_seconds=round(usual))]


# ---------------------------------------------------------------- when shown


def photo_criteria(cs: CriteriaSet, channel: str) -> list[str]:
    """The keys of the photo criteria a visit of this channel answers, in order."""
    return [c.key for c in cs.criteria() if c.type == "photo" and c.channel in ("any", channel)]


def photos_missing(photo_keys: list[str], have: set[str]) -> list[Flag]:
    """A flag naming the photo criteria (photo_criteria()) that have no photo."""
    keys = [key for key in photo_keys if key not in have]
    return [flag(FlagCode.PHOTOS_MISSING, criteria=keys)] if keys else []

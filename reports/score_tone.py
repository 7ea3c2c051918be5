"""The one score-colour rule, for web pages and PDFs alike: a score is read against its set's
pass mark, not against fixed numbers.

- "good": at or above the pass mark;
- "mid": less than 20 points below it;
- "bad": further below;
- "none": no score.
A set that leaves its pass mark out passes at 80 (criteria.model.CriteriaSet).
"""

from __future__ import annotations

from criteria.model import CriteriaSet

MID_BAND = 20
DEFAULT_PASS_MARK: float = CriteriaSet.pass_mark  # the dataclass default


def score_tone(score: float | None, pass_mark: float | None = None) -> str:
    """"good", "mid", "bad" or "none" for a score (0-100) against the set's pass mark."""
    if score is None:
        return "none"
    mark = DEFAULT_PASS_MARK if pass_mark is None else pass_mark
    if score >= mark:
        return "good"
    return "mid" if score >= mark - MID_BAND else "bad"

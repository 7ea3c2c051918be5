"""Published visits of stores in a period: the rows every store report starts from."""

from __future__ import annotations

from sqlite_utils import Database

from reports.figures import VISIT_DAY
from reports.period import Period


def published_visits(db: Database, store_ids: list[int], period: Period) -> list[dict]:
    """Published visits of these stores in the period, oldest first, without the shopper."""
    if not store_ids:
        return []
    marks = ",".join("?" * len(store_ids))
    sql = f"""SELECT v.id, v.ref, v.store_id, v.version_id, v.started_at, v.ended_at, v.score,
                     v.passed, v.knocked_out, v.online_channel, {VISIT_DAY} AS day
              FROM visits v
              WHERE v.store_id IN ({marks}) AND v.status = 'published'
                AND {VISIT_DAY} BETWEEN ? AND ?
              ORDER BY day, v.started_at, v.id"""  # noqa: S608
    return list(db.query(sql, [*store_ids, period.start.isoformat(), period.end.isoformat()]))



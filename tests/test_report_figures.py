"""Region and chain figures kept per process (reports/figures.py): reused while the data under
them stands, read afresh in the transaction after anything that changes them."""

from __future__ import annotations

import statistics
from datetime import date

import pytest
from conftest import make_store, make_user, make_visit
from test_reports import PERIOD, answers, published

from audit.stores import save_store
from audit.visits import review as review_flow
from audit.visits.answers import AnswerInput
from reports import aggregate, figures
from reports.aggregate import Period


@pytest.fixture
def chain(app, db):
    """Two stores in Małopolskie and one in Śląskie, a published visit each in PERIOD."""
    shopper = make_user(db, "shopper", "zofia@example.com")
    krk = make_store(db, "KRK-1", region="Małopolskie")
    tar = make_store(db, "TAR-1", region="Małopolskie")
    kat = make_store(db, "KAT-1", region="Śląskie")
    visits = {code: published(db, store, shopper, "2026-10-05", n)
              for n, (code, store) in enumerate([("KRK-1", krk), ("TAR-1", tar), ("KAT-1", kat)])}
    return {"shopper": shopper, "krk": krk, "tar": tar, "kat": kat, "visits": visits}


def summary(db, store_id, period=PERIOD) -> dict:
    return aggregate.store_report(db, store_id, period, "en")["summary"]


def scores(db, *visit_ids) -> list[float]:
    return [db["visits"].get(v)["score"] for v in visit_ids]


def test_figures_are_reused_until_the_data_under_them_changes(app, db, chain, people):
    args = ("physical", "2026-09-01", "2026-11-30", "2025-12-01")
    first = figures.channel_figures(db, *args)
    assert figures.channel_figures(db, *args) is first
    # A visit scheduled, started, answered and submitted is not in any average yet.
    before = figures.stamp(db)
    visit = make_visit(db, chain["tar"], chain["shopper"], status="submitted",
                       answers=answers(db, 0.1, 7), started_at="2026-10-20T09:00:00+00:00")
    assert figures.stamp(db) == before
    assert figures.channel_figures(db, *args) is first
    review_flow.approve(db, visit, people["admin"])
    review_flow.publish(db, visit, people["admin"])
    assert figures.stamp(db) > before
    assert figures.channel_figures(db, *args) is not first


def test_a_visit_published_at_another_store_moves_the_region_average(app, db, chain, people):
    region = [chain["visits"]["KRK-1"], chain["visits"]["TAR-1"]]
    assert summary(db, chain["krk"])["region"] == pytest.approx(
        statistics.fmean(scores(db, *region)))
    low = make_visit(db, chain["tar"], chain["shopper"], status="submitted",
                     answers=answers(db, 0.05, 8), started_at="2026-10-21T09:00:00+00:00")
    review_flow.approve(db, low, people["admin"])
    review_flow.publish(db, low, people["admin"])
    after = summary(db, chain["krk"])
    assert after["region"] == pytest.approx(statistics.fmean(scores(db, *region, low)))
    everyone = [*region, chain["visits"]["KAT-1"], low]
    assert after["chain"] == pytest.approx(statistics.fmean(scores(db, *everyone)))


def test_a_correction_of_a_published_visit_moves_the_section_averages(app, db, chain, people):
    def greeting(data):
        return next(s for s in data["sections"] if s["key"] == "first_contact")

    before = greeting(aggregate.store_report(db, chain["krk"], PERIOD, "en"))
    review_flow.correct(db, chain["visits"]["TAR-1"], people["admin"],
                        AnswerInput("greeted_on_entry", False), reason="Checked the receipt.")
    review_flow.correct(db, chain["visits"]["TAR-1"], people["admin"],
                        AnswerInput("served_at_all", False), reason="Checked the receipt.")
    after = greeting(aggregate.store_report(db, chain["krk"], PERIOD, "en"))
    assert after["store"] == before["store"]
    assert after["region"] < before["region"] and after["chain"] < before["chain"]


def test_a_store_moved_to_another_region_takes_its_visits_along(app, db, chain):
    assert summary(db, chain["kat"])["region"] == pytest.approx(
        scores(db, chain["visits"]["KAT-1"])[0])
    tar = db["stores"].get(chain["tar"])
    save_store(db, chain["tar"], {**tar, "region": "Śląskie"})
    moved = [chain["visits"]["KAT-1"], chain["visits"]["TAR-1"]]
    assert summary(db, chain["kat"])["region"] == pytest.approx(
        statistics.fmean(scores(db, *moved)))
    assert summary(db, chain["krk"])["region"] == pytest.approx(
        scores(db, chain["visits"]["KRK-1"])[0])


def test_trend_months_of_region_and_chain_come_from_the_same_figures(app, db, chain):
    trend = aggregate.monthly_trend(db, db["stores"].get(chain["krk"]),
                                    Period(date(2026, 9, 1), date(2026, 11, 30)))
    october = next(t for t in trend if t["month"] == "2026-10")
    assert october["visits"] == 1
    assert october["store"] == pytest.approx(scores(db, chain["visits"]["KRK-1"])[0])
    assert october["region"] == pytest.approx(statistics.fmean(
        scores(db, chain["visits"]["KRK-1"], chain["visits"]["TAR-1"])))
    everyone = scores(db, *chain["visits"].values())
    assert october["chain"] == pytest.approx(statistics.fmean(everyone))
    assert next(t for t in trend if t["month"] == "2026-09")["region"] is None


def test_figures_keep_to_their_channel_and_their_period(app, db, chain):
    """A visit before the period counts in its month of the trend only; a visit of an online
    store of the same region counts in neither."""
    august = published(db, chain["kat"], chain["shopper"], "2026-08-14", 9)
    online = make_store(db, "WEB-1", channel="online", region="Małopolskie")
    make_visit(db, online, chain["shopper"], status="published",
               answers=answers(db, 0.2, 10, slug="online-shop"),
               started_at="2026-10-06T10:00:00+00:00")
    everyone = scores(db, *chain["visits"].values())
    assert summary(db, chain["krk"])["chain"] == pytest.approx(statistics.fmean(everyone))
    trend = aggregate.monthly_trend(db, db["stores"].get(chain["krk"]), PERIOD)
    by_month = {t["month"]: t for t in trend}
    assert by_month["2026-08"]["chain"] == pytest.approx(scores(db, august)[0])
    assert by_month["2026-10"]["chain"] == pytest.approx(statistics.fmean(everyone))
    assert by_month["2026-10"]["region"] == pytest.approx(statistics.fmean(
        scores(db, chain["visits"]["KRK-1"], chain["visits"]["TAR-1"])))

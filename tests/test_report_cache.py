"""The store report's cached PDF covers every figure it prints: the store's own visits, and the
region and chain averages it compares them with."""

from __future__ import annotations

import re
import time

import pytest
from conftest import make_store, make_user, make_visit
from test_reports import PERIOD, answers, pdf_text, published, store_pdf

from audit.stores import save_store
from audit.visits import review as review_flow
from reports import aggregate, render


@pytest.fixture
def region(app, db):
    """Two stores of Małopolskie and one of Śląskie, a published visit each in PERIOD."""
    shopper = make_user(db, "shopper", "zofia@example.com")
    stores = {code: make_store(db, code, region=where) for code, where in
              (("KRK-1", "Małopolskie"), ("TAR-1", "Małopolskie"), ("KAT-1", "Śląskie"))}
    for n, store in enumerate(stores.values()):
        published(db, store, shopper, "2026-10-05", n)
    return {"shopper": shopper, **stores}


def printed_average(path, label: str) -> str:
    """The score printed after `label` in the PDF's summary table."""
    found = re.search(re.escape(label) + r"\s+([\d.,]+)", pdf_text(path))
    assert found, f"{label!r} not in the PDF"
    return found.group(1)


def publish_low_visit(db, people, store_id: int, shopper: int) -> None:
    """A poor visit of `store_id`, submitted, approved and published."""
    visit = make_visit(db, store_id, shopper, status="submitted", answers=answers(db, 0.05, 8),
                       started_at="2026-10-21T09:00:00+00:00")
    review_flow.approve(db, visit, people["admin"])
    review_flow.publish(db, visit, people["admin"])


def test_store_pdf_shows_new_region_average_after_a_publish_at_another_store(
        app, db, region, people):
    label = "Region average (Małopolskie)"
    first = store_pdf(app, db, region["KRK-1"])
    before = printed_average(first, label)
    publish_low_visit(db, people, region["TAR-1"], region["shopper"])
    expected = aggregate.store_report(db, region["KRK-1"], PERIOD, "en")["summary"]["region"]
    second = store_pdf(app, db, region["KRK-1"])
    assert printed_average(second, label) == f"{expected:.1f}" != before


def test_store_pdf_shows_new_chain_average_after_a_publish_in_another_region(
        app, db, region, people):
    first = store_pdf(app, db, region["KRK-1"])
    region_before = printed_average(first, "Region average (Małopolskie)")
    chain_before = printed_average(first, "Chain average")
    publish_low_visit(db, people, region["KAT-1"], region["shopper"])
    second = store_pdf(app, db, region["KRK-1"])
    assert printed_average(second, "Chain average") != chain_before
    assert printed_average(second, "Region average (Małopolskie)") == region_before


def test_store_pdf_cached_while_no_figure_it_prints_changes(app, db, region, people):
    first = store_pdf(app, db, region["KRK-1"])
    written = first.stat().st_mtime_ns
    # An online store's visit moves no average a physical store's report compares with.
    online = make_store(db, "WEB-1", channel="online", region="Małopolskie")
    make_visit(db, online, region["shopper"], status="published",
               answers=answers(db, 0.2, 10, slug="online-shop"),
               started_at="2026-10-06T10:00:00+00:00")
    started = time.perf_counter()
    again = store_pdf(app, db, region["KRK-1"])
    took = time.perf_counter() - started
    assert again == first and first.stat().st_mtime_ns == written
    print(f"cached store report served in {took * 1000:.1f} ms")


def test_region_summary_pdf_lists_a_store_moved_into_the_region(app, db, region):
    def summary():
        return pdf_text(render.summary_pdf(db, PERIOD, "en", report_dir=app.config["REPORT_DIR"],
                                           region="Śląskie"))

    assert "TAR-1" not in summary()
    save_store(db, region["TAR-1"], {**db["stores"].get(region["TAR-1"]), "region": "Śląskie"})
    assert "TAR-1" in summary()

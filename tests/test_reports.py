"""Store, visit and summary PDFs read back with pypdf; the cache; the CSV; the period rules."""

from __future__ import annotations

import io
import random
import statistics
from datetime import UTC, date, datetime

import pytest
from conftest import make_store, make_user, make_visit
from pypdf import PdfReader

from audit.criteria_sets.versions import current_version_id, version_set
from audit.demo import answer_value
from audit.visits import review as review_flow
from audit.visits.scores import compute
from criteria.scoring import round_score
from reports import aggregate, csv_export, render
from reports.aggregate import Period, PeriodError

SHOPPER = "Zofia Tajemnicza"
PERIOD = Period(date(2026, 9, 1), date(2026, 11, 30))


def answers(db, quality: float, seed: int, slug: str = "physical-store", **fixed) -> dict:
    """Plausible valid answers for every criterion of a built-in set (the physical one)."""
    cs = version_set(db, current_version_id(db, slug))
    rng = random.Random(seed)
    start = datetime(2026, 10, 1, 10, tzinfo=UTC)
    out = {c.key: answer_value(c, quality, start, rng) for c in cs.criteria()
           if c.type != "photo" and c.channel in ("any", cs.channel)}
    return {**out, **fixed}


def published(db, store_id, shopper_id, day: str, seed: int, **fixed) -> int:
    """A published visit of the store on that day."""
    return make_visit(db, store_id, shopper_id, status="published", answers=answers(
        db, 0.7, seed, **fixed), started_at=f"{day}T10:00:00+00:00",
        ended_at=f"{day}T10:25:00+00:00", submitted_at=f"{day}T10:25:00+00:00",
        published_at=f"{day}T12:00:00+00:00")


@pytest.fixture
def shop(app, db):
    """A store with three published visits in PERIOD (one a knock-out) and one before it."""
    shopper = make_user(db, "shopper", "zofia@example.com", name=SHOPPER)
    store_id = make_store(db, "KRK-9", name="Kraków Łódź Żółć", region="Małopolskie")
    other = make_store(db, "KRK-8", region="Małopolskie")
    ids = [published(db, store_id, shopper, d, i) for i, d in
           enumerate(["2026-09-10", "2026-10-05", "2026-11-20"])]
    ko = published(db, store_id, shopper, "2026-11-25", 9, served_at_all=False)
    published(db, store_id, shopper, "2026-07-01", 10)
    published(db, other, shopper, "2026-10-01", 11)
    return {"store_id": store_id, "visits": [*ids, ko], "knockout": ko, "shopper": shopper,
            "other": other}


def pdf_text(path) -> str:
    """All text of a PDF, pages joined."""
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def store_pdf(app, db, store_id, period=PERIOD, lang="en"):
    """The cached store report path."""
    return render.store_pdf(db, store_id, period, lang, report_dir=app.config["REPORT_DIR"],
                            upload_dir=app.config["UPLOAD_DIR"])


def test_store_pdf_shows_store_engine_score_sections_and_no_shopper(app, db, shop):
    text = pdf_text(store_pdf(app, db, shop["store_id"]))
    engine = statistics.fmean(compute(db, v).score for v in shop["visits"])
    assert "Kraków Łódź Żółć" in text and "KRK-9" in text
    assert f"{round_score(engine):.1f}" in text
    for title in ("First contact and greeting", "Waiting and queue", "Prices and transparency"):
        assert title in text
    assert SHOPPER not in text and "zofia" not in text.lower()


def test_store_pdf_marks_failed_knockout_as_auto_fail(app, db, shop):
    text = pdf_text(store_pdf(app, db, shop["store_id"]))
    assert "AUTO-FAIL" in text.upper()
    assert "Visit of November 25, 2026" in text


def test_store_pdf_is_tagged_a4_with_title_and_language(app, db, shop):
    reader = PdfReader(store_pdf(app, db, shop["store_id"], lang="pl"))
    assert "KRK-9" in reader.metadata.title
    assert reader.trailer["/Root"]["/Lang"] == "pl"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_polish_report_uses_polish_criteria_texts(app, db, shop):
    text = pdf_text(store_pdf(app, db, shop["store_id"], lang="pl"))
    assert "Pierwszy kontakt i powitanie" in text


def test_period_without_visits_gives_one_page_that_says_so(app, db, shop):
    path = store_pdf(app, db, shop["store_id"], Period(date(2025, 1, 1), date(2025, 1, 31)))
    reader = PdfReader(path)
    assert len(reader.pages) == 1
    assert "No published visits in this period" in reader.pages[0].extract_text()


def test_cache_serves_same_file_until_a_visit_is_published(app, db, shop, people):
    first = store_pdf(app, db, shop["store_id"])
    stamp = first.stat().st_mtime_ns
    assert store_pdf(app, db, shop["store_id"]) == first
    assert first.stat().st_mtime_ns == stamp
    visit = make_visit(db, shop["store_id"], shop["shopper"], status="submitted",
                       answers=answers(db, 0.2, 5), started_at="2026-11-27T09:00:00+00:00")
    assert store_pdf(app, db, shop["store_id"]) == first  # submitted: managers do not see it
    review_flow.approve(db, visit, people["admin"])
    review_flow.publish(db, visit, people["admin"])
    second = store_pdf(app, db, shop["store_id"])
    assert second != first and not first.exists()
    assert "Visit of November 27, 2026" in pdf_text(second)


def test_cache_invalidated_by_a_correction_after_publishing(app, db, shop, people):
    from audit.visits.answers import AnswerInput

    first = store_pdf(app, db, shop["store_id"])
    review_flow.correct(db, shop["visits"][0], people["admin"],
                        AnswerInput("greeted_on_entry", False), reason="Checked the receipt.")
    assert store_pdf(app, db, shop["store_id"]) != first


def test_store_report_queries_do_not_grow_with_visits(app, db, shop):
    calls = []
    db.conn.set_trace_callback(calls.append)
    aggregate.store_report(db, shop["store_id"], PERIOD, "en")
    few = len(calls)
    for i in range(5):
        published(db, shop["store_id"], shop["shopper"], f"2026-10-1{i}", 20 + i)
    calls.clear()
    aggregate.store_report(db, shop["store_id"], PERIOD, "en")
    db.conn.set_trace_callback(None)
    assert len(calls) == few


def test_region_and_chain_averages_compare_same_channel(app, db, shop):
    data = aggregate.store_report(db, shop["store_id"], PERIOD, "en")
    scores = [db["visits"].get(v)["score"] for v in shop["visits"]]
    other = db.execute("SELECT score FROM visits WHERE store_id = ? AND status = 'published'",
                       [shop["other"]]).fetchone()[0]
    assert data["summary"]["score"] == pytest.approx(statistics.fmean(scores))
    assert data["summary"]["region"] == pytest.approx(statistics.fmean([*scores, other]))
    assert data["summary"]["previous_visits"] == 1


def test_visit_pdf_only_for_published_visits(app, db, shop, people):
    path = render.visit_pdf(db, shop["knockout"], "en", report_dir=app.config["REPORT_DIR"])
    text = pdf_text(path)
    assert "KRK-9" in text and "AUTO-FAIL" in text.upper() and SHOPPER not in text
    draft = make_visit(db, shop["store_id"], shop["shopper"], status="submitted")
    assert render.visit_pdf(db, draft, "en", report_dir=app.config["REPORT_DIR"]) is None


def test_summary_pdf_ranks_stores_and_compares_sections(app, db, shop):
    path = render.summary_pdf(db, PERIOD, "en", report_dir=app.config["REPORT_DIR"],
                              region="Małopolskie")
    text = pdf_text(path)
    assert "KRK-9" in text and "KRK-8" in text and "Sections compared" in text
    data = aggregate.summary_report(db, PERIOD, "en", "Małopolskie")
    ranked = data["groups"][0]["stores"]
    assert [r["rank"] for r in ranked] == [1, 2]
    assert ranked[0]["score"] >= ranked[1]["score"]


@pytest.mark.parametrize(("start", "end", "message"), [
    ("2026-13-01", "2026-12-31", "'from' must be a date"),
    ("yesterday", "2026-12-31", "'from' must be a date"),
    ("2026-01-01", "", "'to' must be a date"),
    ("2026-02-01", "2026-01-31", "start of the period is after its end"),
])
def test_bad_periods_are_refused_with_a_reason(start, end, message):
    with pytest.raises(PeriodError, match=message):
        Period.parse(start, end)


def test_previous_period_has_the_same_length():
    assert PERIOD.previous() == Period(date(2026, 6, 2), date(2026, 8, 31))


@pytest.mark.parametrize(("cell", "expected"), [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM", "'@SUM"),
    ("fine", "fine"), (3, 3),
])
def test_csv_neutralises_formula_cells(cell, expected):
    assert csv_export.neutralise(cell) == expected


def test_csv_has_answers_without_shopper_and_neutralised_comment(app, db, shop):
    db.execute("UPDATE answers SET comment = '=cmd|calc' WHERE visit_id = ?", [shop["visits"][0]])
    body = csv_export.answers_csv(db, [shop["store_id"]], PERIOD, "en")
    assert SHOPPER not in body and "shopper" not in body.splitlines()[0]
    assert "'=cmd|calc" in body and ",=cmd" not in body
    assert body.count("KRK-9,") > 30 and "KRK-8" not in body


def test_photo_thumbnails_are_embedded_as_data_uris(app, db, shop, tmp_path):
    from PIL import Image

    folder = tmp_path / "uploads"
    folder.mkdir(exist_ok=True)
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), "red").save(buf, "JPEG")
    (folder / "p1.jpg").write_bytes(buf.getvalue())
    db["photos"].insert({"visit_id": shop["visits"][0], "criterion_key": "price_tag_photo",
                         "client_id": "c1", "filename": "p1.jpg", "width": 800, "height": 600,
                         "bytes": len(buf.getvalue()), "created_at": "2026-10-01T00:00:00+00:00"})
    db["photos"].insert({"visit_id": shop["visits"][0], "criterion_key": "receipt_photo",
                         "client_id": "c2", "filename": "gone.jpg", "width": 1, "height": 1,
                         "bytes": 1, "created_at": "2026-10-01T00:00:00+00:00"})
    data = aggregate.store_report(db, shop["store_id"], PERIOD, "en")
    html = render.store_html(data, folder)
    assert html.count("data:image/jpeg;base64,") == 1
    assert "Photo not available" in html
    assert "src=\"/" not in html and "http" not in html.split("<body")[1].split("</body>")[0]


def test_more_than_three_visits_list_only_what_lost_points_or_was_noted(app, db, shop):
    data = aggregate.store_report(db, shop["store_id"], PERIOD, "en")
    assert len(data["visits"]) == 4 and data["condensed"]
    items = [a for v in data["visits"] for s in v["sections"] for a in s["answers"]]
    notable = [a for a in items if a["notable"]]
    assert 0 < len(notable) < len(items)
    assert all(a["comment"] or a["photos"] or a["possible"] is None or a["earned"] < a["possible"]
               for a in notable)
    html = render.store_html(data)
    assert html.count('<p class="ans') == len(notable)
    quiet = data["visits"][0]["full_marks"]
    assert quiet == sum(not a["notable"] for s in data["visits"][0]["sections"]
                        for a in s["answers"])
    text = " ".join(pdf_text(store_pdf(app, db, shop["store_id"])).split())
    assert f"Not listed: {quiet} criteria with full points and no note." in text


def test_up_to_three_visits_list_every_answer(app, db, shop):
    july = Period(date(2026, 7, 1), date(2026, 7, 31))
    data = aggregate.store_report(db, shop["store_id"], july, "en")
    assert len(data["visits"]) == 1 and not data["condensed"]
    answered = sum(len(s["answers"]) for s in data["visits"][0]["sections"])
    html = render.store_html(data)
    assert html.count('<p class="ans') == answered
    assert "Not listed" not in html

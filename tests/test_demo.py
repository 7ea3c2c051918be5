"""The demo command fills an empty database and refuses a non-empty one."""

from conftest import Client, make_user

from audit.demo import PASSWORDS


def test_demo_fills_an_empty_database(runner, db):
    result = runner.invoke(args=["demo", "--seed", "3", "--months", "2"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.example.com" in result.output
    assert PASSWORDS["admin@demo.example.com"] in result.output
    assert db["users"].count == len(PASSWORDS)
    assert db["stores"].count >= 8
    assert db["stores"].count_where("channel = 'online'") >= 2
    assert len({r["region"] for r in db.query("SELECT region FROM stores")}) == 2
    published = db["visits"].count_where("status = 'published'")
    assert published >= 2 * 8  # a visit a month to each store
    scores = [r["score"] for r in db.query("SELECT score FROM visits WHERE status = 'published'")]
    assert all(s is not None and 0 <= s <= 100 for s in scores)
    assert max(scores) - min(scores) > 20, "answers should vary between visits"


def test_demo_refuses_a_non_empty_database_without_force(runner, db):
    make_user(db, "admin", "someone@example.com")
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 1
    assert "The database is not empty. Use --force" in result.output
    assert db["users"].count == 1


def test_demo_if_empty_leaves_existing_data_alone(runner, db):
    make_user(db, "admin", "someone@example.com")
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert db["users"].count == 1


def test_demo_force_replaces_the_data(runner, db):
    make_user(db, "admin", "someone@example.com")
    result = runner.invoke(args=["demo", "--force", "--months", "1"])
    assert result.exit_code == 0, result.output
    assert db["users"].count_where("email = 'someone@example.com'") == 0


def test_demo_logins_work_and_every_home_shows_data(app, runner):
    assert runner.invoke(args=["demo", "--months", "2"]).exit_code == 0
    for email, home, expected in [
        ("admin@demo.example.com", "/admin/", "visits to review"),
        ("anna.nowak@demo.example.com", "/manager/", "WAW-01"),
        ("piotr.wisniewski@demo.example.com", "/manager/", "KRK-01"),
        ("kasia.shopper@demo.example.com", "/shopper/", "Scheduled"),
    ]:
        client = Client(app, email, PASSWORDS[email])
        page = client.get(home)
        assert page.status_code == 200 and expected in page.text, email


def test_manager_never_sees_the_other_regions_stores(app, runner):
    runner.invoke(args=["demo", "--months", "1"])
    page = Client(app, "anna.nowak@demo.example.com", PASSWORDS["anna.nowak@demo.example.com"])
    text = page.get("/manager/").text
    assert "WAW-01" in text and "KRK-01" not in text


def _demo(db, months=6):
    """The demo as `make run` makes it, for today."""
    from audit.demo import DemoOptions, generate

    generate(db, DemoOptions(months=months))


def test_demo_has_nothing_submitted_or_published_after_now(db):
    from datetime import UTC, datetime

    _demo(db)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    latest = db.execute("""SELECT MAX(MAX(COALESCE(started_at, '')), MAX(COALESCE(ended_at, '')),
                                      MAX(COALESCE(submitted_at, '')),
                                      MAX(COALESCE(published_at, ''))) FROM visits""").fetchone()[0]
    assert latest < now
    online = db.execute("""SELECT COUNT(*) FROM visits JOIN stores s ON s.id = store_id
                           WHERE s.channel = 'online' AND status = 'submitted'""").fetchone()[0]
    assert online >= 1  # the case that used to end in the future is still in the demo


def test_demo_leaves_most_physical_stores_open_to_most_shoppers_today(db):
    from datetime import date, timedelta

    from audit.visits.scheduling import revisit_reasons

    _demo(db)
    stores = list(db.query("SELECT * FROM stores WHERE channel = 'physical'"))
    shoppers = [r["id"] for r in db.query("SELECT id FROM users WHERE role = 'shopper'")]
    today = date.today()
    open_stores = {s: sum(not revisit_reasons(db, s, [store], today, today + timedelta(days=10), 90)
                          for store in stores) for s in shoppers}
    # Each shopper may go to more than half of the shops today, no override needed.
    assert all(n > len(stores) / 2 for n in open_stores.values()), open_stores


def test_demo_comments_and_remarks_are_polish_in_a_polish_chain(db):
    import json
    import re

    _demo(db, months=3)
    comments = {r[0] for r in db.execute("SELECT comment FROM answers WHERE comment IS NOT NULL")}
    remarks = {json.loads(r[0]) for r in db.execute(
        "SELECT value FROM answers WHERE value IS NOT NULL AND criterion_key IN"
        " ('question_and_answer', 'audit_remarks', 'staff_description', 'visit_remarks')")}
    assert remarks
    assert comments
    polish = re.compile("[ąćęłńóśźż]", re.IGNORECASE)
    assert [c for c in comments | remarks if not polish.search(c)] == []


def test_a_large_demo_reports_its_progress_batch_by_batch(db, monkeypatch):
    from audit import demo

    monkeypatch.setattr(demo, "BATCH_VISITS", 40)
    steps = []
    counts = demo.generate_scaled(db, demo.DemoOptions(seed=1, stores=5, visits=100),
                                  progress=steps.append)
    assert steps == [40, 40, 20] and counts["visits"] == 100


def test_the_demo_command_shows_a_progress_bar_at_scale(runner):
    result = runner.invoke(args=["demo", "--stores", "3", "--visits", "12"])
    assert result.exit_code == 0, result.output
    assert "Adding visits" in result.output and "12 visits" in result.output

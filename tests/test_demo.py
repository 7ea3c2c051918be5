"""The demo command fills an empty database and refuses a non-empty one."""

from conftest import Client, make_user

from audit.demo import PASSWORDS


def test_demo_fills_an_empty_database(runner, db):
    result = runner.invoke(args=["demo", "--seed", "3", "--months", "2"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.example.com" in result.output
    assert PASSWORDS["admin@demo.example.com"] in result.output
    assert db["users"].count == 6
    assert db["stores"].count >= 8
    assert db["stores"].count_where("channel = 'online'") >= 2
    assert len({r["region"] for r in db.query("SELECT region FROM stores")}) == 2
    published = db["visits"].count_where("status = 'published'")
    assert published >= 2 * 2 * 8
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

"""A page of a visit already on the phone opens with one cheap request, not a download storm."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import make_store, make_visit
from playwright.sync_api import expect

from e2e.site_pages import log_in_as
from e2e.slow_server import slow_once


class ServerLog:
    """Every request the live server answers: (method, path, status, body bytes)."""

    def __init__(self, app):
        self.seen: list[tuple[str, str, int, int]] = []
        self._lock = threading.Lock()
        inner = app.wsgi_app

        def logged(environ, start_response):
            status = []

            def start(code, headers, *rest):
                status.append(int(code.split()[0]))
                return start_response(code, headers, *rest)

            body = b"".join(inner(environ, start))
            with self._lock:
                self.seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], status[0],
                                  len(body)))
            return [body]

        app.wsgi_app = logged

    def clear(self) -> None:
        with self._lock:
            self.seen.clear()

    def gets(self) -> list[tuple[str, int, int]]:
        with self._lock:
            return [(path, status, size) for method, path, status, size in self.seen
                    if method == "GET"]


@pytest.fixture
def visit_on_phone(db, people, open_page):
    """A phone logged in as 'shopper' with a started visit whose pages it keeps for offline use."""
    visit = make_visit(db, make_store(db, "WARM-1"), people["shopper"], window_start="2026-01-01",
                       window_end="2030-12-31")
    page = open_page("pixel7", permissions=["geolocation"],
                     geolocation={"latitude": 52.2301, "longitude": 21.0102, "accuracy": 15})
    log_in_as(page, "shopper")
    page.goto(f"/shopper/visits/{visit}")
    page.wait_for_selector("[data-field-app][data-offline='ready']")
    page.get_by_role("button", name="Start visit").click()
    page.wait_for_url("**/sections/1")
    page.wait_for_selector("[data-field-app][data-offline='ready']")
    return page, visit


def test_opening_a_kept_page_again_fetches_only_that_page_and_it_comes_back_304(
        live_server, visit_on_phone, shots):
    page, visit = visit_on_phone
    log = ServerLog(live_server.app)
    section = f"/shopper/visits/{visit}/sections/2"
    page.goto(section)
    page.wait_for_selector("[data-field-app][data-offline='ready']")
    page.wait_for_timeout(300)  # anything the page or its worker still sends
    log.clear()

    page.goto(section)  # the warm open: the worker controls the page, the visit is kept
    page.wait_for_selector("[data-field-app][data-offline='ready']")
    page.wait_for_timeout(500)
    shots("warm-open", page)
    gets = log.gets()
    paths = [p for p, _, _ in gets]
    # The CSS and scripts come from the phone (versioned: never asked for again), the visit's
    # other pages were kept when it was opened and are not fetched again on every page.
    assert not [p for p in paths if p.startswith("/static/")], gets
    assert set(paths) <= {section, "/shopper/sw.js"}, gets
    assert paths.count(section) == 1, gets
    # Nothing changed since the last copy: the server says so in a bodiless 304.
    assert [(s, n) for p, s, n in gets if p == section] == [(304, 0)], gets


def _open_kept(page, visit: int) -> str:
    """Open section 2 once so the phone holds its latest copy; return its path."""
    section = f"/shopper/visits/{visit}/sections/2"
    page.goto(section)
    page.wait_for_selector("[data-field-app][data-offline='ready']")
    page.wait_for_timeout(300)
    return section


def test_a_kept_checklist_page_opens_from_the_phone_without_waiting_for_the_server(
        live_server, visit_on_phone):
    page, visit = visit_on_phone
    section = _open_kept(page, visit)
    slow_once(live_server.app, "shopper.section", 4)
    started = time.monotonic()
    page.goto(section)
    page.wait_for_selector("[data-field-app]")
    # Network first waited for the slow answer (4 s) before showing anything.
    assert time.monotonic() - started < 2.5
    expect(page.get_by_role("link", name="WARM-1")).to_be_visible()


def test_a_kept_page_in_another_language_now_replaces_itself_until_the_shopper_touches_it(
        live_server, visit_on_phone, db, people):
    page, visit = visit_on_phone
    section = _open_kept(page, visit)
    db["users"].update(people["shopper"], {"language": "pl"})  # chosen on another device
    page.goto(section)  # the kept copy first, then the server's, in Polish: shown by itself
    expect(page.get_by_role("link", name="Moje wizyty")).to_be_visible(timeout=10_000)
    page.wait_for_selector("[data-field-app][data-offline='ready']")  # its pages kept again
    page.wait_for_timeout(300)

    db["users"].update(people["shopper"], {"language": "ru"})
    slow_once(live_server.app, "shopper.section", 3)
    page.goto(section)
    page.wait_for_selector("[data-field-app]")
    page.locator("input:visible, textarea:visible").first.focus()
    page.keyboard.type("7")  # the shopper is answering: the page stays as it is
    page.wait_for_timeout(4500)
    expect(page.get_by_role("link", name="Moje wizyty")).to_be_visible()
    page.reload()  # the next open shows the server's copy
    expect(page.get_by_role("link", name="Мои визиты")).to_be_visible(timeout=10_000)


def test_answers_saved_since_a_page_was_kept_do_not_reload_it(live_server, visit_on_phone, db):
    page, visit = visit_on_phone
    section = _open_kept(page, visit)
    db["stores"].update(db["visits"].get(visit)["store_id"], {"name": "Renamed Store"})
    page.goto(section)  # the server's copy differs, but not in what the script cannot fix
    page.wait_for_selector("[data-field-app]")
    page.evaluate("window.kept = true")
    page.wait_for_timeout(2500)
    assert page.evaluate("window.kept === true"), "the page reloaded"
    page.reload()  # the phone now keeps the server's newer copy
    expect(page.get_by_role("link", name="Renamed Store")).to_be_visible()

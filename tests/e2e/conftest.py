"""Shared browser fixtures: a live server on the test's database and a phone-sized page.

    def test_something(live_server, phone, shots):
        phone.goto(live_server.url + "/login"); shots("login")

`live_server.stop()` / `.start()` take the server away and bring it back on the same port:
the honest way to lose the signal (Playwright's offline mode does not cover service workers).
"""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
PHONE = {"viewport": {"width": 412, "height": 839}, "screen": {"width": 412, "height": 915},
         "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
# No user_agent override: Chromium does not apply it to service-worker requests, and the login
# session (flask-login "strong" protection) is bound to the user agent.
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


def _free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The app served by werkzeug in a thread; stop() and start() keep the same port."""

    def __init__(self, app):
        self.app = app
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = None
        self._thread = None

    def start(self) -> None:
        """Serve (again)."""
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and free the port: requests now fail like a lost signal."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None


@pytest.fixture
def live_server(app):
    """The test's app (tmp_path database, see tests/conftest.py) on a real port."""
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def phone_context(browser, live_server):
    """A phone-sized browser context on the live server, at the store's position by default."""
    context = browser.new_context(
        **PHONE, base_url=live_server.url, locale="en-GB", permissions=["geolocation"],
        geolocation={"latitude": 52.2301, "longitude": 21.0102, "accuracy": 20},
        service_workers="allow")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def phone(phone_context):
    """A page in the phone context."""
    return phone_context.new_page()


@pytest.fixture
def shots(request, phone):
    """shots("name") saves a full-page screenshot as test-output/<test>/NN-name.png."""
    folder = OUTPUT / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    count = [0]

    def _shot(name: str, page=None) -> Path:
        count[0] += 1
        path = folder / f"{count[0]:02d}-{name}.png"
        (page or phone).screenshot(path=str(path), full_page=True)
        return path

    return _shot


@pytest.fixture
def log_in():
    """log_in(page, email, password): log in through the real form."""

    def _log_in(page, email: str, password: str) -> None:
        page.goto("/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state("domcontentloaded")

    return _log_in

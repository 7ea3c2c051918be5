"""Shared browser fixtures: a live server on the test's database and a phone-sized page.

    def test_something(live_server, phone, shots):
        phone.goto(live_server.url + "/login"); shots("login")

`live_server.stop()` / `.start()` take the server away and bring it back on the same port:
the honest way to lose the signal (Playwright's offline mode does not cover service workers).
"""

from __future__ import annotations

import os
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

    if not os.access(CHROMIUM, os.X_OK):  # fail loudly: a browser suite that skips proves nothing
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make test` (it installs it)",
                    pytrace=False)
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
def shots(request):
    """shots("name", page=None) saves a full-page screenshot as test-output/<test>/NN-name.png.

    Without `page` it shoots the `phone` fixture's page (made only then)."""
    folder = OUTPUT / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    count = [0]

    def _shot(name: str, page=None) -> Path:
        count[0] += 1
        path = folder / f"{count[0]:02d}-{name}.png"
        page = page or request.getfixturevalue("phone")
        page.screenshot(path=str(path), full_page=True)
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


# Devices of the acceptance suite: two phones, the narrowest supported width, a manager's laptop.
DEVICES = {
    "pixel7": PHONE,
    "iphone_se": {"viewport": {"width": 375, "height": 667},
                  "screen": {"width": 375, "height": 667}, "device_scale_factor": 2,
                  "is_mobile": True, "has_touch": True},
    "narrow": {"viewport": {"width": 320, "height": 640}, "screen": {"width": 320, "height": 640},
               "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
    "laptop": {"viewport": {"width": 1366, "height": 768}, "device_scale_factor": 1},
}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A browser test never skips: a skip here is reported as a failure."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"browser tests must not skip: {report.longrepr}"


@pytest.fixture
def open_page(browser, live_server):
    """open_page("iphone_se") -> a page in a fresh context of that device on the live server."""
    contexts = []

    def _open(device: str = "pixel7", **extra):
        context = browser.new_context(**DEVICES[device], base_url=live_server.url,
                                      locale="en-GB", service_workers="allow", **extra)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def axe():
    """axe-core, from the axe-playwright-python package (no request to any other host)."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def a11y_problems(axe):
    """a11y_problems(page) -> the page's axe-core violations of impact serious or critical."""

    def _check(page) -> list[str]:
        results = axe.run(page)
        return [f"{page.url}: {v['id']} ({v['impact']}) {v['help']}: "
                + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                            for n in v["nodes"][:5])
                for v in results.response["violations"] if v["impact"] in ("serious", "critical")]

    return _check

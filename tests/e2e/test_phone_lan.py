"""Trying the app on a phone (`make run-lan`): its certificate, from the Makefile's own recipe,
lets Chromium run the field app's service worker over HTTPS once the local CA is trusted (as
the README has the phone do); a certificate warning merely clicked through does not.

The phone's trust store is Chromium's NSS database in a HOME of the test's own (certutil)."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest
from conftest import PASSWORD, make_user
from werkzeug.serving import make_server

from e2e.conftest import ARGS, CHROMIUM, PHONE, _free_port

CHECKOUT = Path(__file__).resolve().parents[2]
REGISTRATIONS = """async () => (await navigator.serviceWorker.getRegistrations())
    .map(r => [r.scope, r.active && r.active.state])"""


@pytest.fixture
def lan_certificate(tmp_path) -> dict[str, Path]:
    """The CA and the certificate `make run-lan` makes, for the loopback address here."""
    folder = tmp_path / "lan"
    subprocess.run(["make", "-s", "-C", str(CHECKOUT), "lan-cert", "LAN_IP=127.0.0.1",
                    f"LAN_DIR={folder}"], check=True, capture_output=True, timeout=120)
    return {"ca": folder / "ca.crt", "cert": folder / "127.0.0.1.pem",
            "key": folder / "127.0.0.1-key.pem"}


@pytest.fixture
def https_server(app, lan_certificate):
    """The test's app over HTTPS with that certificate, as `flask run --cert --key` serves it."""
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True,
                         ssl_context=(str(lan_certificate["cert"]), str(lan_certificate["key"])))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def phone_home(tmp_path: Path, trusted_ca: Path | None) -> Path:
    """A HOME whose NSS database (Chromium's trust store on Linux) trusts trusted_ca, if given."""
    home = tmp_path / ("home-trusting" if trusted_ca else "home-plain")
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    subprocess.run(["certutil", "-d", f"sql:{nssdb}", "-N", "--empty-password"], check=True)
    if trusted_ca:
        subprocess.run(["certutil", "-d", f"sql:{nssdb}", "-A", "-t", "C,,", "-n", "lan-ca",
                        "-i", str(trusted_ca)], check=True)
    return home


def service_workers_after_login(browser, home: Path, base: str, email: str,
                                click_through: bool) -> list:
    """Log in as the shopper on a phone whose HOME is home; the page's service workers."""
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=ARGS, headless=True,
                                           env={"HOME": str(home), "PATH": "/usr/bin:/bin"})
    try:
        context = chromium.new_context(**PHONE, base_url=base, service_workers="allow",
                                       ignore_https_errors=click_through)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto("/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main button[type=submit]").click()
        page.wait_for_url("**/shopper/")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1500)  # a registration that fails takes a moment to fail
        return page.evaluate(REGISTRATIONS)
    finally:
        chromium.close()


def test_phone_trusting_the_lan_ca_runs_the_service_worker_over_https(
        browser, app, db, https_server, lan_certificate, tmp_path):
    make_user(db, "shopper", email="phone@example.com")
    home = phone_home(tmp_path, lan_certificate["ca"])
    registrations = service_workers_after_login(browser, home, https_server,
                                                "phone@example.com", click_through=False)
    assert registrations == [[f"{https_server}/shopper/", "activated"]]


def test_clicked_through_certificate_warning_gets_no_service_worker(
        browser, app, db, https_server, tmp_path):
    make_user(db, "shopper", email="phone@example.com")
    home = phone_home(tmp_path, None)
    registrations = service_workers_after_login(browser, home, https_server,
                                                "phone@example.com", click_through=True)
    assert registrations == []  # why run-lan has the phone trust a CA instead

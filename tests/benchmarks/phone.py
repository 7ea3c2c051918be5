"""The phone in real Chromium on a slow network: the checklist page cold, then opened warm.

Between Chromium and the app sits a small proxy that plays the phone's network (150 ms round
trip, 1.6 Mbps down, 750 kbps up) and counts every byte and request on the wire, the service
worker's own fetches included (DevTools' per-page throttling and byte counts do not see those).
The CPU is slowed 4x through the DevTools protocol (Emulation.setCPUThrottlingRate).
"Interactive" is the `audit:interactive` mark static/js/field.js sets once the page answers taps,
timed from the start of the navigation.

Cold: a new phone (no cache, no worker) opens a visit's checklist page; what it then keeps for
offline use in the background is shown apart. Warm: the same phone opens pages of that visit
again, the worker in control.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import threading
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

from tests.benchmarks.common import Row, csrf_token, make_app
from tests.benchmarks.weight import SHOPPER, _scheduled_visit

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
PHONE = {"viewport": {"width": 412, "height": 839}, "screen": {"width": 412, "height": 915},
         "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
RTT_S = 0.150
DOWN_BPS = 1_600_000 / 8
UP_BPS = 750_000 / 8
CPU_SLOWDOWN = 4
COLD_TARGET_KB, WARM_TARGET_KB, WARM_TARGET_REQUESTS, WARM_TTI_TARGET_S = 30, 15, 4, 0.6
REQUEST_LINE = re.compile(rb"(?:GET|POST|HEAD|PUT|DELETE) \S+ HTTP/1\.[01]\r\n")
INTERACTIVE = """() => {
  const m = performance.getEntriesByName('audit:interactive')[0];
  return m ? m.startTime : null;
}"""


@dataclass
class Wire:
    """Bytes and requests that crossed the proxy."""

    down: int = 0
    up: int = 0
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> tuple[int, int]:
        """(bytes received, requests) so far: what DevTools calls encodedDataLength, summed."""
        with self.lock:
            return self.down, self.requests


class Link:
    """One direction of the phone's network: a delay, then a shared bandwidth."""

    def __init__(self, bytes_per_s: float):
        self.rate = bytes_per_s
        self.free_at = 0.0

    async def send(self, writer: asyncio.StreamWriter, chunk: bytes, sent_at: float) -> None:
        """Deliver chunk half a round trip after it was sent, at the link's rate."""
        loop = asyncio.get_running_loop()
        start = max(sent_at + RTT_S / 2, self.free_at)
        self.free_at = start + len(chunk) / self.rate
        await asyncio.sleep(max(0.0, self.free_at - loop.time()))
        writer.write(chunk)
        await writer.drain()


class ThrottlingProxy:
    """A TCP proxy in its own thread: 127.0.0.1:<port> -> the app, slowed and counted."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.wire = Wire()
        self.loop = asyncio.new_event_loop()
        self.down, self.up = Link(DOWN_BPS), Link(UP_BPS)
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def _pipe(self, reader, writer, link: Link, upstream: bool) -> None:
        loop = asyncio.get_running_loop()
        pending = b""
        pending_sends: asyncio.Queue = asyncio.Queue()

        async def deliver():
            while (item := await pending_sends.get()) is not None:
                await link.send(writer, *item)
            writer.close()

        sender = asyncio.create_task(deliver())
        try:
            while chunk := await reader.read(65536):
                with self.wire.lock:
                    if upstream:
                        self.wire.up += len(chunk)
                        pending = (pending + chunk)[-8192:]
                        found = REQUEST_LINE.findall(pending)
                        self.wire.requests += len(found)
                        if found:
                            pending = pending[pending.rfind(found[-1]) + len(found[-1]):]
                    else:
                        self.wire.down += len(chunk)
                await pending_sends.put((chunk, loop.time()))
        except (ConnectionError, OSError):
            pass
        finally:
            await pending_sends.put(None)
            await sender

    async def _serve(self, client_reader, client_writer) -> None:
        try:
            app_reader, app_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(self._pipe(client_reader, app_writer, self.up, True),
                             self._pipe(app_reader, client_writer, self.down, False),
                             return_exceptions=True)

    def stop(self) -> None:
        """Stop the proxy's loop."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class QuietHandler(WSGIRequestHandler):
    """The app's server without a log line per request."""

    def log_request(self, *args) -> None:
        """Say nothing."""


def _log_in(context, base: str) -> None:
    """Log the phone in through the form with the context's own cookies, not its page cache."""
    from audit.demo import PASSWORDS

    page = context.request.get(f"{base}/login")
    response = context.request.post(f"{base}/login", form={
        "email": SHOPPER, "password": PASSWORDS[SHOPPER], "csrf_token": csrf_token(page.text())},
        max_redirects=0)
    if response.status not in (302, 303):
        raise RuntimeError(f"login failed: {response.status}")


def _open(page, url: str, wire: Wire) -> tuple[float, int, int]:
    """Navigate and wait until the page answers taps: (seconds, bytes, requests) to then."""
    before = wire.snapshot()
    page.goto(url, wait_until="commit")
    page.wait_for_function(INTERACTIVE, polling=50, timeout=60_000)
    seconds = page.evaluate(INTERACTIVE) / 1000
    page.wait_for_selector("[data-field-app][data-offline='ready']", timeout=120_000)
    page.wait_for_timeout(300)  # what the page and its worker still send on their own
    after = wire.snapshot()
    return seconds, after[0] - before[0], after[1] - before[1]


def _throttle_cpu(page) -> None:
    """Slow the page's CPU the DevTools way."""
    page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate",
                                            {"rate": CPU_SLOWDOWN})


def _measure(base: str, visit_id: int, wire: Wire, warm_opens: int) -> dict:
    """Cold open of the checklist page, then `warm_opens` warm opens of the visit's pages."""
    from playwright.sync_api import sync_playwright

    section = f"{base}/shopper/visits/{visit_id}/sections/"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = browser.new_context(**PHONE, locale="en-GB", service_workers="allow")
            _log_in(context, base)
            page = context.new_page()
            _throttle_cpu(page)
            before = wire.snapshot()
            page.goto(section + "1", wait_until="commit")
            page.wait_for_function(INTERACTIVE, polling=50, timeout=60_000)
            cold_tti = page.evaluate(INTERACTIVE) / 1000
            cold = wire.snapshot()
            page.wait_for_selector("[data-field-app][data-offline='ready']", timeout=120_000)
            page.wait_for_timeout(500)
            kept = wire.snapshot()
            warm = [_open(page, section + str(1 + n % 2), wire) for n in range(warm_opens + 1)]
            context.close()
        finally:
            browser.close()
    warm = warm[1:]  # the first goes to section 1 again, still settling after the cold load
    return {"cold_tti": cold_tti, "cold_bytes": cold[0] - before[0],
            "cold_requests": cold[1] - before[1], "kept_bytes": kept[0] - cold[0],
            "kept_requests": kept[1] - cold[1],
            "warm_tti": statistics.median(w[0] for w in warm),
            "warm_bytes": statistics.median(w[1] for w in warm),
            "warm_requests": max(w[2] for w in warm), "warm_opens": len(warm)}


def phone_benchmarks(database: Path, workdir: Path, warm_opens: int = 6) -> list[Row]:
    """The cold and warm rows of the table."""
    from audit.storage.db import open_db

    db = open_db(database)
    try:
        visit_id = _scheduled_visit(db)
    finally:
        db.close()
    server = make_server("127.0.0.1", 0, make_app(database, workdir), threaded=True,
                         request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = ThrottlingProxy(server.server_port)
    try:
        m = _measure(f"http://127.0.0.1:{proxy.port}", visit_id, proxy.wire, warm_opens)
    finally:
        proxy.stop()
        server.shutdown()
    net = f"Chromium, {RTT_S * 1000:.0f} ms RTT, 1.6 Mbps, CPU x{CPU_SLOWDOWN}"
    kb = lambda n: f"{n / 1024:.1f} KB"  # noqa: E731
    return [
        Row("phone", f"cold checklist page on the wire ({net})",
            f"{kb(m['cold_bytes'])}, {m['cold_requests']} requests",
            f"then kept for offline: {kb(m['kept_bytes'])}, {m['kept_requests']} requests",
            target=f"<= {COLD_TARGET_KB} KB", ok=m["cold_bytes"] <= COLD_TARGET_KB * 1024),
        Row("phone", f"warm page open on the wire (median of {m['warm_opens']})",
            f"{kb(m['warm_bytes'])}, {m['warm_requests']} requests",
            f"cold {kb(m['cold_bytes'])}, {m['cold_requests']} requests",
            f"{m['warm_bytes'] / max(m['cold_bytes'], 1):.2f}",
            f"<= {WARM_TARGET_KB} KB, <= {WARM_TARGET_REQUESTS} requests",
            m["warm_bytes"] <= WARM_TARGET_KB * 1024
            and m["warm_requests"] <= WARM_TARGET_REQUESTS),
        Row("phone", "time to interactive, warm page open (median)", f"{m['warm_tti']:.2f} s",
            f"cold {m['cold_tti']:.2f} s", f"{m['warm_tti'] / m['cold_tti']:.2f}",
            f"<= {WARM_TTI_TARGET_S} s", m["warm_tti"] <= WARM_TTI_TARGET_S),
    ]

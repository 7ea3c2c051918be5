"""Outbox delivery figures: messages per second to a local SMTP server (aiosmtpd on loopback)
and the time from publishing a visit to its managers' mail arriving.

    python -m tests.benchmarks.outbox_bench [--managers 50] [--visits 20] [--latency-runs 10]

Everything is real but the network: a fresh SQLite database, the app's own compose and
delivery code (audit/mail/delivery.py), smtplib talking to aiosmtpd over 127.0.0.1. Three
measures:
- plain: visits published, each mailed to every manager of the store, no attachment
  (AUDIT_MAIL_ATTACH_MAX_KB=0): the outbox, composing and SMTP;
- with PDF: the same with the visit PDF attached (one WeasyPrint render per visit and
  language, shared by the store's managers);
- publish to delivery: a deliverer making a pass every 2 s, as the mail worker does
  (audit/mail/tasks.py); a visit is published at a random moment and the clock stops when the
  first of its messages reaches the server.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class Counter:
    """An aiosmtpd handler that appends each message's arrival time to a file (it runs in its
    own process, so the server does not share this process's interpreter lock)."""

    def __init__(self, path: str):
        self.path = path

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with open(self.path, "a") as log:
            log.write(f"{time.time()}\n")
        return "250 OK"


def serve(port: int, path: str, stop) -> None:
    """The SMTP server's process: serve until `stop` is set."""
    controller = Controller(Counter(path), hostname="127.0.0.1", port=port)
    controller.start()
    stop.wait()
    controller.stop()


class Arrivals:
    """The messages the server process has accepted so far, and when."""

    def __init__(self, path: str):
        self.path = path
        Path(path).touch()

    def times(self) -> list[float]:
        return [float(line) for line in Path(self.path).read_text().split()]

    @property
    def count(self) -> int:
        return len(self.times())


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, seconds: float = 30) -> None:
    """Return once the SMTP server answers on the port."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"no SMTP server on port {port}")


def setup(workdir: Path, managers: int, port: int):
    """An app on a fresh database with one store, its managers, a reviewer and a shopper."""
    from audit import create_app
    from audit.storage.db import open_db
    from audit.users import create_user

    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "DATABASE": str(workdir / "audit.db"),
        "UPLOAD_DIR": str(workdir / "uploads"), "REPORT_DIR": str(workdir / "reports"),
        "SMTP_URL": f"smtp://127.0.0.1:{port}", "BASE_URL": "https://audit.example.com",
        "MAIL_ATTACH_MAX_KB": 0})
    db = open_db(app.config["DATABASE"])
    people = {"admin": create_user(db, email="admin@bench.example", name="Admin",
                                   role="admin", password="bench-password-1",
                                   is_reviewer=True),
              "shopper": create_user(db, email="shopper@bench.example", name="Shopper",
                                     role="shopper", password="bench-password-1")}
    store_id = db["stores"].insert({
        "code": "B-1", "name": "Bench store", "channel": "physical", "region": "North",
        "address": "Main St 1", "archived": 0, "created_at": "2026-01-01T00:00:00+00:00"}).last_pk
    languages = ("en", "pl", "ru")
    for n in range(managers):
        user_id = create_user(db, email=f"manager{n}@bench.example", name=f"Manager {n}",
                              role="manager", password="bench-password-1",
                              language=languages[n % 3])
        db["store_managers"].insert({"store_id": store_id, "user_id": user_id})
    return app, db, people, store_id


def approved_visit(db, store_id: int, shopper_id: int) -> int:
    """A visit waiting to be published."""
    from audit.criteria_sets.versions import current_version_id

    stamp = "2026-11-02T10:00:00+00:00"
    return db["visits"].insert({
        "store_id": store_id, "shopper_id": shopper_id, "status": "approved", "score": 90.0,
        "passed": 1, "version_id": current_version_id(db, "physical-store"),
        "window_start": "2026-11-01", "window_end": "2026-11-30", "flags": "[]",
        "started_at": stamp, "created_at": stamp, "updated_at": stamp}).last_pk


def throughput(app, db, people, store_id, visits: int, counter: Arrivals) -> dict:
    """Publish `visits` visits, then deliver until the outbox is empty; messages per second."""
    from audit.mail.delivery import deliver_due
    from audit.notifications.visit_events import consume_all
    from audit.visits import review

    for _ in range(visits):
        review.publish(db, approved_visit(db, store_id, people["shopper"]), people["admin"])
    before = counter.count
    start = time.perf_counter()
    consume_all(db)
    consumed = time.perf_counter() - start
    sent = 0
    while True:
        done = deliver_due(app, db, limit=500)
        sent += done.sent
        if done.sent + done.retried + done.failed + done.skipped == 0:
            break
    took = time.perf_counter() - start
    arrived = counter.count - before
    return {"messages": sent, "arrived": arrived, "seconds": took,
            "per_second": sent / took if took else 0.0, "consume_seconds": consumed}


def latency(app, db, people, store_id, runs: int, counter: Arrivals) -> list[float]:
    """Seconds from publish to the first message arriving, with a deliverer passing every 2 s."""
    from audit.mail.delivery import deliver_due
    from audit.visits import review

    stop = threading.Event()

    def deliverer():
        from audit.storage.db import open_db

        own = open_db(app.config["DATABASE"])
        while not stop.is_set():
            deliver_due(app, own)
            stop.wait(2.0)
        own.close()

    thread = threading.Thread(target=deliverer, daemon=True)
    thread.start()
    times = []
    try:
        for _ in range(runs):
            time.sleep(random.uniform(0, 2))
            visit_id = approved_visit(db, store_id, people["shopper"])
            seen = counter.count
            start = time.time()
            review.publish(db, visit_id, people["admin"])
            while counter.count == seen:
                time.sleep(0.01)
            times.append(counter.times()[seen] - start)
            while True:  # let the rest of this visit's messages go before the next run
                row = db.execute("SELECT COUNT(*) FROM outbox WHERE status = 'waiting'")
                if row.fetchone()[0] == 0:
                    break
                time.sleep(0.05)
    finally:
        stop.set()
        thread.join()
    return times


def measure(managers: int, visits: int, pdf_visits: int, latency_runs: int) -> dict:
    """The three measures against an SMTP server in its own process."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="outbox-bench-") as tmp:
        counter = Arrivals(str(Path(tmp) / "arrivals.txt"))
        stop = multiprocessing.Event()
        server = multiprocessing.Process(target=serve, args=(port, counter.path, stop))
        server.start()
        try:
            _wait_for(port)
            app, db, people, store_id = setup(Path(tmp), managers, port)
            plain = throughput(app, db, people, store_id, visits, counter)
            app.config["MAIL_ATTACH_MAX_KB"] = 4096
            pdf = throughput(app, db, people, store_id, pdf_visits, counter)
            app.config["MAIL_ATTACH_MAX_KB"] = 0
            waits = latency(app, db, people, store_id, latency_runs, counter)
            db.close()
        finally:
            stop.set()
            server.join()
    return {"plain": plain, "pdf": pdf, "waits": waits}


def outbox_benchmarks(managers: int, visits: int, pdf_visits: int,
                      latency_runs: int) -> list:
    """The measures as rows of `make bench`'s table (tests/benchmarks/run.py)."""
    from tests.benchmarks.common import Row

    found = measure(managers, visits, pdf_visits, latency_runs)
    plain, pdf, waits = found["plain"], found["pdf"], found["waits"]
    lost = plain["messages"] - plain["arrived"] + pdf["messages"] - pdf["arrived"]
    return [
        Row("outbox", f"{plain['messages']} e-mails to aiosmtpd, {managers} managers/store",
            f"{plain['per_second']:.1f} messages/s", ok=lost == 0,
            target="every message arrives"),
        Row("outbox", f"{pdf['messages']} e-mails with the visit PDF attached",
            f"{pdf['per_second']:.1f} messages/s"),
        Row("outbox", f"publish to delivery, {len(waits)} publishes, a pass every 2 s",
            f"median {statistics.median(waits):.2f} s, max {max(waits):.2f} s",
            target="<= 60 s", ok=max(waits) <= 60),
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the three measures and print them."""
    p = argparse.ArgumentParser(prog="python -m tests.benchmarks.outbox_bench",
                                description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--managers", type=int, default=50, help="managers of the store")
    p.add_argument("--visits", type=int, default=20, help="visits published (plain)")
    p.add_argument("--pdf-visits", type=int, default=3, help="visits published (with PDF)")
    p.add_argument("--latency-runs", type=int, default=10)
    args = p.parse_args(argv)
    found = measure(args.managers, args.visits, args.pdf_visits, args.latency_runs)
    plain, pdf, waits = found["plain"], found["pdf"], found["waits"]
    print(f"Outbox delivery to aiosmtpd on loopback, {args.managers} managers per store")
    print(f"  plain:    {plain['messages']} messages in {plain['seconds']:.2f} s = "
          f"{plain['per_second']:.0f} messages/s (events to outbox rows: "
          f"{plain['consume_seconds'] * 1000:.0f} ms); arrived {plain['arrived']}")
    print(f"  with PDF: {pdf['messages']} messages in {pdf['seconds']:.2f} s = "
          f"{pdf['per_second']:.1f} messages/s ({args.pdf_visits} visits x 3 languages "
          f"rendered); arrived {pdf['arrived']}")
    print(f"  publish to delivery (a pass every 2 s), {len(waits)} runs: median "
          f"{statistics.median(waits):.2f} s, max {max(waits):.2f} s")
    return 0 if plain["arrived"] == plain["messages"] and pdf["arrived"] == pdf["messages"] \
        else 1


if __name__ == "__main__":
    raise SystemExit(main())

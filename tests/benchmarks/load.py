"""Shoppers under load: gunicorn as the README deploys it, simulated phones (aiohttp).

Phase 1 (--duration): each simulated shopper logs in once (scrypt is slow on purpose), then
for one visit after another: opens the visit and its checklist, autosaves each section as a
draft with a pause between (--think), and submits with a client-made UUID, like the phone.
Phase 2 (--burst, the throughput reference): the same shoppers hit the trivial route (a route
of the real Flask app that does nothing, tests/benchmarks/wsgi.py) as fast as they can, then
submit whole visits as fast as they can. For information, they also hit an answer given before
Flask sees the request (what gunicorn and the sockets alone cost).
Afterwards every accepted submission is checked in the database: there, intact, once.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tests.benchmarks.common import ROOT, Row
from tests.benchmarks.wsgi import BARE, PING

P95_TARGET_S = 0.100
SUBMIT_SHARE_TARGET = 0.30
PASSWORD = "bench-shopper-2026-long"


# ---------------------------------------------------------------- the shoppers' work


@dataclass
class Plan:
    """A shopper and the visits scheduled for them."""

    email: str
    visits: list[int]


def answer_fields(cs, rng) -> tuple[list[dict[str, str]], dict[str, object]]:
    """Form fields per section as the phone sends them, and the values the server must store."""
    sections, expected = [], {}
    for section in cs.sections:
        fields = {}
        for c in section.criteria:
            if c.channel not in ("any", "physical") or c.type in ("photo", "interval"):
                continue
            value, form = _value(c, rng)
            fields.update(form)
            expected[c.key] = value
        sections.append(fields)
    return sections, expected


def _value(c, rng) -> tuple[object, dict[str, str]]:
    """One answer as (stored value, form fields)."""
    if c.type == "yes_no":
        yes = rng.random() < 0.8
        return yes, {f"a-{c.key}": "yes" if yes else "no"}
    if c.type == "rating":
        n = rng.randint(1, c.scale)
        return n, {f"a-{c.key}": str(n)}
    if c.type == "choice":
        key = rng.choice(c.options).key
        return key, {f"a-{c.key}": key}
    if c.type == "duration":
        seconds = rng.randint(5, 400)
        return seconds, {f"a-{c.key}-min": str(seconds // 60), f"a-{c.key}-sec": str(seconds % 60)}
    if c.type in ("count", "number"):
        n = rng.randint(0, 9)
        return n, {f"a-{c.key}": str(n)}
    text = f"Bench note {rng.randint(1, 10**6)} – zażółć gęślą jaźń"
    return text, {f"a-{c.key}": text}


def prepare(database: Path, shoppers: int, visits_each: int) -> list[Plan]:
    """Bench shoppers (one password hash, copied) with scheduled visits at physical stores."""
    from audit.criteria_sets.versions import current_version_id
    from audit.storage.db import open_db
    from audit.users import create_user

    db = open_db(database)
    try:
        with db.atomic():
            first = "bench.shopper001@bench.example.com"
            existing = db["users"].count_where("email = ?", [first])
            if not existing:
                create_user(db, email=first, name="Bench Shopper 1", role="shopper",
                            password=PASSWORD)
            template = db.execute("SELECT password_hash, created_at FROM users WHERE email = ?",
                                  [first]).fetchone()
            db.conn.executemany(
                "INSERT OR IGNORE INTO users (email, name, password_hash, role, created_at)"
                " VALUES (?, ?, ?, 'shopper', ?)",
                [(f"bench.shopper{n:03d}@bench.example.com", f"Bench Shopper {n}", template[0],
                  template[1]) for n in range(2, shoppers + 1)])
            version = current_version_id(db, "physical-store")
            stores = [r[0] for r in db.execute(
                "SELECT id FROM stores WHERE channel = 'physical' AND archived = 0 ORDER BY id")]
            today = date.today()
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            plans = []
            for n in range(1, shoppers + 1):
                email = f"bench.shopper{n:03d}@bench.example.com"
                user = db.execute("SELECT id FROM users WHERE email = ?", [email]).fetchone()[0]
                rows = [(stores[(n * visits_each + i) % len(stores)], user, version,
                         today.isoformat(), (today + timedelta(days=10)).isoformat(), user,
                         stamp, stamp) for i in range(visits_each)]
                first_id = (db.execute("SELECT MAX(id) FROM visits").fetchone()[0] or 0) + 1
                db.conn.executemany(
                    "INSERT INTO visits (store_id, shopper_id, version_id, status, window_start,"
                    " window_end, flags, created_by, created_at, updated_at)"
                    " VALUES (?, ?, ?, 'scheduled', ?, ?, '[]', ?, ?, ?)", rows)
                plans.append(Plan(email, list(range(first_id, first_id + len(rows)))))
    finally:
        db.close()
    return plans


# ---------------------------------------------------------------- the server


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database: Path, workdir: Path, workers: int, threads: int = 4
                 ) -> tuple[subprocess.Popen, str]:
    """gunicorn as the README deploys it (`workers` processes, `threads` threads each)."""
    port = free_port()
    env = {**os.environ, "AUDIT_DATABASE": str(database), "SECRET_KEY": "bench-secret",
           "AUDIT_UPLOADS": str(workdir / "uploads"), "AUDIT_REPORTS": str(workdir / "reports")}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [str(gunicorn), "--workers", str(workers), "--threads", str(threads),
         "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "tests.benchmarks.wsgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: see {workdir / 'gunicorn.log'}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, base
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("gunicorn did not start within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop gunicorn (its own process group, which this run started)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# ---------------------------------------------------------------- the client


@dataclass
class Stats:
    """Latencies by kind of request, errors, and the accepted submissions."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    accepted: list[tuple[int, str, dict]] = field(default_factory=list)

    def add(self, kind: str, seconds: float, ok: bool) -> None:
        """Record one request."""
        self.latencies.setdefault(kind, []).append(seconds)
        if not ok:
            self.errors[kind] = self.errors.get(kind, 0) + 1

    def all(self, kinds=None) -> list[float]:
        """Every latency (of these kinds)."""
        return [t for k, ts in self.latencies.items() if kinds is None or k in kinds for t in ts]


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


class Shopper:
    """One simulated phone: its own cookies and CSRF token."""

    def __init__(self, session, base: str, plan: Plan, stats: Stats, sections, expected):
        self.s, self.base, self.plan, self.stats = session, base, plan, stats
        self.sections, self.expected = sections, expected
        self.token = ""

    async def request(self, kind: str, method: str, path: str, **kw) -> tuple[int, str]:
        """One timed request; transport errors count as errors (status 0)."""
        start = time.perf_counter()
        try:
            async with self.s.request(method, self.base + path, allow_redirects=False,
                                      **kw) as r:
                body = await r.text()
                status = r.status
        except Exception:  # noqa: BLE001 - any failure of the exchange is an error here
            status, body = 0, ""
        ok = 200 <= status < 400
        self.stats.add(kind, time.perf_counter() - start, ok)
        if not ok:
            self.stats.add(f"{kind} {status}", 0.0, False)
            self.stats.latencies.pop(f"{kind} {status}")
        return status, body

    async def login(self) -> None:
        """GET the form, POST the password (one scrypt per shopper)."""
        _, page = await self.request("login", "GET", "/login")
        token = _token(page)
        status, _ = await self.request("login", "POST", "/login", data={
            "email": self.plan.email, "password": PASSWORD, "csrf_token": token})
        if status not in (302, 303):
            raise RuntimeError(f"{self.plan.email} could not log in ({status})")

    def _json_headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.token, "Accept": "application/json"}

    async def visit(self, visit_id: int, think: float) -> None:
        """Open the visit and its checklist, autosave each section, submit."""
        _, page = await self.request("open", "GET", f"/shopper/visits/{visit_id}")
        self.token = _token(page) or self.token
        await self.request("open", "GET", f"/shopper/visits/{visit_id}/sections/1")
        for fields in self.sections:
            await asyncio.sleep(think)
            await self.request("draft", "POST", f"/shopper/visits/{visit_id}/draft",
                               json={"fields": fields}, headers=self._json_headers())
        await asyncio.sleep(think)
        await self.submit(visit_id, drafts_sent=True)

    async def submit(self, visit_id: int, drafts_sent: bool) -> None:
        """Submit the whole visit (the offline path sends every field with the submission)."""
        fields = {k: v for section in self.sections for k, v in section.items()}
        uid = str(uuid.uuid4())
        status, body = await self.request(
            "submit", "POST", f"/shopper/visits/{visit_id}/submit",
            json={"uuid": uid, "fields": fields, "photos": [],
                  "ended_at": datetime.now(UTC).isoformat(timespec="seconds")},
            headers=self._json_headers())
        if status == 200 and json.loads(body).get("status") == "submitted":
            self.stats.accepted.append((visit_id, uid, self.expected))
        elif status == 200:
            self.stats.add("submit-refused", 0.0, False)

    async def first_token(self) -> None:
        """A CSRF token for the JSON posts (from the shopper's home page)."""
        _, page = await self.request("open", "GET", "/shopper/")
        self.token = _token(page)


def _token(html: str) -> str:
    """The CSRF token of a page, or ''."""
    match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    return match.group(1) if match else ""


async def _run_phase(shoppers: list[Shopper], duration: float, work) -> float:
    """Run work(shopper) in a loop for each shopper until the time is up; seconds taken."""
    deadline = time.monotonic() + duration

    async def loop(shopper: Shopper) -> None:
        while time.monotonic() < deadline:
            if not await work(shopper):
                return

    start = time.perf_counter()
    await asyncio.gather(*(loop(s) for s in shoppers))
    return time.perf_counter() - start


async def simulate(base: str, plans: list[Plan], cs, duration: float, think: float,
                   burst: float) -> dict:
    """Both phases; returns the stats of each."""
    import random

    import aiohttp

    rng = random.Random(7)
    phase1, ping, bare, phase2 = Stats(), Stats(), Stats(), Stats()
    connector = aiohttp.TCPConnector(limit=0)
    sessions = [aiohttp.ClientSession(connector=connector, connector_owner=False,
                                      cookie_jar=aiohttp.CookieJar(unsafe=True))
                for _ in plans]
    try:
        shoppers = [Shopper(s, base, p, phase1, *answer_fields(cs, rng))
                    for s, p in zip(sessions, plans, strict=True)]
        # Logins are not part of the steady state: scrypt costs ~0.1 s each, once a day.
        await asyncio.gather(*(s.login() for s in shoppers))
        await asyncio.gather(*(s.first_token() for s in shoppers))
        phase1.latencies.clear()

        async def one_visit(shopper: Shopper) -> bool:
            if not shopper.plan.visits:
                return False
            await shopper.visit(shopper.plan.visits.pop(0), think)
            return True

        seconds1 = await _run_phase(shoppers, duration, one_visit)

        seconds_ping = await _reference_burst(shoppers, ping, "ping", PING, burst)
        seconds_bare = await _reference_burst(shoppers, bare, "bare", BARE, burst)

        for s in shoppers:
            s.stats = phase2

        async def one_submit(shopper: Shopper) -> bool:
            if not shopper.plan.visits:
                return False
            await shopper.submit(shopper.plan.visits.pop(0), drafts_sent=False)
            return True

        seconds2 = await _run_phase(shoppers, burst, one_submit)
    finally:
        for s in sessions:
            await s.close()
        await connector.close()
    return {"phase1": (phase1, seconds1), "ping": (ping, seconds_ping),
            "bare": (bare, seconds_bare), "phase2": (phase2, seconds2)}


async def _reference_burst(shoppers, stats, name: str, url: str, seconds: float) -> float:
    """Every shopper GETs `url` as fast as it can for `seconds`, counted in `stats`."""
    for s in shoppers:
        s.stats = stats

    async def one(shopper) -> bool:
        await shopper.request(name, "GET", url)
        return True

    return await _run_phase(shoppers, seconds, one)


# ---------------------------------------------------------------- checking the database


def check_submissions(database: Path, accepted: list[tuple[int, str, dict]]) -> dict[str, int]:
    """Every accepted submission is in the database, intact and once: counts of each fault."""
    conn = sqlite3.connect(database)
    faults = {"lost": 0, "altered": 0, "duplicated": 0}
    try:
        seen: dict[int, int] = {}
        for visit_id, _uid, _expected in accepted:
            seen[visit_id] = seen.get(visit_id, 0) + 1
        faults["duplicated"] += sum(n - 1 for n in seen.values())
        for visit_id, uid, expected in accepted:
            row = conn.execute("SELECT status, submission_uuid FROM visits WHERE id = ?",
                               [visit_id]).fetchone()
            logged = conn.execute("SELECT COUNT(*) FROM visit_events WHERE visit_id = ?"
                                  " AND action = 'submit'", [visit_id]).fetchone()[0]
            if row is None or row[0] != "submitted" or row[1] != uid:
                faults["lost"] += 1
                continue
            if logged != 1:
                faults["duplicated"] += 1
            stored = {k: json.loads(v) for k, v in conn.execute(
                "SELECT criterion_key, value FROM answers WHERE visit_id = ?", [visit_id])
                if v is not None}
            if stored != expected:
                faults["altered"] += 1
    finally:
        conn.close()
    return faults


# ---------------------------------------------------------------- the benchmark


def load_benchmark(database: Path, workdir: Path, *, shoppers: int, duration: float,
                   think: float, burst: float, workers: int, full: bool,
                   threads: int = 4) -> list[Row]:
    """Run both phases against gunicorn and check the database afterwards."""
    from audit.criteria_sets.versions import current_version_id, version_set
    from audit.storage.db import open_db

    cycle = think * 8 + 0.05
    visits_each = int(duration / cycle * 1.5) + int(burst * 10) + 10
    plans = prepare(database, shoppers, visits_each)
    db = open_db(database)
    cs = version_set(db, current_version_id(db, "physical-store"))
    db.close()
    proc, base = start_server(database, workdir, workers, threads)
    try:
        result = asyncio.run(simulate(base, plans, cs, duration, think, burst))
    finally:
        stop_server(proc)
    phase1, seconds1 = result["phase1"]
    ping, seconds_ping = result["ping"]
    bare, seconds_bare = result["bare"]
    phase2, seconds2 = result["phase2"]
    faults = check_submissions(database, phase1.accepted + phase2.accepted)
    steady = phase1.all()
    p50, p95, p99 = (percentile(steady, p) for p in (50, 95, 99))
    submits = phase1.latencies.get("submit", [])
    errors1 = sum(n for k, n in phase1.errors.items() if " " not in k)
    detail = ", ".join(f"{k}: {n}" for k, n in sorted(phase1.errors.items()) if " " in k)
    ping_rate = len(ping.all()) / seconds_ping
    bare_rate = len(bare.all()) / seconds_bare
    submit_rate = len(phase2.latencies.get("submit", [])) / seconds2
    share = submit_rate / ping_rate
    length = f"{duration:.0f} s" + ("" if full else " (short run; BENCH_FULL=1 for 5 min)")
    accepted = len(phase1.accepted) + len(phase2.accepted)
    server = f"{workers} workers" + (f" x {threads} threads" if threads > 1 else "")
    return [
        Row("load", f"{shoppers} shoppers x {length}, gunicorn {server}, "
            f"think {think:g} s: requests/s", f"{len(steady) / seconds1:.1f} req/s",
            f"{len(phase1.accepted)} visits submitted"),
        Row("load", "latency p50 / p95 / p99 (open, draft, submit)",
            f"{p50 * 1000:.0f} / {p95 * 1000:.0f} / {p99 * 1000:.0f} ms",
            f"submit p95 {percentile(submits, 95) * 1000:.0f} ms", "",
            f"p95 < {P95_TARGET_S * 1000:.0f} ms", p95 < P95_TARGET_S),
        Row("load", "latency p95 by request: open / draft / submit", " / ".join(
            f"{percentile(phase1.latencies.get(k, []), 95) * 1000:.0f}"
            for k in ("open", "draft", "submit")) + " ms"),
        Row("load", "errors (non-2xx/3xx or failed exchange)", f"{errors1}",
            f"of {len(steady)} requests", detail, "0", errors1 == 0),
        Row("load", f"throughput at saturation, {shoppers} clients, {burst:.0f} s each",
            f"{submit_rate:.1f} submits/s", f"trivial route {ping_rate:.0f} req/s",
            f"{share:.0%}", f">= {SUBMIT_SHARE_TARGET:.0%}", share >= SUBMIT_SHARE_TARGET),
        Row("load", "for information: an answer before Flask (gunicorn and sockets only)",
            f"{bare_rate:.0f} req/s", f"trivial route {ping_rate:.0f} req/s",
            f"submits {submit_rate / bare_rate:.1%}"),
        Row("load", f"accepted submissions checked in the database ({accepted})",
            f"lost {faults['lost']}, altered {faults['altered']}, "
            f"duplicated {faults['duplicated']}", f"errors {sum(phase2.errors.values())} "
            "at saturation", "", "0 / 0 / 0", not any(faults.values())),
    ]

"""What the benchmarks share: the result row, timing, the app on the bench database."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Row:
    """One line of the table: our figure against a reference measured in the same run."""

    group: str
    what: str
    ours: str
    reference: str = ""
    ratio: str = ""
    target: str = ""
    ok: bool | None = None

    @property
    def verdict(self) -> str:
        """ok / MISS / blank (no target)."""
        return "" if self.ok is None else ("ok" if self.ok else "MISS")


def median_seconds(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Median wall time of fn over `repeats` runs, after `warmup` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ms(seconds: float) -> str:
    """Seconds as milliseconds for the table."""
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def make_app(database: Path, workdir: Path):
    """The real app on the bench database (CSRF on, as in production)."""
    from audit import create_app

    return create_app({"DATABASE": str(database), "REPORT_DIR": str(workdir / "reports"),
                       "UPLOAD_DIR": str(workdir / "uploads"), "SECRET_KEY": "bench-secret",
                       "RATELIMIT_ENABLED": False})


def csrf_token(html: str) -> str:
    """The CSRF token of a page's form."""
    import re

    match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no csrf_token on the page")
    return match.group(1)


def login(client, email: str, password: str) -> None:
    """Log a Flask test client in through the real login form."""
    page = client.get("/login")
    response = client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": csrf_token(page.text)})
    if response.status_code not in (302, 303):
        raise RuntimeError(f"login of {email} failed: {response.status_code}")

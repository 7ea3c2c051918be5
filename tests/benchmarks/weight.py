"""The phone's checklist page: bytes of the HTML, CSS and JS it loads, and how many requests."""

from __future__ import annotations

import gzip
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tests.benchmarks.common import Row, login, make_app

SHOPPER = "kasia.shopper@demo.example.com"
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="(/static/[^"?#]+)')
IMPORT = re.compile(r"""(?:import|from)\s*['"](\./[^'"]+)['"]""")


def _scheduled_visit(db) -> int:
    """A visit the demo shopper can open."""
    from audit.criteria_sets.versions import current_version_id

    user = db.execute("SELECT id FROM users WHERE email = ?", [SHOPPER]).fetchone()[0]
    store = db.execute("SELECT MIN(id) FROM stores WHERE channel = 'physical'").fetchone()[0]
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    with db.atomic():
        return db["visits"].insert({
            "store_id": store, "shopper_id": user, "status": "scheduled",
            "version_id": current_version_id(db, "physical-store"),
            "window_start": date.today().isoformat(),
            "window_end": (date.today() + timedelta(days=10)).isoformat(), "flags": "[]",
            "created_by": user, "created_at": stamp, "updated_at": stamp}).last_pk


def page_weight(database: Path, workdir: Path) -> list[Row]:
    """Fetch the checklist page and everything it loads (JS modules with their imports)."""
    from audit.demo import PASSWORDS
    from audit.storage.db import open_db

    db = open_db(database)
    try:
        visit_id = _scheduled_visit(db)
    finally:
        db.close()
    app = make_app(database, workdir)
    client = app.test_client()
    login(client, SHOPPER, PASSWORDS[SHOPPER])
    page = client.get(f"/shopper/visits/{visit_id}/sections/1")
    if page.status_code != 200:
        raise RuntimeError(f"checklist page: {page.status_code}")
    bodies = {"page": page.data}
    todo = ASSET.findall(page.text)
    while todo:
        url = todo.pop()
        if url in bodies:
            continue
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
        bodies[url] = response.data
        response.close()
        if url.endswith(".js"):
            base = url.rsplit("/", 1)[0]
            todo += [f"{base}/{m[2:]}" for m in IMPORT.findall(response.data.decode())]
    kinds = {"css": 0, "js": 0, "other": 0}
    for url, body in bodies.items():
        kind = url.rsplit(".", 1)[-1] if url != "page" else "html"
        kinds[kind if kind in kinds else "other"] = kinds.get(kind, 0) + len(body)
    raw = sum(len(b) for b in bodies.values())
    zipped = sum(len(gzip.compress(b)) for b in bodies.values())
    return [Row("phone", f"checklist page + CSS + JS: {len(bodies)} requests",
                f"{raw / 1024:.1f} KB", f"gzip {zipped / 1024:.1f} KB",
                f"HTML {len(page.data) / 1024:.1f} KB, CSS {kinds['css'] / 1024:.1f} KB, "
                f"JS {kinds['js'] / 1024:.1f} KB")]

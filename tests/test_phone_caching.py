"""What the phone downloads: versioned static files kept for good, gzip, pages revalidated (304)."""

from __future__ import annotations

import gzip
import re

from conftest import make_store, make_visit

from audit.web.assets import IMMUTABLE

GZIP = {"Accept-Encoding": "gzip, deflate, br"}
VERSIONED_CSS = re.compile(r'href="(/static/v-[0-9a-f]{12}/css/app\.css)"')
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def get(client, url: str, **kw):
    """GET, read the whole body, close (a static file's response holds the file open)."""
    response = client.get(url, **kw)
    response.get_data()
    response.close()
    return response


def test_static_urls_carry_the_build_and_are_kept_for_good(app):
    client = app.test_client()
    url = VERSIONED_CSS.search(client.get("/login").text).group(1)
    versioned = get(client, url)
    plain = get(client, "/static/css/app.css")
    assert versioned.status_code == 200 and versioned.headers["Cache-Control"] == IMMUTABLE
    assert versioned.data == plain.data
    # The plain URL (and an old build's) is the file as it is now, checked on each use.
    assert plain.headers["Cache-Control"] == "no-cache"
    old = get(client, "/static/v-000000000000/css/app.css")
    assert old.status_code == 200 and old.headers["Cache-Control"] == "no-cache"


def test_text_is_gzipped_for_browsers_that_take_it_and_pictures_are_not(app):
    client = app.test_client()
    for url in ["/login", VERSIONED_CSS.search(client.get("/login").text).group(1)]:
        raw = get(client, url)
        packed = get(client, url, headers=GZIP)
        assert "Content-Encoding" not in raw.headers
        assert packed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert len(packed.data) < len(raw.data) / 2
        if url != "/login":  # the login page's CSRF token differs from one page to the next
            assert gzip.decompress(packed.data) == raw.data
    icon = get(client, "/static/icons/icon-512.png", headers=GZIP)
    assert icon.status_code == 200 and "Content-Encoding" not in icon.headers


def test_an_unchanged_shopper_page_is_answered_304_and_a_changed_one_in_full(db, people, login):
    shopper = login("shopper")
    store = make_store(db, "ET-1")
    make_visit(db, store, people["shopper"])
    first = shopper.get("/shopper/", headers=GZIP)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-cache"
    again = shopper.get("/shopper/", headers={**GZIP, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    make_visit(db, make_store(db, "ET-2"), people["shopper"])  # the page changes
    changed = shopper.get("/shopper/", headers={**GZIP, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert b"Store ET-2" in gzip.decompress(changed.data)


def test_the_csrf_token_of_a_shopper_page_stays_the_same_and_is_accepted(db, people, login):
    shopper = login("shopper")
    visit = make_visit(db, make_store(db, "TK-1"), people["shopper"])
    pages = [shopper.get(f"/shopper/visits/{visit}").text for _ in range(2)]
    tokens = {TOKEN.search(p).group(1) for p in pages}
    assert len(tokens) == 1
    started = shopper.http.post(f"/shopper/visits/{visit}/start",
                                json={"started_at": "2026-05-01T10:00:00+00:00"},
                                headers={"X-CSRFToken": tokens.pop()})
    assert started.status_code == 200, started.text


def test_the_service_worker_names_the_build_and_its_shell_and_revalidates(app, people, login):
    shopper = login("shopper")
    worker = shopper.get("/shopper/sw.js")
    build = app.extensions["static_build"]
    assert f'const BUILD = "{build}";' in worker.text
    shell = re.search(r"const ASSETS = (\[.*?\]);", worker.text).group(1)
    urls = re.findall(r'"([^"]+)"', shell)
    assert "/static/manifest.webmanifest" in urls  # one address for ever (installed app)
    assert all(u.startswith(f"/static/{build}/") for u in urls if "manifest" not in u)
    assert all(get(shopper.http, u).status_code == 200 for u in urls)
    again = shopper.get("/shopper/sw.js", headers={"If-None-Match": worker.headers["ETag"]})
    assert again.status_code == 304


def test_the_manifest_keeps_one_address_across_deploys(app, people, login):
    page = login("shopper").get("/shopper/").text
    assert 'rel="manifest" href="/static/manifest.webmanifest"' in page

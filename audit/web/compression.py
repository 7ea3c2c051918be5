"""gzip on text responses (pages, CSS, JS, JSON, SVG, the manifest) for clients that take it.

The standard library's gzip, not an extension: this is all we need of one. Static files are
compressed once per version and kept; pages are compressed per response. A compressed body gets
a weak ETag (the same content, another encoding), so conditional requests still match it.
"""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

TEXT_TYPES = frozenset({
    "text/html", "text/css", "text/javascript", "text/plain", "text/csv", "application/javascript",
    "application/json", "application/manifest+json", "image/svg+xml",
})
MIN_BYTES = 512  # below this gzip's own header eats the gain
LEVEL = 6
_kept: dict[tuple[str, str], bytes] = {}  # (path, ETag) of a static file -> its gzip body
KEEP_AT_MOST = 256


def wants_gzip() -> bool:
    """Whether the client accepts gzip."""
    return request.accept_encodings["gzip"] > 0


def _gzipped(response: Response, body: bytes) -> bytes:
    """The gzip body, from the store for a static file seen before (mtime 0: reproducible)."""
    etag = response.headers.get("ETag")
    if request.endpoint != "static" or not etag:
        return gzip.compress(body, LEVEL, mtime=0)
    key = (request.path, etag)
    if key not in _kept:
        if len(_kept) >= KEEP_AT_MOST:
            _kept.clear()
        _kept[key] = gzip.compress(body, 9, mtime=0)
    return _kept[key]


def compress(response: Response) -> Response:
    """gzip a whole 200 text response (not a range, not one already encoded)."""
    if response.status_code != 200 or response.mimetype not in TEXT_TYPES:
        return response
    response.vary.add("Accept-Encoding")
    streamed = response.is_streamed and not response.direct_passthrough  # e.g. a CSV export
    if "Content-Encoding" in response.headers or streamed or not wants_gzip():
        return response
    source = response.response
    response.direct_passthrough = False  # a static file: read it to compress it
    body = response.get_data()
    if hasattr(source, "close"):  # the file it was read from
        source.close()
    if len(body) < MIN_BYTES:
        return response
    response.set_data(_gzipped(response, body))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)
    return response


def init_app(app: Flask) -> None:
    """Compress last, after every other hook has written the body and headers."""
    app.after_request(compress)

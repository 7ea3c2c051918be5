"""Versioned static URLs: /static/<build>/css/app.css, cached by browsers for a year.

One build id stands for the whole static folder (a hash of every file, computed once at
start), not one per file: the phone's modules import each other by relative paths
(`./store.js`), and those stay inside the same build. A deploy that changes any file gives every
asset a new URL, so a browser and the service worker may keep a versioned file for ever.
`url_for('static', filename=...)` builds the versioned URL; the plain /static/<file> still works.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, current_app
from werkzeug.routing import BaseConverter

IMMUTABLE = "public, max-age=31536000, immutable"
# Files whose URL must never change: an installed app is known by its manifest's address.
STABLE = frozenset({"manifest.webmanifest"})


class BuildConverter(BaseConverter):
    """A build id in a URL: `v-` and 12 hex digits, so /static/css/app.css is never one."""

    regex = r"v-[0-9a-f]{12}"


def build_id(folder: Path) -> str:
    """A hash of every file's path and content under the static folder."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return "v-" + digest.hexdigest()[:12]


def current_build() -> str:
    """The running app's build id."""
    return current_app.extensions["static_build"]


def static_file(filename: str, build: str | None = None) -> Response:
    """A static file; under the current build id it never changes, so it is cached for good."""
    response = current_app.send_static_file(filename)
    if build is not None and build == current_build():
        response.headers["Cache-Control"] = IMMUTABLE
    else:  # a plain or an old build's URL: the file as it is now, checked on each use
        response.headers["Cache-Control"] = "no-cache"
    return response


def add_build(endpoint: str, values: dict) -> None:
    """url_for('static', filename=...) -> /static/<build>/<filename>, except the stable ones."""
    if endpoint == "static" and values.get("filename") not in STABLE:
        values.setdefault("build", current_build())


def init_app(app: Flask) -> None:
    """Hash the static folder once, route /static/<build>/..., version every static URL."""
    app.extensions["static_build"] = build_id(Path(app.static_folder))
    app.jinja_env.globals["static_build"] = app.extensions["static_build"]
    app.url_map.converters["build"] = BuildConverter
    app.add_url_rule(f"{app.static_url_path}/<build:build>/<path:filename>", endpoint="static")
    app.view_functions["static"] = static_file
    app.url_defaults(add_build)

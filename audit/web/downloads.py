"""Report files as downloads, the same for every blueprint that hands out a PDF."""

from __future__ import annotations

from pathlib import Path

from flask import Response


def send_pdf(path: Path, download_name: str) -> Response:
    """A cached report file as a download (read whole: no file handle left open)."""
    response = Response(path.read_bytes(), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    # Private: the report must not be kept by a shared cache or handed to someone else.
    response.headers["Cache-Control"] = "private, no-store"
    return response

"""Files as downloads (PDF, CSV, ZIP), the same for every blueprint that hands one out."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path, PurePath
from urllib.parse import quote

from flask import Response, request
from sqlite_utils import Database

from reports import csv_export
from reports.aggregate import Period

# Kept in the plain (Latin-1 only) filename= of old clients: letters, digits and a few marks.
PLAIN = re.compile(r"[^A-Za-z0-9._-]+")


def content_disposition(name: str) -> str:
    """An attachment header for any file name: an ASCII fallback and the UTF-8 name (RFC 6266).

    A header must be Latin-1: "Małopolskie" raw made gunicorn answer 500 and the development
    server hang. Browsers read filename* (RFC 5987) and so keep the real name.
    """
    path = PurePath(name)
    stem, suffix = (_ascii(part) for part in (path.stem, path.suffix))
    plain = (stem or "download") + (f".{suffix}" if suffix else "")
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def _ascii(text: str) -> str:
    """Text in letters, digits, dot, dash and underscore only; accents dropped."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return PLAIN.sub("_", folded).strip("._")


def send_download(body: bytes | str, mimetype: str, name: str) -> Response:
    """A download that no shared cache keeps, under its (possibly non-Latin) name."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(name)
    # Private: a report or an export must not be kept by a shared cache or a shared phone.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def send_answers_csv(db: Database, store_ids: list[int], period: Period, lang: str) -> Response:
    """The answers CSV in the report's language; ?excel=1: the form Excel opens as it is."""
    excel = request.args.get("excel") == "1"
    body = csv_export.answers_csv(db, store_ids, period, lang, excel=excel)
    suffix = "-excel" if excel else ""
    return send_download(body, "text/csv", f"answers-{period.start}-{period.end}{suffix}.csv")


def send_pdf(path: Path, download_name: str) -> Response:
    """A cached report file as a download (read whole: no file handle left open)."""
    return send_download(path.read_bytes(), "application/pdf", download_name)

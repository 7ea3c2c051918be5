"""Log lines for the web app and the render workers: plain text, or JSON lines with
AUDIT_LOG_FORMAT=json. No Flask: a render worker sets up the same lines with nothing else loaded.

Every line goes to standard error (gunicorn, systemd and `make run` collect it there). Fields a
caller passes with `extra={...}` (request id, user id, status, ...) are written as key=value
pairs in text, and as keys of the object in JSON.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

# The attributes every LogRecord has; anything else on a record came from `extra`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_MARK = "_audit_handler"


def _fields(record: logging.LogRecord) -> dict:
    """The fields given with `extra`, in the order they were set."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


def _stamp(record: logging.LogRecord) -> str:
    """The record's time, ISO 8601 in UTC with milliseconds."""
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class TextFormatter(logging.Formatter):
    """`2026-12-03T18:00:00.123+00:00 INFO audit.request GET /login 200 key=value ...`."""

    def format(self, record: logging.LogRecord) -> str:
        """One line (a traceback follows on the next lines)."""
        shown = getattr(record, "_in_message", ())  # already written in the message itself
        pairs = " ".join(f"{k}={v}" for k, v in _fields(record).items() if k not in shown)
        line = f"{_stamp(record)} {record.levelname} {record.name} {record.getMessage()}"
        line = f"{line} {pairs}" if pairs else line
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the extra fields, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        """One line of JSON (a traceback is the "exception" string, newlines escaped)."""
        out = {"time": _stamp(record), "level": record.levelname, "logger": record.name,
               "message": record.getMessage(), **_fields(record)}
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (a test's capture, gunicorn's stream)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        """The current standard error."""
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        """Ignored: the stream is always the current standard error."""


def formatter(kind: str | None = None) -> logging.Formatter:
    """The formatter AUDIT_LOG_FORMAT names (json or text); ValueError for anything else."""
    kind = (kind or os.environ.get("AUDIT_LOG_FORMAT") or "text").strip().lower()
    if kind == "json":
        return JsonFormatter()
    if kind == "text":
        return TextFormatter()
    raise ValueError(f"AUDIT_LOG_FORMAT={kind!r}: use text or json.")


def setup(name: str, kind: str | None = None, level: int = logging.INFO,
          filters: list[logging.Filter] | None = None) -> logging.Logger:
    """Give the logger `name` one handler to standard error in the chosen format.

    Called again (each create_app in tests) it replaces its own handler instead of adding a
    second, so no line is written twice.
    """
    logger = logging.getLogger(name)
    for old in [h for h in logger.handlers if getattr(h, _MARK, False)]:
        logger.removeHandler(old)
    handler = StderrHandler()
    handler.setFormatter(formatter(kind))
    for one in filters or []:
        handler.addFilter(one)
    setattr(handler, _MARK, True)
    logger.addHandler(handler)
    logger.setLevel(level)
    return logger

"""Configuration: defaults, then the environment, then a test's overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/secret_key."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def load_config(app: Flask, overrides: dict | None) -> None:
    """Fill app.config; overrides (tests) win over the environment, which wins over defaults."""
    instance = Path(app.instance_path)
    https = os.environ.get("AUDIT_HTTPS") == "1"
    app.config.from_mapping(
        DATABASE=os.environ.get("AUDIT_DATABASE", str(instance / "audit.db")),
        UPLOAD_DIR=os.environ.get("AUDIT_UPLOADS", str(instance / "uploads")),
        REPORT_DIR=os.environ.get("AUDIT_REPORTS", str(instance / "reports")),
        MAX_CONTENT_LENGTH=int(os.environ.get("AUDIT_MAX_UPLOAD_MB", "12")) * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=https,
        PREFERRED_URL_SCHEME="https" if https else "http",
        BABEL_DEFAULT_LOCALE="en",
        REVISIT_DAYS=int(os.environ.get("AUDIT_REVISIT_DAYS", "90")),
        FAR_START_METRES=int(os.environ.get("AUDIT_FAR_START_METRES", "1000")),
        # Photo files keep no metadata. AUDIT_KEEP_PHOTO_GPS=1 keeps their GPS latitude and
        # longitude (nothing else) in the photos table: evidence of where a photo was taken,
        # but a position too, e.g. of a receipt photographed at the shopper's home. Default off.
        KEEP_PHOTO_GPS=os.environ.get("AUDIT_KEEP_PHOTO_GPS") == "1",
        # The shoppers' time zone: times typed without the phone's script are read in it, and
        # pages show times in it. With the script, the phone sends its own UTC offset.
        TIMEZONE=os.environ.get("AUDIT_TIMEZONE", "Europe/Warsaw"),
        # A shopper may fill a form offline for hours; the token lives as long as the session.
        WTF_CSRF_TIME_LIMIT=None,
        # Reverse proxies in front of the app (nginx: 1); their X-Forwarded-* headers are trusted
        # so the per-address login limit and HTTPS detection see the real client.
        PROXY_HOPS=int(os.environ.get("AUDIT_PROXY_HOPS", "0")),
        # A session not used for this many days ends (audit/sessions.py); a shopper's phone
        # that keeps working offline for a week stays logged in.
        SESSION_IDLE_DAYS=int(os.environ.get("AUDIT_SESSION_IDLE_DAYS", "30")),
        # Failed logins slow down further tries (audit/login_limits.py); the counts live in the
        # database, so every worker and machine on the same file shares them.
        RATELIMIT_ENABLED=True,
        # The JSON API's per-token limit (audit/api, Flask-Limiter): memory:// counts per
        # process; with several workers share the counts with AUDIT_RATELIMIT_STORAGE=redis://...
        RATELIMIT_STORAGE_URI=os.environ.get("AUDIT_RATELIMIT_STORAGE", "memory://"),
        # The JSON API, per token (audit/api): a BI tool paging a year of visits stays well
        # under it; a runaway script does not take the database from the people using it.
        API_RATE_LIMIT=os.environ.get("AUDIT_API_RATE_LIMIT", "120 per minute"),
        # Log lines on standard error: "text" (default) or "json" (one object per line).
        LOG_FORMAT=os.environ.get("AUDIT_LOG_FORMAT", "text"),
        # /healthz answers 503 when renders wait and no render worker has beaten for this long.
        WORKER_TIMEOUT=float(os.environ.get("AUDIT_WORKER_TIMEOUT", "60")),
        # Store reports one user may have waiting at once (a flood of requests is refused, 429).
        RENDER_CAP=int(os.environ.get("AUDIT_RENDER_CAP", "5")),
        # E-mail (audit/mail): smtp://host:port or smtps://user:pass@host:465. Unset: messages
        # wait in the outbox and the admin's outbox page says so.
        SMTP_URL=os.environ.get("AUDIT_SMTP_URL") or None,
        MAIL_FROM=os.environ.get("AUDIT_MAIL_FROM", "Mystery audit <noreply@localhost>"),
        # Links in messages: the address people open the app at.
        BASE_URL=os.environ.get("AUDIT_BASE_URL", "http://127.0.0.1:5000"),
        # A visit PDF larger than this goes as a link only.
        MAIL_ATTACH_MAX_KB=int(os.environ.get("AUDIT_MAIL_ATTACH_MAX_KB", "2048")),
        # A publish re-renders its store's default-period reports in the background
        # (audit/prerender.py); AUDIT_PRERENDER=0 leaves every render to the first download.
        PRERENDER=os.environ.get("AUDIT_PRERENDER", "1") != "0",
    )
    if overrides:
        app.config.update(overrides)
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)

"""The audit app. `audit.create_app` is audit/factory.py's, imported when first asked for.

Importing `audit` (as `audit.storage`, the domain packages and reports do) loads nothing else:
a render worker or the CLI that only needs the database loads no blueprint and no Flask.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """`from audit import create_app` and gunicorn's 'audit:create_app()' find the factory."""
    if name == "create_app":
        from audit.factory import create_app

        return create_app
    raise AttributeError(f"module 'audit' has no attribute {name!r}")

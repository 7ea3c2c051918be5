"""Where the app's files are, whether it runs from a source checkout or from an installed wheel.

The wheel carries templates/ and static/ inside the `audit` package, beside the compiled
catalogues in audit/translations (setup.py puts them there when the wheel is built); a source
checkout (and an editable install) keeps templates/ and static/ at the top of the repository.
The instance folder (database, uploads, reports, queue) never lies inside an installed package.
It lives here, under storage, so that reports/ can use it without importing the web app.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
CHECKOUT = PACKAGE.parent


def installed() -> bool:
    """True when running from a built wheel: the templates travel inside the package."""
    return (PACKAGE / "templates").is_dir()


def shipped(name: str) -> Path:
    """The folder `name` inside the installed package, else the checkout's top-level one."""
    return PACKAGE / name if installed() else CHECKOUT / name


def instance_dir() -> Path:
    """AUDIT_INSTANCE, else the checkout's instance/, else (installed) ./instance; absolute."""
    if configured := os.environ.get("AUDIT_INSTANCE"):
        return Path(configured).expanduser().absolute()
    return Path.cwd() / "instance" if installed() else CHECKOUT / "instance"


TEMPLATES = shipped("templates")
STATIC = shipped("static")
TRANSLATIONS = PACKAGE / "translations"

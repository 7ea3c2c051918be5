"""Build the .mo files from the .po catalogues (they are built, not committed) for the tests."""

from __future__ import annotations

import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from audit.web.i18n import TRANSLATIONS


def read_catalogue(po: Path):
    """One language's catalogue as Babel reads it."""
    with po.open("rb") as f:
        return read_po(f, locale=po.parent.parent.name)


def catalogues(directory: Path = TRANSLATIONS) -> list[Path]:
    """Every language's messages.po."""
    return sorted(directory.glob("*/LC_MESSAGES/messages.po"))


def compile_catalogues(directory: Path = TRANSLATIONS, out: Path | None = None) -> list[Path]:
    """Compile each messages.po whose .mo is missing or older (into `out` if given); the .mo paths.

    Written to a temporary name and renamed, so xdist workers compiling at once never see half
    a file. Fuzzy entries are left out, as `pybabel compile` does.
    """
    built = []
    for po in catalogues(directory):
        target = (out / po.relative_to(directory) if out else po).with_suffix(".mo")
        if target.exists() and target.stat().st_mtime_ns >= po.stat().st_mtime_ns:
            built.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}")
        with tmp.open("wb") as f:
            write_mo(f, read_catalogue(po))
        os.replace(tmp, target)
        built.append(target)
    return built

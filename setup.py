"""The build hook: the wheel carries the templates, the static files and compiled catalogues.

templates/ and static/ stay at the top of the repository; the wheel puts them inside the `audit`
package (audit/templates, audit/static), where audit/storage/locations.py looks first. The .mo
files are built, not committed: they are compiled here from the .po catalogues with Babel's API
(a build requirement in pyproject.toml). Everything else is declared in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
CARRIED = ("templates", "static")


def compile_catalogues(source: Path, target: Path) -> None:
    """Write target/<lang>/LC_MESSAGES/messages.mo for each .po under source (fuzzy left out)."""
    # Imported here: an editable install (no catalogues to build) must not need Babel.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as f:
            catalogue = read_po(f, locale=po.parent.parent.name)
        with mo.open("wb") as f:
            write_mo(f, catalogue)


class BuildWithAssets(build_py):
    """build_py, then the top-level folders and the compiled catalogues into the package."""

    def run(self) -> None:
        """Copy the packages as usual, then add what the app reads from disk."""
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's own folders
            return
        package = Path(self.build_lib) / "audit"
        for name in CARRIED:
            shutil.rmtree(package / name, ignore_errors=True)  # no stale file from a past build
            shutil.copytree(HERE / name, package / name)
        compile_catalogues(HERE / "audit" / "translations", package / "translations")


setup(cmdclass={"build_py": BuildWithAssets})

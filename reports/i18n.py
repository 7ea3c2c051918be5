"""The report's own gettext: the app's compiled catalogues, read without Flask.

Reports are rendered by the CLI and by background jobs as well as by the web app, so they load
the same .mo files Flask-Babel uses (audit/translations, in a checkout and in the wheel)
through babel.support directly.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

from audit.storage.locations import TRANSLATIONS
from audit.vocabulary import DEFAULT_LANGUAGE


@lru_cache(maxsize=16)
def translations(lang: str, directory: str | Path = TRANSLATIONS) -> NullTranslations:
    """The compiled messages of `lang` (English, or a catalogue not compiled: text as written)."""
    if lang == DEFAULT_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(directory), [lang])


def catalogue_stamp(directory: str | Path = TRANSLATIONS) -> str:
    """A short digest of the compiled catalogues: a cached PDF goes stale when a text changes."""
    parts = sorted(f"{p.relative_to(directory)}:{p.stat().st_mtime_ns}:{p.stat().st_size}"
                   for p in Path(directory).glob("*/LC_MESSAGES/messages.mo"))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]

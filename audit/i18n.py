"""Translations (Flask-Babel): every user-facing string goes through gettext."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel
from flask_login import current_user

babel = Babel()


def select_locale() -> str:
    """The user's own language, else the best match of the browser's Accept-Language."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI and background jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return request.accept_languages.best_match(languages) or languages[0]


def init_app(app: Flask) -> None:
    """Attach Babel with our locale selector."""
    babel.init_app(app, locale_selector=select_locale)

"""Translations (Flask-Babel): every user-facing string goes through gettext."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import Babel, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from audit.storage.locations import TRANSLATIONS
from audit.vocabulary import DEFAULT_LANGUAGE, LANGUAGES
from audit.web.auth import safe_next
from audit.web.database import get_db

# Each language by its own name ("Polski", "Русский"), as Babel's data writes it.
LANGUAGE_NAMES = {code: Locale.parse(code).get_display_name(code).capitalize()
                  for code in LANGUAGES}
CHANNEL_NAMES = {"physical": _l("physical"), "online": _l("online"), "any": _l("any channel")}

babel = Babel()
bp = Blueprint("i18n", __name__)


def available_languages() -> list[str]:
    """The default language plus every other one of LANGUAGES with a compiled catalogue."""
    found = {p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.mo")}
    return [DEFAULT_LANGUAGE, *(code for code in LANGUAGES[1:] if code in found)]


def select_locale() -> str:
    """The user's own language, else the one chosen before login, else the browser's."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI and background jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return with_region(current_user.language)
    if session.get("lang") in languages:
        return with_region(session["lang"])
    return with_region(request.accept_languages.best_match(languages) or languages[0])


def with_region(language: str) -> str:
    """The language with the first region the browser names for it ("en" + en-GB -> "en_GB"):
    its catalogue stays the language's, dates and numbers follow the region's customs."""
    for tag, _quality in request.accept_languages:
        code, _sep, region = tag.replace("-", "_").partition("_")
        if code.lower() != language or not region:
            continue
        try:
            return str(Locale.parse(f"{language}_{region}"))
        except (ValueError, UnknownLocaleError):
            continue
    return language


def select_timezone() -> str:
    """The app's zone (TIMEZONE, AUDIT_TIMEZONE): every page shows times in it."""
    return current_app.config["TIMEZONE"]


def localized(texts: dict | str | None) -> str:
    """A criteria text ({"en": ..., "pl": ...}) in the request's language, else English."""
    if not isinstance(texts, dict):
        return texts or ""
    locale = get_locale()
    lang = locale.language if locale else "en"
    return texts.get(lang) or texts.get("en", "")


def channel_name(channel: str) -> str:
    """'physical', 'online' or 'any' in the request's language."""
    return str(CHANNEL_NAMES.get(channel, channel))


@bp.route("/language", methods=["POST"])
def choose_language():
    """Switch the language: stored on the account when logged in, in the session otherwise."""
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated:
        db = get_db()
        with db.atomic():
            db["users"].update(current_user.id, {"language": lang})
    return redirect(safe_next(request.form.get("next")) or url_for("auth.home"))


def init_app(app: Flask) -> None:
    """Attach Babel with our locale selector and the language switch."""
    app.config.setdefault("LANGUAGES", available_languages())
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(language_names=LANGUAGE_NAMES, channel_name=channel_name)
    app.jinja_env.filters["localized"] = localized

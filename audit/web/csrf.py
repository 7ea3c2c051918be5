"""CSRF protection on every form (Flask-WTF)."""

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    """Every POST needs a valid token, forms and JSON endpoints alike."""
    csrf.init_app(app)

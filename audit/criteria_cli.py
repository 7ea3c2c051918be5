"""CLI for criteria sets: import, export, score."""

from flask.cli import AppGroup

criteria_cli = AppGroup("criteria", help="Criteria sets: import, export, score.")

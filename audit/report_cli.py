"""CLI for reports: one store's PDF, or every store's."""

from flask.cli import AppGroup

report_cli = AppGroup("report", help="PDF audit reports.")

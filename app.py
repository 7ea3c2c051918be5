"""Entry point: `flask --app app run` and gunicorn `app:app` find the application here."""

from audit import create_app

app = create_app()

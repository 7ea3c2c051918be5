"""GET /favicon.ico: browsers ask for it whatever the page says; answer with the app's icon."""

from pathlib import Path

from flask import Blueprint, Flask, Response, current_app

bp = Blueprint("favicon", __name__)


@bp.route("/favicon.ico")
def favicon() -> Response:
    """The app's icon (a PNG: every browser accepts one under this name), cached for a day."""
    # Read whole rather than streamed: a few kB, and no file left open by clients that never read.
    icon = Path(current_app.static_folder, "icons", "icon-192.png").read_bytes()
    response = Response(icon, mimetype="image/png")
    response.cache_control.public, response.cache_control.max_age = True, 86400
    return response


def init_app(app: Flask) -> None:
    """Register the route."""
    app.register_blueprint(bp)

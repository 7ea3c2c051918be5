"""GET /photos/<id>: a visit photo, only for those allowed to see it."""

from contextlib import suppress
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, make_response
from flask_login import current_user, login_required

from audit.visits.photos import photo_for_viewer, strip_metadata
from audit.web.database import get_db

bp = Blueprint("photos", __name__)


@bp.route("/photos/<int:photo_id>")
@login_required
def photo(photo_id: int):
    """The photo file; 404 for anyone who may not see it (so ids reveal nothing)."""
    row = photo_for_viewer(get_db(), photo_id, current_user.id, current_user.role) or abort(404)
    path = Path(current_app.config["UPLOAD_DIR"]) / row["filename"]
    if not path.is_file():
        abort(404)
    # Read whole (photos are capped at 1600 px, a few hundred KB): no file handle left open.
    # Stripped here too: a photo stored before uploads were stripped may still carry a comment.
    data = path.read_bytes()
    with suppress(ValueError):  # not a JPEG we can read segment by segment: sent as it is
        data = strip_metadata(data)
    response = make_response(data)
    response.mimetype = "image/jpeg"
    # Private: a shared phone's or a proxy's cache must not hand it to someone else.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_app(app: Flask) -> None:
    """Register the route."""
    app.register_blueprint(bp)

"""Shopper pages: my visits, start, one section per screen, summary, submit; JSON for the phone.

Every page works as a plain form without JavaScript. The phone's script posts the same field
names as JSON (drafts, the offline submission) and photos one by one, with the CSRF header.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from audit.errors import N_, Conflict, DomainError, Invalid, NotFound
from audit.shopper import bp
from audit.shopper.forms import (
    EndForm,
    PhotoDeleteForm,
    StartForm,
    SubmitForm,
    fields_from_json,
    json_form,
    parse_answers,
    submit_details,
)
from audit.shopper.pages import (
    checklist_sections,
    my_visits_context,
    phone_state,
    read_only_view,
    section_context,
    summary_context,
    visit_context,
)
from audit.storage.db import synced_later
from audit.visits.field import (
    StartInfo,
    end_visit,
    save_draft,
    start_visit,
    submit_visit,
    visit_for_shopper,
    why_not_yours,
)
from audit.visits.photos import delete_photo, store_photo
from audit.web.assets import current_build
from audit.web.database import get_db
from audit.web.errors import http_status, message, messages
from audit.web.formatting import moment

# More pages of My visits than anyone has; a bigger ?page= is read as this one.
MAX_PAGE = 100_000
# What the phone keeps to open the field app without signal (static/sw.js, cache-first).
SHELL_FILES = ("css/app.css", "css/field.css", "js/field.js", "js/store.js", "js/sync.js",
               "manifest.webmanifest", "icons/icon.svg")


def _own_visit(visit_id: int) -> dict:
    """The current shopper's visit; else why not (cancelled, given to someone else: 410), or 404.

    The phone's script gets JSON it understands: it stops sending that visit and shows why.
    """
    row = visit_for_shopper(get_db(), visit_id, current_user.id)
    if row is not None:
        return row
    err = why_not_yours(get_db(), visit_id, current_user.id)
    if _wants_json():
        abort(make_response(jsonify(error=err.code, message=_text(err)), http_status(err)))
    if isinstance(err, NotFound):
        abort(404)  # someone else's visits do not exist for them
    raise err


def _zone() -> str:
    """The time zone for times typed without the phone's script."""
    return current_app.config["TIMEZONE"]


def _wants_json() -> bool:
    """Whether the phone's script (not a plain form) is asking."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _text(err: DomainError) -> str:
    """The refusal in the reader's language; a time in it in their format and zone."""
    at = err.params.get("at")
    if isinstance(at, str):
        err.params = {**err.params, "at": moment(at)}
    return message(err)


def _flow_error(err: DomainError, visit_id: int):
    """A refused request: JSON for the script, a message on the visit page for a form."""
    text = _text(err)
    if _wants_json():
        return jsonify(error=err.code, message=text, details=messages(err.details)), \
            http_status(err)
    flash(text, "error")
    return redirect(url_for("shopper.visit", visit_id=visit_id))


@bp.errorhandler(413)
def too_large(_error):
    """A photo over the size limit: a clear message; the rest of the visit is untouched."""
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    message = _("This photo is too large (over %(mb)d MB). Take it again at a lower "
                "resolution.", mb=limit)
    if _wants_json():
        return jsonify(error="too_large", message=message), 413
    return render_template("errors/error.html", code=413, message=message), 413


@bp.route("/")
def index():
    """My visits: what is to do (returned, in progress, scheduled), then the latest sent; older
    ones page by page (?page=2)."""
    # Capped: a 20-digit page made an OFFSET SQLite cannot hold (500).
    page = min(max(1, request.args.get("page", 1, type=int)), MAX_PAGE)
    return render_template("shopper/index.html",
                           **my_visits_context(get_db(), current_user.id, page))


@bp.route("/visits/<int:visit_id>")
def visit(visit_id: int):
    """One visit: its store, start button, progress, or what was sent (read-only)."""
    row = _own_visit(visit_id)
    if row["status"] in ("scheduled", "in_progress", "returned"):
        return render_template("shopper/visit.html", **visit_context(get_db(), row),
                               start_form=StartForm(), end_form=EndForm())
    return render_template("shopper/visit_done.html", **read_only_view(get_db(), row))


@bp.route("/visits/<int:visit_id>/start", methods=["POST"])
def start(visit_id: int):
    """Start the visit: time, and the phone's position (physical) or the URL used (online)."""
    row = _own_visit(visit_id)
    form = json_form(StartForm, request.get_json()) if request.is_json else StartForm()
    if not form.validate():
        if _wants_json():
            return jsonify(error="invalid", message=_("Check the start details."),
                           details=form.errors), 422
        flash(_("Check the web address you used."), "error")
        return redirect(url_for("shopper.visit", visit_id=visit_id))
    info = StartInfo(at=form.started_at.data, lat=form.lat.data, lon=form.lon.data,
                     accuracy=form.accuracy.data, online_url=form.online_url.data or None,
                     online_channel=form.online_channel.data or None)
    try:
        started = start_visit(get_db(), row, info,
                              far_metres=current_app.config["FAR_START_METRES"])
    except DomainError as err:
        return _flow_error(err, visit_id)
    if _wants_json():
        return jsonify(status=started["status"], started_at=started["started_at"])
    return redirect(url_for("shopper.section", visit_id=visit_id, number=1))


@bp.route("/visits/<int:visit_id>/sections/<int:number>", methods=["GET", "POST"])
def section(visit_id: int, number: int):
    """One section of the checklist; POST saves it and goes on (plain forms, no script)."""
    row = _own_visit(visit_id)
    if row["status"] not in ("scheduled", "in_progress", "returned"):
        return redirect(url_for("shopper.visit", visit_id=visit_id))
    sections = checklist_sections(get_db(), row)
    if not 1 <= number <= len(sections):
        abort(404)
    if request.method == "GET":
        return render_template("shopper/section.html",
                               **section_context(get_db(), row, sections, number, None))
    return _save_section(row, sections, number)


def _save_section(row: dict, sections: list, number: int):
    """Save a posted section (photos first, so none is lost), then go where the button said."""
    # Only what the page asked: a hidden question's stored answer is kept, not cleared.
    criteria = sections[number - 1].shown
    entries, errors = parse_answers(criteria, request.form, default_zone=_zone(),
                                    only_present=False)
    try:
        errors |= _store_posted_photos(row, criteria)
        if not errors:
            errors = save_draft(get_db(), row, entries, user_id=current_user.id,
                                partial=False)
    except DomainError as err:
        return _flow_error(err, row["id"])
    if errors:
        context = section_context(get_db(), row, sections, number, request.form)
        return render_template("shopper/section.html",
                               **{**context, "errors": messages(errors)}), 422
    go = request.form.get("go", "next")
    if go in ("next", "summary") and _more_asked(row, criteria, number):
        go = "stay"  # the answers opened questions here: ask them before moving on
    if go == "prev" and number > 1:
        number -= 1
    elif go == "next" and number < len(sections):
        number += 1
    elif go in ("next", "summary"):
        return redirect(url_for("shopper.summary", visit_id=row["id"]))
    return redirect(url_for("shopper.section", visit_id=row["id"], number=number))


def _more_asked(row: dict, asked: list, number: int) -> bool:
    """Whether the section now asks questions it did not ask when the page was drawn."""
    now_shown = checklist_sections(get_db(), row)[number - 1].shown
    return bool({c.key for c in now_shown} - {c.key for c in asked})


def _store_posted_photos(row: dict, criteria: list) -> dict[str, str]:
    """Photos chosen in a plain form post; messages by criterion key for the refused ones."""
    errors = {}
    for c in criteria:
        for i, upload in enumerate(request.files.getlist(f"f-{c.key}")):
            if not upload or not upload.filename:
                continue
            client_id = f"{request.form.get(f'pid-{c.key}', uuid.uuid4().hex)}-{i}"
            try:
                store_photo(get_db(), current_app.config["UPLOAD_DIR"], row,
                            criterion_key=c.key, client_id=client_id[:64], stream=upload.stream,
                            keep_gps=current_app.config["KEEP_PHOTO_GPS"])
            except DomainError as err:
                if isinstance(err, Conflict):  # the visit itself refuses: not this photo's fault
                    raise
                errors[c.key] = _text(err)
    return errors


@bp.route("/visits/<int:visit_id>/summary")
def summary(visit_id: int):
    """What is missing (with links), the score so far, the end and submit buttons."""
    row = _own_visit(visit_id)
    if row["status"] not in ("scheduled", "in_progress", "returned"):
        return redirect(url_for("shopper.visit", visit_id=visit_id))
    form = SubmitForm(data={"uuid": str(uuid.uuid4())})
    return render_template("shopper/summary.html", **summary_context(get_db(), row),
                           form=form, end_form=EndForm())


@bp.route("/visits/<int:visit_id>/end", methods=["POST"])
def end(visit_id: int):
    """Record leaving the shop."""
    row = _own_visit(visit_id)
    form = json_form(EndForm, request.get_json()) if request.is_json else EndForm()
    form.validate()
    try:
        end_visit(get_db(), row, form.ended_at.data or None)
    except DomainError as err:
        return _flow_error(err, visit_id)
    if _wants_json():
        return jsonify(status="ended")
    return redirect(url_for("shopper.summary", visit_id=visit_id))


@bp.route("/visits/<int:visit_id>/draft", methods=["POST"])
def draft(visit_id: int):
    """Autosave from the phone: the fields it knows, as JSON; saves what fits."""
    row = _own_visit(visit_id)
    criteria = [c for s in checklist_sections(get_db(), row) for c in s.criteria]
    fields = fields_from_json(request.get_json(silent=True))
    entries, errors = parse_answers(criteria, fields, default_zone=_zone(), only_present=True)
    try:
        with synced_later(get_db()) as db:  # the phone keeps the draft until it submits
            errors |= save_draft(db, row, entries, user_id=current_user.id)
    except DomainError as err:
        return _flow_error(err, visit_id)
    return jsonify(saved=len(entries) - len(errors), errors=messages(errors))


@bp.route("/visits/<int:visit_id>/submit", methods=["POST"])
def submit(visit_id: int):
    """Submit once: a repeat with the same id and content gets the same answer."""
    row = _own_visit(visit_id)
    payload = request.get_json(silent=True) if request.is_json else None
    form = SubmitForm() if payload is None else None
    if form is not None:
        form.validate()
    criteria = [c for s in checklist_sections(get_db(), row) for c in s.criteria]
    entries, errors = parse_answers(criteria, fields_from_json(payload), default_zone=_zone(),
                                    only_present=True)
    if errors:
        return _flow_error(Invalid("invalid", N_("Some answers need correcting."),
                                   details=errors), visit_id)
    sent = submit_details(payload) if form is None else {
        "submission_uuid": form.uuid.data, "photo_ids": [], "ended_at": form.ended_at.data}
    try:
        result = submit_visit(get_db(), visit_id, entries=entries, user_id=current_user.id,
                              **sent)
    except DomainError as err:
        if err.code == "missing" and not _wants_json():
            flash(_text(err), "error")
            return redirect(url_for("shopper.summary", visit_id=visit_id))
        return _flow_error(err, visit_id)
    if _wants_json():
        return jsonify(result)
    flash(_("Sent. Thank you!"), "success")
    return redirect(url_for("shopper.visit", visit_id=visit_id))


@bp.route("/visits/<int:visit_id>/photos", methods=["POST"])
def photo_upload(visit_id: int):
    """One photo from the phone (multipart: file, criterion, client id); a retry is harmless."""
    row = _own_visit(visit_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _flow_error(Invalid("no_file", N_("Choose a photo first.")), visit_id)
    try:
        photo, created = store_photo(
            get_db(), current_app.config["UPLOAD_DIR"], row,
            criterion_key=request.form.get("criterion", ""),
            client_id=request.form.get("client_id", ""), stream=upload.stream,
            keep_gps=current_app.config["KEEP_PHOTO_GPS"])
    except DomainError as err:
        return _flow_error(err, visit_id)
    body = {"id": photo["id"], "client_id": photo["client_id"], "width": photo["width"],
            "height": photo["height"], "url": url_for("photos.photo", photo_id=photo["id"])}
    if _wants_json():
        return jsonify(body), 201 if created else 200
    return redirect(request.referrer or url_for("shopper.visit", visit_id=visit_id))


@bp.route("/visits/<int:visit_id>/photos/<int:photo_id>/delete", methods=["POST"])
def photo_delete(visit_id: int, photo_id: int):
    """Remove one of the visit's photos."""
    row = _own_visit(visit_id)
    PhotoDeleteForm().validate()
    try:
        found = delete_photo(get_db(), current_app.config["UPLOAD_DIR"], row, photo_id)
    except DomainError as err:
        return _flow_error(err, visit_id)
    if not found:
        abort(404)
    if _wants_json():
        return jsonify(deleted=photo_id)
    flash(_("Photo removed."), "success")
    return redirect(request.referrer or url_for("shopper.visit", visit_id=visit_id))


@bp.route("/visits/<int:visit_id>/state.json")
def state(visit_id: int):
    """The server's view of the visit, for the phone to compare with what it holds."""
    return jsonify(phone_state(get_db(), _own_visit(visit_id)))


@bp.route("/sw.js")
def service_worker():
    """The service worker, served from /shopper/ so that its scope covers the field app.

    It learns the static build and the shell's versioned URLs here: a deploy that changes any
    static file changes this script, so phones install the new worker (and its shell) at once.
    """
    shell = [url_for("static", filename=name) for name in SHELL_FILES]
    script = (Path(current_app.static_folder) / "sw.js").read_text(encoding="utf-8")
    script = script.replace("const BUILD = 'dev';", f"const BUILD = {json.dumps(current_build())};")
    script = script.replace("const ASSETS = [];", f"const ASSETS = {json.dumps(shell)};")
    response = make_response(script)
    response.mimetype = "text/javascript"
    # Browsers check for a new worker on each visit; never let a cache hide an update. The ETag
    # makes that check a 304 while nothing changed.
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)

"""Admin: criteria sets and their versions: list, import/export, edit drafts, preview, publish."""

from __future__ import annotations

import copy
import re
from pathlib import PurePath

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from audit.admin import bp
from audit.admin import criteria_forms as forms
from audit.criteria_sets import versions as store
from audit.errors import Conflict
from audit.vocabulary import LANGUAGES
from audit.web.criteria_problems import problem_message, problem_text
from audit.web.database import get_db
from audit.web.downloads import send_download
from audit.web.errors import message
from audit.web.i18n import LANGUAGE_NAMES
from audit.web.ids import row_id
from audit.web.labels import text_field_label
from criteria.diff import diff_sets
from criteria.io import CriteriaError, Problem, dump_set, load_set, set_to_dict
from criteria.model import CriteriaSet, text
from criteria.translations import MissingText, missing_texts

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}
# The criteria pages list problems with `{{ p|problem_text }}`, in the admin's language.
bp.add_app_template_filter(problem_text)


# ---------------------------------------------------------------- fetch or 404


def set_or_404(set_id: int) -> dict:
    """The criteria set, or 404."""
    return store.get_set(get_db(), set_id) or abort(404)


def version_or_404(version_id: int) -> dict:
    """The version (with its set's key), or 404."""
    return store.get_version(get_db(), version_id) or abort(404)


# ---------------------------------------------------------------- saving an edit


def _save(version: dict, data: dict) -> Response:
    """Save a changed set dict (CriteriaError propagates) and go back to the editor."""
    try:
        saved = store.save_dict(get_db(), version["id"], data, user_id=current_user.id)
    except Conflict as err:  # the set has an open draft: the change belongs there
        flash(message(err), "error")
        return redirect(url_for("admin.criteria_edit", version_id=err.details["draft_id"]))
    if saved != version["id"]:
        number = store.get_version(get_db(), saved)["number"]
        flash(_("Version %(old)s stays as it was; your change is in a new draft, version "
                "%(new)s.", old=version["number"], new=number), "success")
    else:
        flash(_("Draft saved."), "success")
    return redirect(url_for("admin.criteria_edit", version_id=saved))


def _key_problem(err: ValueError) -> CriteriaError:
    """A refused key change, as a problem at the key."""
    return CriteriaError([Problem("key", str(err))])


# ---------------------------------------------------------------- sets


@bp.route("/criteria")
def criteria_sets():
    """Every criteria set with its current version and draft; import a file."""
    return _sets_page(forms.ImportForm())


def _sets_page(form: forms.ImportForm, problems: list[Problem] | None = None, status: int = 200):
    """The list of sets, with the import form and its problems."""
    sets = store.list_sets(get_db())
    return render_template("admin/criteria/sets.html", sets=sets, form=form,
                           problems=problems or [], action=forms.ActionForm()), status


@bp.route("/criteria/import", methods=["POST"])
def criteria_import():
    """Import a set from an uploaded YAML or JSON file; nothing is stored if it has problems."""
    form = forms.ImportForm()
    if not form.validate_on_submit():
        return _sets_page(form, status=400)
    upload = form.file.data
    fmt = FORMATS.get(PurePath(upload.filename or "").suffix.lower())
    if fmt is None:
        form.file.errors.append(_("Choose a .yaml, .yml or .json file."))
        return _sets_page(form, status=400)
    try:
        cs = load_set(upload.stream.read(), fmt)  # the size limit is criteria.io's
        # Untranslated texts: stored as a draft, and the admin confirms publishing it.
        missing = missing_texts(cs, LANGUAGES) if form.publish.data else {}
        version_id, _new = store.import_set(get_db(), cs, user_id=current_user.id,
                                            publish=form.publish.data and not missing)
    except CriteriaError as err:
        return _sets_page(form, err.problems, 400)
    flash(_("Imported %(key)s.", key=cs.key), "success")
    if missing:
        return _publish_confirmation(store.get_version(get_db(), version_id), missing)
    return redirect(url_for("admin.criteria_edit", version_id=version_id))


@bp.route("/criteria/new", methods=["GET", "POST"])
def criteria_set_new():
    """Start a new set from a one-question template, as a draft."""
    form = forms.NewSetForm()
    if form.validate_on_submit():
        try:
            version_id = store.new_set(get_db(), form.key.data.strip(), form.name.data.strip(),
                                       form.channel.data, user_id=current_user.id)
        except CriteriaError as err:
            form.key.errors = [problem_message(p) for p in err.problems]
        else:
            return redirect(url_for("admin.criteria_edit", version_id=version_id))
    status = 400 if form.errors else 200
    return render_template("admin/criteria/new.html", form=form, source=None), status


@bp.route("/criteria/<int:set_id>")
def criteria_set(set_id: int):
    """A set's versions: which is current, which visits use, and what to do with each."""
    cs_row = set_or_404(set_id)
    versions = store.list_versions(get_db(), set_id)
    return render_template("admin/criteria/set.html", set=cs_row, versions=versions,
                           action=forms.ActionForm())


@bp.route("/criteria/<int:set_id>/archive", methods=["POST"])
def criteria_archive(set_id: int):
    """Archive a set (no longer offered for new visits) or restore it."""
    cs_row = set_or_404(set_id)
    if forms.ActionForm().validate_on_submit():
        store.set_archived(get_db(), set_id, not cs_row["archived"])
        flash(_("Set restored.") if cs_row["archived"] else _("Set archived."), "success")
    return redirect(url_for("admin.criteria_set", set_id=set_id))


@bp.route("/criteria/<int:set_id>/duplicate", methods=["GET", "POST"])
def criteria_duplicate(set_id: int):
    """Copy a set's current version (or newest draft) into a new set with its own key."""
    source = set_or_404(set_id)
    form = forms.DuplicateForm()
    if form.validate_on_submit():
        version_id = _newest_version(set_id)
        try:
            new_id = store.duplicate_set(get_db(), version_id, form.key.data.strip(),
                                         {"en": form.name.data.strip()}, user_id=current_user.id)
        except CriteriaError as err:
            form.key.errors = [problem_message(p) for p in err.problems]
        else:
            flash(_("Copied. This is a draft: publish it when it is ready."), "success")
            return redirect(url_for("admin.criteria_edit", version_id=new_id))
    status = 400 if form.errors else 200
    return render_template("admin/criteria/new.html", form=form, source=source), status


def _newest_version(set_id: int) -> int:
    """The current version, else the newest one."""
    versions = store.list_versions(get_db(), set_id)
    return next((v["id"] for v in versions if v["current"]), versions[0]["id"])


@bp.route("/criteria/<int:set_id>/diff")
def criteria_diff(set_id: int):
    """What changed between two versions of a set (default: the newest two)."""
    cs_row = set_or_404(set_id)
    versions = store.list_versions(get_db(), set_id)
    ids = [v["id"] for v in versions]
    new = request.args.get("new", type=row_id) or ids[0]
    old = request.args.get("old", type=row_id) or (ids[1] if len(ids) > 1 else ids[0])
    if old not in ids or new not in ids:
        abort(404)
    old_set, new_set = store.version_set(get_db(), old), store.version_set(get_db(), new)
    return render_template("admin/criteria/diff.html", set=cs_row, versions=versions, old=old,
                           new=new, diff=diff_sets(old_set, new_set), old_set=old_set,
                           new_set=new_set, numbers={v["id"]: v["number"] for v in versions})


# ---------------------------------------------------------------- one version


@bp.route("/criteria/versions/<int:version_id>/export")
def criteria_export(version_id: int):
    """Download a version as YAML (or JSON with ?format=json)."""
    version = version_or_404(version_id)
    fmt = "json" if request.args.get("format") == "json" else "yaml"
    body = dump_set(store.version_set(get_db(), version_id), fmt)
    name = f"{version['set_key']}-v{version['number']}.{fmt}"
    return send_download(body, "application/json" if fmt == "json" else "application/yaml", name)


@bp.route("/criteria/versions/<int:version_id>/preview")
def criteria_preview(version_id: int):
    """The version as a shopper sees it on a phone, read-only."""
    version = version_or_404(version_id)
    cs = store.version_set(get_db(), version_id)
    langs = forms.languages(cs.name)
    lang = request.args.get("lang") if request.args.get("lang") in langs else "en"
    return render_template("admin/criteria/preview.html", version=version, cs=cs, lang=lang,
                           langs=langs, t=lambda texts: text(texts, lang))


@bp.route("/criteria/versions/<int:version_id>/publish", methods=["POST"])
def criteria_publish(version_id: int):
    """Publish a draft: new visits use it from now on; older visits keep their version."""
    version = version_or_404(version_id)
    if not forms.ActionForm().validate_on_submit() or version["status"] != "draft":
        abort(400)
    # Texts missing in a language: the first press lists them, "Publish anyway" confirms.
    confirmed = request.form.get("confirm") == "missing_texts"
    try:
        store.publish_version(get_db(), version_id,
                              languages_required=() if confirmed else LANGUAGES)
    except Conflict as err:
        if err.code != "missing_texts":
            raise
        return _publish_confirmation(version, err.details)
    flash(_("Version %(n)s published: new visits use it.", n=version["number"]), "success")
    return redirect(url_for("admin.criteria_set", set_id=version["set_id"]))


def _publish_confirmation(version: dict, missing: dict) -> str:
    """The page that lists a draft's untranslated texts and asks before publishing it."""
    return render_template("admin/criteria/publish_confirm.html", version=version,
                           missing=_missing_rows(version["id"], missing),
                           action=forms.ActionForm())


def _missing_rows(version_id: int, missing: dict) -> list[tuple[str, list[dict]]]:
    """Per language: each missing text's words, its English text and the page that edits it."""
    cs = store.version_set(get_db(), version_id)
    return [(LANGUAGE_NAMES[lang], [_missing_row(version_id, cs, m) for m in gaps])
            for lang, gaps in missing.items()]


def _missing_row(version_id: int, cs: CriteriaSet, gap: MissingText) -> dict:
    """One missing text: its key, what it is, the English words that name it, where to fix it."""
    if gap.field in ("name", "description"):
        url, english = url_for("admin.criteria_edit", version_id=version_id), cs.name
    elif gap.field == "title":
        url = url_for("admin.criteria_section", version_id=version_id, section_key=gap.where)
        english = next(s.title for s in cs.sections if s.key == gap.where)
    else:
        url = url_for("admin.criteria_criterion", version_id=version_id, criterion_key=gap.where)
        english = cs.criterion(gap.where).text
    return {"key": gap.where, "field": text_field_label(gap.field), "url": url,
            "english": text(english, "en")}


def _editable(version: dict) -> Response | None:
    """Send an edit of a published version to the set's open draft, when there is one."""
    if version["status"] == "draft" and not version["frozen"]:
        return None
    draft = store.open_draft(get_db(), version["set_id"])
    if draft is not None:
        flash(_("This set already has a draft; edit it instead."), "error")
        return redirect(url_for("admin.criteria_edit", version_id=draft))
    return None


@bp.route("/criteria/versions/<int:version_id>/edit", methods=["GET", "POST"])
def criteria_edit(version_id: int):
    """The editor: the set's own fields, and its sections and criteria to change and reorder."""
    version = version_or_404(version_id)
    if (elsewhere := _editable(version)) is not None:
        return elsewhere
    data = store.version_dict(get_db(), version_id)
    langs = forms.languages(data["name"], data.get("description"))
    values, errors, problems = forms.flatten_details(data), {}, []
    if request.method == "POST":
        if not forms.ActionForm().validate_on_submit():
            abort(400)
        values, changed = request.form, copy.deepcopy(data)  # the page still shows the saved one
        store.put_details(forms.parse_details(request.form, langs))(changed)
        try:
            return _save(version, changed)
        except CriteriaError as err:
            errors, problems = forms.attach(err.problems, forms.details_anchors())
    return render_template("admin/criteria/edit.html", version=version, data=data, langs=langs,
                           values=values, errors=errors, problems=problems,
                           action=forms.ActionForm(), choices=forms.CHOICES,
                           type_labels=forms.TYPE_LABELS), (400 if errors or problems else 200)


@bp.route("/criteria/versions/<int:version_id>/move", methods=["POST"])
def criteria_move(version_id: int):
    """Move a section or criterion up or down, or remove it (one small form per button)."""
    version = version_or_404(version_id)
    form = forms.MoveForm()
    if not form.validate_on_submit():
        abort(400)
    if form.direction.data == "remove":
        change = store.remove(form.kind.data, form.key.data)
    else:
        change = store.move(form.kind.data, form.key.data, -1 if form.direction.data == "up" else 1)
    data = store.version_dict(get_db(), version_id)
    try:
        change(data)
        return _save(version, data)
    except KeyError:
        abort(404)
    except CriteriaError as err:
        flash(_("Not changed: %(problems)s", problems="; ".join(map(problem_text, err.problems))),
              "error")
        return redirect(url_for("admin.criteria_edit", version_id=version_id))


@bp.route("/criteria/versions/<int:version_id>/sections/new", methods=["GET", "POST"])
@bp.route("/criteria/versions/<int:version_id>/sections/<section_key>", methods=["GET", "POST"])
def criteria_section(version_id: int, section_key: str | None = None):
    """Edit a section's key, title and weight, or add a section with its first criterion."""
    version = version_or_404(version_id)
    if (elsewhere := _editable(version)) is not None:
        return elsewhere
    data = store.version_dict(get_db(), version_id)
    section = _section_or_404(data, section_key)
    langs = forms.languages(section.get("title"), *_criterion_texts(data))
    values = {**forms.flatten_section(section), **forms.flatten_criterion({"type": "yes_no"})}
    errors, problems = {}, []
    if request.method == "POST":
        values = request.form
        raw = forms.parse_section(request.form, "s-", langs)
        if section_key is None:
            raw["criteria"] = [forms.parse_criterion(request.form, "c-", langs)]
        store.put_section(section_key, raw)(data)
        try:
            return _save(version, data)
        except CriteriaError as err:
            errors, problems = _section_errors(err, data, raw, section_key is None)
    return render_template("admin/criteria/section.html", version=version, values=values,
                           errors=errors, problems=problems, langs=langs,
                           section_key=section_key, choices=forms.CHOICES,
                           **_row_counts(values)), \
        (400 if errors or problems else 200)


def _section_or_404(data: dict, section_key: str | None) -> dict:
    """The section dict with this key (an empty one for a new section), or 404."""
    if section_key is None:
        return {}
    return next((s for s in data["sections"] if s["key"] == section_key), None) or abort(404)


def _section_errors(err: CriteriaError, data: dict, raw: dict, new: bool):
    """Problems of a section form: at its fields, its first criterion's fields, or listed."""
    anchors = forms.section_anchors(forms.place_of(data, raw))
    if new:
        first = raw["criteria"][0]
        anchors.update(forms.criterion_anchors(forms.place_of(data, first), first))
    return forms.attach(err.problems, anchors)


def _criterion_texts(data: dict) -> list[dict]:
    """Every text map of the set's criteria, to find the languages in use."""
    return [c.get("text") for s in data["sections"] for c in s["criteria"]]


def _row_counts(values) -> dict:
    """How many option and band rows the form shows."""
    return {"opt_rows": forms.row_count(values, "c-opt"),
            "band_rows": forms.row_count(values, "c-band")}


@bp.route("/criteria/versions/<int:version_id>/sections/<section_key>/criteria/new",
          methods=["GET", "POST"])
@bp.route("/criteria/versions/<int:version_id>/criteria/<criterion_key>",
          methods=["GET", "POST"])
def criteria_criterion(version_id: int, section_key: str | None = None,
                       criterion_key: str | None = None):
    """Edit one criterion, or add one at the end of a section; the whole set is validated."""
    version = version_or_404(version_id)
    if (elsewhere := _editable(version)) is not None:
        return elsewhere
    data = store.version_dict(get_db(), version_id)
    current = _criterion_or_404(data, section_key, criterion_key)
    labels = [o.get("label") for o in current.get("options") or []]
    langs = forms.languages(current.get("text"), current.get("guidance"), current.get("steps"),
                            *labels)
    values = forms.flatten_criterion(current)
    errors, problems = {}, []
    if request.method == "POST":
        values = request.form
        raw = forms.parse_criterion(request.form, "c-", _posted_languages(langs))
        store.put_criterion(section_key, criterion_key, raw)(data)
        try:
            return _save(version, data)
        except CriteriaError as err:
            anchors = forms.criterion_anchors(forms.place_of(data, raw), raw)
            errors, problems = forms.attach(err.problems, anchors)
    return render_template("admin/criteria/criterion.html", version=version, values=values,
                           errors=errors, problems=problems, langs=langs,
                           section_key=section_key, criterion_key=criterion_key,
                           choices=forms.CHOICES, **_row_counts(values)), \
        (400 if errors or problems else 200)


def _criterion_or_404(data: dict, section_key: str | None, criterion_key: str | None) -> dict:
    """The criterion dict being edited (a blank yes/no one when new), or 404."""
    if criterion_key is None:
        _section_or_404(data, section_key)
        return {"type": "yes_no"}
    for section in data["sections"]:
        for criterion in section["criteria"]:
            if criterion["key"] == criterion_key:
                return criterion
    abort(404)


def _posted_languages(langs: list[str]) -> list[str]:
    """The languages shown plus any the form posted (so an extra language is never dropped)."""
    pattern = r"c-(?:text|guidance|opt-\d+-label)-(\w+)|c-steps-(\w+)-[01]"
    posted = {m.group(1) or m.group(2) for k in request.form if (m := re.fullmatch(pattern, k))}
    return [*langs, *sorted(posted - set(langs))]


@bp.route("/criteria/versions/<int:version_id>/yaml", methods=["GET", "POST"])
def criteria_yaml(version_id: int):
    """Edit the whole version as YAML; every problem is listed with its place and line."""
    version = version_or_404(version_id)
    if (elsewhere := _editable(version)) is not None:
        return elsewhere
    form = forms.YamlForm()
    problems = []
    if form.validate_on_submit():
        try:
            cs = load_set(form.text.data.replace("\r\n", "\n"))
            if cs.key != version["set_key"]:
                raise _key_problem(ValueError(
                    _("the set key cannot change (it is '%(key)s')", key=version["set_key"])))
            return _save(version, set_to_dict(cs))
        except CriteriaError as err:
            problems = err.problems
    elif request.method == "GET":
        form.text.data = dump_set(store.version_set(get_db(), version_id))
    return render_template("admin/criteria/yaml.html", version=version, form=form,
                           problems=problems), (400 if problems or form.errors else 200)

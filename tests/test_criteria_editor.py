"""The admin's criteria editor through the test client: the whole story and every refusal."""

import io
import re

import pytest
from conftest import make_store, make_visit
from markupsafe import escape
from test_criteria_cli import BAD_FILES, TINY
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from audit.admin.criteria_forms import flatten_criterion
from audit.criteria_sets import versions as store
from criteria.io import dump_set

KEY = "physical-store"


@pytest.fixture
def admin(login):
    return login("admin")


def _v1(db):
    return store.current_version_id(db, KEY)


def _version_from(response):
    """The version id the editor redirected to."""
    assert response.status_code == 302, response.text[:2000]
    return int(re.search(r"/versions/(\d+)/edit", response.location).group(1))


def _snapshot(db):
    return [(r["id"], r["status"], r["definition"]) for r in db["criteria_versions"].rows]


def _error_at(response, name, message):
    return f'id="{name}-error">{escape(message)}' in response.text


def test_admin_duplicates_adds_reorders_previews_and_publishes(admin, db):
    set_id = store.set_id_of(db, KEY)
    draft = _version_from(admin.post(f"/admin/criteria/{set_id}/duplicate",
                                     {"key": "my-store", "name": "My store"}))
    section = {"s-key": "checkout", "s-title-en": "Checkout", "s-title-pl": "Kasa",
               "s-weight": "1.5", "c-key": "queue_wait", "c-type": "duration",
               "c-text-en": "How long did you queue?", "c-required": "1",
               "c-band-0-max": "120", "c-band-0-points": "1", "c-band-1-max": "300",
               "c-band-1-points": "0,5", "c-band-2-points": "0", "c-unit": "minutes"}
    assert _version_from(admin.post(f"/admin/criteria/versions/{draft}/sections/new",
                                    section)) == draft
    knockout = {"c-key": "receipt_handed", "c-type": "yes_no", "c-required": "1",
                "c-text-en": "Did you get a receipt?", "c-knockout": "1", "c-weight": "2"}
    url = f"/admin/criteria/versions/{draft}/sections/checkout/criteria/new"
    assert _version_from(admin.post(url, knockout)) == draft
    move = {"kind": "criterion", "key": "receipt_handed", "direction": "up"}
    assert _version_from(admin.post(f"/admin/criteria/versions/{draft}/move", move)) == draft

    checkout = store.version_set(db, draft).sections[-1]
    assert (checkout.key, checkout.weight, checkout.title) == ("checkout", 1.5,
                                                               {"en": "Checkout", "pl": "Kasa"})
    assert [c.key for c in checkout.criteria] == ["receipt_handed", "queue_wait"]
    receipt, queue = checkout.criteria
    assert receipt.knockout and receipt.weight == 2
    assert [(b.max, b.points) for b in queue.bands] == [(120, 1), (300, 0.5), (None, 0)]

    preview = admin.get(f"/admin/criteria/versions/{draft}/preview")
    assert preview.status_code == 200
    assert preview.text.index("Did you get a receipt?") < preview.text.index(
        "How long did you queue?")
    assert 'class="phone-preview field-app"' in preview.text
    assert 'id="q-receipt_handed"' in preview.text  # the shopper's own question block

    assert store.current_version_id(db, "my-store") is None
    # English-only texts: publishing asks first (see the test below), then goes ahead.
    assert admin.post(f"/admin/criteria/versions/{draft}/publish").status_code == 200
    assert admin.post(f"/admin/criteria/versions/{draft}/publish",
                      {"confirm": "missing_texts"}).status_code == 302
    assert store.current_version_id(db, "my-store") == draft
    assert store.current_version_id(db, KEY) == _v1(db)  # the original is untouched


def test_editing_a_used_version_in_the_browser_makes_a_new_draft(admin, db, people):
    v1 = _v1(db)
    visit_id = make_visit(db, make_store(db, "F-1"), people["shopper"], status="submitted",
                          answers={"greeted_on_entry": True})
    store.freeze(db, v1)
    before, score = db["criteria_versions"].get(v1), db["visits"].get(visit_id)["score"]
    values = flatten_criterion(store.version_dict(db, v1)["sections"][0]["criteria"][0])
    values["c-text-en"] = "Did anyone greet you?"
    response = admin.post(f"/admin/criteria/versions/{v1}/criteria/greeted_on_entry", values)
    draft = _version_from(response)
    assert draft != v1
    assert db["criteria_versions"].get(v1) == before
    assert db["visits"].get(visit_id)["score"] == score
    assert store.version_set(db, draft).criterion("greeted_on_entry").text["en"] == (
        "Did anyone greet you?")
    follow = admin.get(response.location)
    assert "stays as it was; your change is in a new draft, version 2." in follow.text


def test_a_published_version_sends_the_editor_to_the_open_draft(admin, db):
    draft = store.edit_version(db, _v1(db), lambda d: d.update(pass_mark=70))
    response = admin.get(f"/admin/criteria/versions/{_v1(db)}/edit")
    assert response.status_code == 302
    assert response.location.endswith(f"/admin/criteria/versions/{draft}/edit")


CRITERION = "time_to_approach"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"c-type": "smell"}, "c-type", "unknown type 'smell' (allowed: yes_no, rating"),
        ({"c-weight": "-1"}, "c-weight", "weight must be at least 0, got -1"),
        ({"c-weight": "heavy"}, "c-weight", "weight must be a number at least 0, got 'heavy'"),
        ({"c-text-en": ""}, "c-text", "missing 'en' text"),
        ({"c-key": "greeted_on_entry"}, "c-block", "duplicate criterion key 'greeted_on_entry'"),
        ({"c-key": "Bad Key"}, "c-key", "key 'Bad Key' must match"),
        ({"c-band-1-max": "30"}, "c-bands", "bands out of order: max 30 must be greater than 60"),
        ({"c-band-0-points": "2"}, "c-band-0-points", "points must be between 0 and 1, got 2"),
        ({"c-scale": "5"}, "c-scale", "field 'scale' does not apply to type 'duration'"),
        ({"c-type": "choice", "c-band-0-max": "", "c-band-0-points": "", "c-band-1-max": "",
          "c-band-1-points": "", "c-band-2-points": "", "c-unit": ""},
         "c-options", "needs at least one option"),
        ({"c-type": "choice", "c-opt-0-key": "a", "c-opt-0-points": "1", "c-band-0-max": "",
          "c-band-0-points": "", "c-band-1-max": "", "c-band-1-points": "",
          "c-band-2-points": "", "c-unit": ""}, "c-opt-0-label", "missing label"),
    ],
)
def test_a_bad_criterion_is_shown_at_its_field_and_nothing_is_saved(admin, db, change, field,
                                                                    message):
    v1 = _v1(db)
    values = flatten_criterion(store.version_dict(db, v1)["sections"][0]["criteria"][1])
    assert values["c-key"] == CRITERION
    before = _snapshot(db)
    response = admin.post(f"/admin/criteria/versions/{v1}/criteria/{CRITERION}",
                          {**values, **change})
    assert response.status_code == 400
    assert _error_at(response, field, message), response.text
    assert "Nothing was saved" in response.text
    assert _snapshot(db) == before


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"pass_mark": "150"}, "pass_mark", "pass_mark must be between 0 and 100, got 150"),
        ({"name-en": ""}, "name", "missing name"),
        ({"name-en": "", "name-pl": "Sklep"}, "name", "missing 'en' text"),
        ({"knockout_scope": "store"}, "knockout_scope", "knockout_scope must be one of"),
    ],
)
def test_bad_set_details_are_shown_at_the_field(admin, db, change, field, message):
    v1 = _v1(db)
    values = {"name-en": "Physical store", "pass_mark": "80", "channel": "physical",
              "knockout_scope": "section"}
    before = _snapshot(db)
    response = admin.post(f"/admin/criteria/versions/{v1}/edit", {**values, **change})
    assert response.status_code == 400
    assert _error_at(response, field, message), response.text
    assert _snapshot(db) == before


def test_a_bad_new_section_is_refused_at_its_fields(admin, db):
    v1 = _v1(db)
    before = _snapshot(db)
    data = {"s-key": "first_contact", "s-title-en": "", "c-key": "x", "c-type": "rating",
            "c-text-en": "Rate"}
    response = admin.post(f"/admin/criteria/versions/{v1}/sections/new", data)
    assert response.status_code == 400
    assert _error_at(response, "s-title", "missing title")
    assert _error_at(response, "s-block", "duplicate section key 'first_contact'")
    assert _error_at(response, "c-block", "rating needs a scale")
    assert _snapshot(db) == before


def test_editing_a_section_keeps_its_criteria(admin, db):
    v1 = _v1(db)
    data = {"s-key": "welcome", "s-title-en": "Welcome", "s-weight": "3"}
    draft = _version_from(admin.post(f"/admin/criteria/versions/{v1}/sections/first_contact",
                                     data))
    old, new = store.version_set(db, v1).sections[0], store.version_set(db, draft).sections[0]
    assert (new.key, new.title, new.weight) == ("welcome", {"en": "Welcome"}, 3)
    assert new.criteria == old.criteria


def test_removing_a_criterion_and_a_section(admin, db):
    v1 = _v1(db)
    url = f"/admin/criteria/versions/{v1}/move"
    draft = _version_from(admin.post(url, {"kind": "criterion", "key": CRITERION,
                                           "direction": "remove"}))
    first_section = store.version_set(db, draft).sections[0].key
    admin.post(f"/admin/criteria/versions/{draft}/move",
               {"kind": "section", "key": first_section, "direction": "remove"})
    cs = store.version_set(db, draft)
    assert CRITERION not in [c.key for c in cs.criteria()]
    assert first_section not in [s.key for s in cs.sections]
    assert CRITERION in [c.key for c in store.version_set(db, v1).criteria()]


def test_removing_the_only_criterion_of_a_section_is_refused_clearly(admin, db):
    draft = store.new_set(db, "one-question", "One question", "any")
    before = _snapshot(db)
    response = admin.post(f"/admin/criteria/versions/{draft}/move",
                          {"kind": "criterion", "key": "first_question", "direction": "remove"},
                          follow_redirects=True)
    assert "Not changed: sections[general].criteria: needs at least one criterion" in (
        response.text)
    assert _snapshot(db) == before


def test_move_of_an_unknown_key_is_404(admin, db):
    response = admin.post(f"/admin/criteria/versions/{_v1(db)}/move",
                          {"kind": "criterion", "key": "nope", "direction": "up"})
    assert response.status_code == 404


def test_the_editor_shows_which_texts_are_missing(admin, db):
    draft = store.new_set(db, "only-english", "Only English", "any")
    page = admin.get(f"/admin/criteria/versions/{draft}/edit")
    assert page.status_code == 200
    assert "missing: pl, ru" in page.text
    form = admin.get(f"/admin/criteria/versions/{draft}/criteria/first_question")
    assert form.text.count('class="ce-lang missing"') >= 2


def test_edit_as_yaml_saves_a_valid_set_and_lists_problems_with_lines(admin, db):
    v1 = _v1(db)
    page = admin.get(f"/admin/criteria/versions/{v1}/yaml")
    text = dump_set(store.version_set(db, v1))
    assert escape(text.splitlines()[0]) in page.text
    before = _snapshot(db)
    bad = admin.post(f"/admin/criteria/versions/{v1}/yaml",
                     {"text": text.replace("type: yes_no", "type: smell", 1)})
    assert bad.status_code == 400
    assert re.search(r"sections\[first_contact\]\.criteria\[greeted_on_entry\]\.type "
                     r"\(line \d+\): unknown type", bad.text)
    other_key = admin.post(f"/admin/criteria/versions/{v1}/yaml",
                           {"text": text.replace("key: physical-store", "key: other", 1)})
    assert "the set key cannot change" in other_key.text
    assert _snapshot(db) == before
    good = admin.post(f"/admin/criteria/versions/{v1}/yaml",
                      {"text": text.replace("pass_mark: 80\n", "").replace(
                          "channel: physical\n", "channel: physical\npass_mark: 75\n")})
    assert store.version_set(db, _version_from(good)).pass_mark == 75


def _upload(admin, text, name="set.yaml", publish=False):
    """POST a file; the body is built in memory (the test client spools big ones to an
    unclosed temporary file, which pytest's warnings-as-errors would report)."""
    fields = {"csrf_token": admin.token(), "file": FileStorage(io.BytesIO(text.encode()), name)}
    if publish:
        fields["publish"] = "y"
    boundary, body = encode_multipart(fields)
    return admin.http.post("/admin/criteria/import", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")


def test_web_import_creates_a_set_or_a_version(admin, db):
    response = _upload(admin, TINY, "tiny.yml")
    assert response.status_code == 302
    assert store.current_version_id(db, "tiny") is None  # a draft until published
    # English only: imported as a draft, and publishing it waits for the admin's word.
    asked = _upload(admin, TINY, publish=True)
    assert asked.status_code == 200 and "Publish anyway" in asked.text
    assert "greeted</code> · question" in asked.text
    assert store.current_version_id(db, "tiny") is None
    draft = store.open_draft(db, store.set_id_of(db, "tiny"))
    assert admin.post(f"/admin/criteria/versions/{draft}/publish",
                      {"confirm": "missing_texts"}).status_code == 302
    assert store.current_version_id(db, "tiny") == draft
    assert db["criteria_versions"].count_where("set_id = ?", [store.set_id_of(db, "tiny")]) == 1


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_web_import_lists_the_problems_of_a_bad_file(admin, db, text, message):
    before = _snapshot(db)
    response = _upload(admin, text)
    assert response.status_code == 400
    assert str(escape(message)) in response.text, response.text[-3000:]
    assert _snapshot(db) == before


def test_web_import_refuses_other_files(admin, db):
    response = _upload(admin, TINY, "tiny.txt")
    assert response.status_code == 400
    assert "Choose a .yaml, .yml or .json file." in response.text
    assert store.set_id_of(db, "tiny") is None


def test_export_downloads_the_version_as_yaml(admin, db):
    response = admin.get(f"/admin/criteria/versions/{_v1(db)}/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="physical-store-v1.yaml"; '
        "filename*=UTF-8''physical-store-v1.yaml")
    assert response.text == dump_set(store.version_set(db, _v1(db)))


def test_diff_page_shows_added_removed_and_changed_criteria(admin, db):
    v1 = _v1(db)

    def change(data):
        criteria = data["sections"][0]["criteria"]
        criteria[0]["weight"] = 5
        del criteria[1]
        criteria.append({"key": "smiled", "type": "yes_no", "text": {"en": "Did they smile?"}})

    draft = store.edit_version(db, v1, change)
    set_id = store.set_id_of(db, KEY)
    page = admin.get(f"/admin/criteria/{set_id}/diff?old={v1}&new={draft}")
    assert page.status_code == 200
    assert re.search(r'class="added">Added: <code>smiled</code> Did they smile\?', page.text)
    assert 'class="removed">Removed: <code>time_to_approach</code>' in page.text
    assert re.search(r'class="changed">Changed: <code>greeted_on_entry</code>[^<]*— weight',
                     page.text)
    same = admin.get(f"/admin/criteria/{set_id}/diff?old={v1}&new={v1}")
    assert "No differences." in same.text


def test_diff_of_a_version_of_another_set_is_404(admin, db):
    online = store.current_version_id(db, "online-shop")
    set_id = store.set_id_of(db, KEY)
    assert admin.get(f"/admin/criteria/{set_id}/diff?old={online}").status_code == 404


def test_archive_and_restore_a_set(admin, db):
    set_id = store.set_id_of(db, KEY)
    admin.post(f"/admin/criteria/{set_id}/archive")
    assert store.get_set(db, set_id)["archived"] == 1
    assert "archived" in admin.get("/admin/criteria").text
    admin.post(f"/admin/criteria/{set_id}/archive")
    assert store.get_set(db, set_id)["archived"] == 0


def test_new_set_starts_as_a_draft_and_refuses_a_taken_key(admin, db):
    response = admin.post("/admin/criteria/new", {"key": "fresh", "name": "Fresh",
                                                  "channel": "online"})
    assert store.get_version(db, _version_from(response))["status"] == "draft"
    taken = admin.post("/admin/criteria/new", {"key": KEY, "name": "X", "channel": "online"})
    assert taken.status_code == 400
    assert _error_at(taken, "key", "a set with the key 'physical-store' already exists")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/criteria/999",
        "/admin/criteria/999/duplicate",
        "/admin/criteria/versions/999/edit",
        "/admin/criteria/versions/999/preview",
        "/admin/criteria/versions/999/export",
        "/admin/criteria/versions/{v1}/criteria/no_such_key",
        "/admin/criteria/versions/{v1}/sections/no_such_key",
        "/admin/criteria/versions/{v1}/sections/no_such_key/criteria/new",
    ],
)
def test_unknown_sets_versions_sections_and_criteria_are_404(admin, db, url):
    assert admin.get(url.format(v1=_v1(db))).status_code == 404


def test_publishing_a_published_version_is_refused(admin, db):
    assert admin.post(f"/admin/criteria/versions/{_v1(db)}/publish").status_code == 400


def test_a_language_beyond_en_pl_ru_survives_an_edit_in_the_form(admin, db):
    v1 = _v1(db)
    draft = store.edit_version(db, v1, lambda d: d["sections"][0]["criteria"][0]["text"].update(
        de="Wurden Sie begrüßt?"))
    form = admin.get(f"/admin/criteria/versions/{draft}/criteria/greeted_on_entry")
    assert 'name="c-text-de"' in form.text
    values = flatten_criterion(store.version_dict(db, draft)["sections"][0]["criteria"][0])
    values["c-weight"] = "3"
    admin.post(f"/admin/criteria/versions/{draft}/criteria/greeted_on_entry", values)
    criterion = store.version_set(db, draft).criterion("greeted_on_entry")
    assert criterion.weight == 3 and criterion.text["de"] == "Wurden Sie begrüßt?"


def test_publishing_a_draft_with_untranslated_texts_lists_them_and_waits_for_a_confirmation(
        admin, db):
    set_id = store.set_id_of(db, KEY)
    draft = _version_from(admin.post(f"/admin/criteria/{set_id}/duplicate",
                                     {"key": "my-store", "name": "My store"}))
    section = {"s-key": "checkout", "s-title-en": "Checkout", "s-title-pl": "Kasa",
               "s-weight": "1", "c-key": "queue_wait", "c-type": "yes_no", "c-required": "1",
               "c-text-en": "Did you queue?", "c-text-pl": "Czy stałeś w kolejce?"}
    assert _version_from(admin.post(f"/admin/criteria/versions/{draft}/sections/new",
                                    section)) == draft
    asked = admin.post(f"/admin/criteria/versions/{draft}/publish")
    assert asked.status_code == 200 and "Publish anyway" in asked.text
    polish = asked.text[asked.text.index("Polski"):asked.text.index("Русский")]
    russian = asked.text[asked.text.index("Русский"):]
    # The name is English only; the section title and the question have Polish, not Russian.
    assert "my-store</code> · name of the set" in polish and "checkout" not in polish
    for where in ("my-store</code> · name of the set", "checkout</code> · section title",
                  "queue_wait</code> · question"):
        assert where in russian
    assert f"/admin/criteria/versions/{draft}/criteria/queue_wait" in russian
    assert store.current_version_id(db, "my-store") is None  # nothing published yet
    confirmed = admin.post(f"/admin/criteria/versions/{draft}/publish",
                           {"confirm": "missing_texts"})
    assert confirmed.status_code == 302
    assert store.current_version_id(db, "my-store") == draft


def test_a_fully_translated_draft_publishes_without_asking(admin, db):
    draft = store.edit_version(db, _v1(db), lambda d: d.update(pass_mark=70))
    assert admin.post(f"/admin/criteria/versions/{draft}/publish").status_code == 302
    assert store.current_version_id(db, KEY) == draft

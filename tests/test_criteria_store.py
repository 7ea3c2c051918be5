"""Versions of criteria sets: frozen when used, drafts, publishing, duplicates, archive, import."""

import pytest
from conftest import make_store, make_visit

from audit.criteria_sets import versions as store
from audit.errors import Conflict, Invalid
from audit.visits.scores import compute
from criteria.io import CriteriaError, load_set, set_to_dict

KEY = "physical-store"


def _definition(db, version_id):
    return db["criteria_versions"].get(version_id)["definition"]


def _rename_first_question(data, words="Changed question"):
    data["sections"][0]["criteria"][0]["text"]["en"] = words


def _visit_with_answers(db, people):
    store_id = make_store(db, "V-1")
    answers = {"greeted_on_entry": True, "time_to_approach": 200, "served_at_all": True}
    visit_id = make_visit(db, store_id, people["shopper"], status="submitted", answers=answers)
    store.freeze(db, db["visits"].get(visit_id)["version_id"])
    return visit_id


def test_editing_a_frozen_version_makes_a_new_draft_and_keeps_old_visits_scores(db, people):
    visit_id = _visit_with_answers(db, people)
    v1 = store.current_version_id(db, KEY)
    before_definition, before = _definition(db, v1), db["visits"].get(visit_id)
    section = db["section_scores"].get((visit_id, "first_contact"))["score"]
    change = store.move("criterion", "time_to_approach", -1)  # swap the first two criteria
    weights = lambda d: d["sections"][0].update(weight=1)  # noqa: E731 - and change the weight

    v2 = store.edit_version(db, v1, change, user_id=people["admin"])
    v2_again = store.edit_version(db, v2, weights)

    assert v2 != v1 and v2_again == v2
    assert db["criteria_versions"].get(v2)["status"] == "draft"
    assert _definition(db, v1) == before_definition
    assert db["visits"].get(visit_id)["version_id"] == v1
    assert compute(db, visit_id).score == before["score"]
    assert db["section_scores"].get((visit_id, "first_contact"))["score"] == section
    assert store.current_version_id(db, KEY) == v1  # a draft is not used until published


def test_publishing_makes_the_new_version_current_for_new_visits(db, people):
    old_visit = _visit_with_answers(db, people)
    v1 = store.current_version_id(db, KEY)
    v2 = store.edit_version(db, v1, _rename_first_question)
    store.publish_version(db, v2)
    new_visit = make_visit(db, make_store(db, "V-2"), people["shopper"])
    assert store.current_version_id(db, KEY) == v2
    assert db["visits"].get(new_visit)["version_id"] == v2
    assert db["visits"].get(old_visit)["version_id"] == v1
    assert store.version_set(db, v1).sections[0].criteria[0].text["en"] != "Changed question"
    assert store.version_set(db, v2).sections[0].criteria[0].text["en"] == "Changed question"


def test_an_open_draft_is_edited_in_place(db):
    v1 = store.current_version_id(db, KEY)
    draft = store.edit_version(db, v1, _rename_first_question)
    again = store.edit_version(db, draft, lambda d: _rename_first_question(d, "Again"))
    assert again == draft
    assert db["criteria_versions"].count_where("set_id = ?", [_set_id(db)]) == 2


def test_a_second_draft_of_the_same_set_is_refused(db):
    v1 = store.current_version_id(db, KEY)
    draft = store.edit_version(db, v1, _rename_first_question)
    with pytest.raises(Conflict) as caught:
        store.edit_version(db, v1, lambda d: _rename_first_question(d, "Other"))
    assert caught.value.code == "draft_open" and caught.value.details["draft_id"] == draft
    assert "Other" not in _definition(db, draft)


def test_publish_refuses_a_published_version(db):
    with pytest.raises(Conflict, match="Only a draft"):
        store.publish_version(db, store.current_version_id(db, KEY))


def test_a_failed_edit_writes_nothing(db):
    v1 = store.current_version_id(db, KEY)
    versions = db["criteria_versions"].count

    def break_it(data):
        _rename_first_question(data)
        data["sections"][0]["criteria"][0]["weight"] = -2

    with pytest.raises(CriteriaError, match="weight must be at least 0"):
        store.edit_version(db, v1, break_it)
    assert db["criteria_versions"].count == versions


def test_the_set_key_cannot_change(db):
    v1 = store.current_version_id(db, KEY)
    data = store.version_dict(db, v1)
    data["key"] = "other-key"
    with pytest.raises(Invalid, match="cannot change"):
        store.save_dict(db, v1, data)


def test_a_criterion_moves_into_the_previous_section_past_the_top_of_its_own(db):
    v1 = store.current_version_id(db, KEY)
    data = store.version_dict(db, v1)
    second = data["sections"][1]
    first_key = second["criteria"][0]["key"]
    store.move("criterion", first_key, -1)(data)
    assert data["sections"][0]["criteria"][-1]["key"] == first_key
    store.move("criterion", first_key, +1)(data)
    assert data["sections"][1]["criteria"][0]["key"] == first_key


def test_sections_move_and_are_removed(db):
    data = store.version_dict(db, store.current_version_id(db, KEY))
    keys = [s["key"] for s in data["sections"]]
    store.move("section", keys[1], -1)(data)
    assert [s["key"] for s in data["sections"]][:2] == [keys[1], keys[0]]
    store.remove("section", keys[0])(data)
    assert keys[0] not in [s["key"] for s in data["sections"]]


def test_removing_the_last_criterion_of_a_section_is_refused(db):
    v1 = store.current_version_id(db, KEY)
    data = store.version_dict(db, v1)
    keys = [c["key"] for c in data["sections"][0]["criteria"]]
    removing = [store.remove("criterion", k) for k in keys]
    with pytest.raises(CriteriaError, match="needs at least one criterion"):
        store.edit_version(db, v1, lambda d: [change(d) for change in removing])


def test_duplicate_makes_a_new_draft_set_with_the_same_criteria(db, people):
    v1 = store.current_version_id(db, KEY)
    copy = store.duplicate_set(db, v1, "my-store", {"en": "My store"}, user_id=people["admin"])
    row = store.get_version(db, copy)
    assert row["set_key"] == "my-store" and row["status"] == "draft" and row["number"] == 1
    original, duplicate = store.version_set(db, v1), store.version_set(db, copy)
    assert [c.key for c in duplicate.criteria()] == [c.key for c in original.criteria()]
    assert store.current_version_id(db, "my-store") is None  # not offered until published


@pytest.mark.parametrize(
    ("key", "message"),
    [("physical-store", "already exists"), ("Bad Key", "must match"), ("", "key is empty")],
)
def test_duplicate_refuses_a_bad_or_taken_key(db, key, message):
    sets = db["criteria_sets"].count
    with pytest.raises(CriteriaError, match=message):
        store.duplicate_set(db, store.current_version_id(db, KEY), key, {"en": "X"})
    assert db["criteria_sets"].count == sets


def test_archived_sets_are_not_offered_for_scheduling(db):
    set_id = _set_id(db)
    assert KEY in [s["key"] for s in store.offered_sets(db, "physical")]
    store.set_archived(db, set_id, True)
    assert KEY not in [s["key"] for s in store.offered_sets(db)]
    assert store.version_set(db, store.current_version_id(db, KEY))  # still readable
    store.set_archived(db, set_id, False)
    assert KEY in [s["key"] for s in store.offered_sets(db)]


def test_import_of_a_known_key_adds_a_published_version_and_a_new_key_a_new_set(db):
    cs = store.version_set(db, store.current_version_id(db, KEY))
    version_id, created = store.import_set(db, cs)
    assert not created and store.current_version_id(db, KEY) == version_id
    other = load_set(_yaml_with_key("imported-set"))
    other_id, created = store.import_set(db, other, publish=False)
    assert created and store.get_version(db, other_id)["status"] == "draft"


def test_import_replaces_the_open_draft_instead_of_adding_behind_it(db):
    v1 = store.current_version_id(db, KEY)
    draft = store.edit_version(db, v1, _rename_first_question)
    version_id, _created = store.import_set(db, store.version_set(db, v1))
    assert version_id == draft
    assert store.current_version_id(db, KEY) == draft
    assert "Changed question" not in _definition(db, draft)


def test_list_sets_shows_current_version_and_draft(db):
    v1 = store.current_version_id(db, KEY)
    draft = store.edit_version(db, v1, _rename_first_question)
    row = next(s for s in store.list_sets(db) if s["key"] == KEY)
    assert row["current_version_id"] == v1 and row["draft_id"] == draft
    assert row["name"]["en"] == "Physical store"


def _set_id(db):
    return store.set_id_of(db, KEY)


def _yaml_with_key(key):
    from criteria.io import dump_set, set_from_dict

    path = store.BUILTIN_DIR / "physical-store.yaml"
    data = set_to_dict(load_set(path.read_text(encoding="utf-8")))
    return dump_set(set_from_dict({**data, "key": key}))


def _first_text(cs):
    return cs.sections[0].criteria[0].text["en"]


def test_an_open_draft_read_again_after_an_edit_in_place_shows_the_edit(db):
    """Sets of versions that cannot change are cached; a draft's is read afresh each time."""
    draft = store.edit_version(db, store.current_version_id(db, KEY), _rename_first_question)
    assert _first_text(store.version_set(db, draft)) == "Changed question"
    store.edit_version(db, draft, lambda d: _rename_first_question(d, "Changed again"))
    assert _first_text(store.version_set(db, draft)) == "Changed again"
    store.publish_version(db, draft)
    assert _first_text(store.version_set(db, draft)) == "Changed again"


def test_cached_sets_of_the_same_version_id_in_two_databases_stay_apart(app, tmp_path):
    """The cache is keyed by database file and version, not by the version id alone."""
    from audit.storage.db import open_db, upgrade

    other_path = tmp_path / "other.db"
    upgrade(other_path)
    ids = []
    for path, words in ((app.config["DATABASE"], "In the first"), (other_path, "In the other")):
        db = open_db(path)
        store.load_builtin_sets(db)
        draft = store.edit_version(db, store.current_version_id(db, KEY),
                                   lambda d, w=words: _rename_first_question(d, w))
        store.publish_version(db, draft)
        store.freeze(db, draft)
        ids.append(draft)
        db.close()
    assert ids[0] == ids[1]
    first, other = open_db(app.config["DATABASE"]), open_db(other_path)
    for _ in range(2):  # the second round comes from the cache
        assert _first_text(store.version_set(first, ids[0])) == "In the first"
        assert _first_text(store.version_set(other, ids[1])) == "In the other"
    first.close()
    other.close()


def test_publish_with_required_languages_refuses_untranslated_texts_and_writes_nothing(db):
    from audit.errors import Conflict
    from criteria.translations import MissingText

    draft = store.edit_version(db, store.current_version_id(db, KEY), lambda d: d["sections"][0][
        "criteria"][0].update(text={"en": "Only in English"}))
    before = [dict(r) for r in db["criteria_versions"].rows]
    with pytest.raises(Conflict) as refused:
        store.publish_version(db, draft, languages_required=("en", "pl", "ru"))
    key = store.version_set(db, draft).sections[0].criteria[0].key
    assert refused.value.code == "missing_texts"
    assert refused.value.details == {"pl": [MissingText(key, "text")],
                                     "ru": [MissingText(key, "text")]}
    assert [dict(r) for r in db["criteria_versions"].rows] == before


def test_an_unedited_builtin_set_gets_the_shipped_one_as_a_new_version_and_old_visits_keep_theirs(
        db, people):
    import json

    v1 = store.current_version_id(db, KEY)
    # As an older release shipped it: no show_if questions, no NPS.
    old = store.version_dict(db, v1)
    for section in old["sections"]:
        section["criteria"] = [c for c in section["criteria"]
                               if "show_if" not in c and c["type"] not in ("nps", "amount")
                               and c["key"] not in ("bought", "staff_free")]
    db.execute("UPDATE criteria_versions SET definition = ? WHERE id = ?",
               [json.dumps(old), v1])
    visit_id = _visit_with_answers(db, people)
    score = db["visits"].get(visit_id)["score"]
    assert store.load_builtin_sets(db) == [KEY]
    v2 = store.current_version_id(db, KEY)
    assert v2 != v1 and store.version_set(db, v2).criterion("bought").weight == 0
    assert db["visits"].get(visit_id)["version_id"] == v1
    assert compute(db, visit_id).score == score
    assert store.load_builtin_sets(db) == []  # once: version 2 is the shipped one


def test_a_builtin_set_an_admin_edited_is_left_as_it_is(db):
    draft = store.edit_version(db, store.current_version_id(db, KEY), _rename_first_question)
    store.publish_version(db, draft)
    assert store.load_builtin_sets(db) == []
    assert store.current_version_id(db, KEY) == draft

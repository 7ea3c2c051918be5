"""The criteria CLI: export, import (with every kind of bad file), score, list."""

import json

import pytest

from audit.criteria_sets import versions as store
from criteria.io import dump_set, load_set

TINY = """key: tiny
name: {en: Tiny}
channel: physical
sections:
  - key: main
    title: {en: Main}
    criteria:
      - key: greeted
        type: yes_no
        text: {en: Were you greeted}
      - key: wait
        type: duration
        text: {en: Wait}
        bands: [{max: 60, points: 1}, {points: 0}]
"""

# (file text, what the message must say: the place, the line where YAML gives one, the reason)
BAD_FILES = [
    pytest.param(TINY.replace("name: {en: Tiny}", "name: {en: Tiny"),
                 "(file) (line 3): not valid YAML", id="malformed-yaml"),
    pytest.param(TINY.replace("type: yes_no", "type: smell"),
                 "sections[main].criteria[greeted].type (line 9): unknown type 'smell'",
                 id="unknown-type"),
    pytest.param(TINY.replace("key: wait", "key: greeted"),
                 "sections[main].criteria[greeted] (line 11): duplicate criterion key 'greeted'",
                 id="duplicate-key"),
    pytest.param(TINY.replace("[{max: 60, points: 1}, {points: 0}]",
                              "[{max: 60, points: 1}, {max: 30, points: 0.5}, {points: 0}]"),
                 "sections[main].criteria[wait].bands (line 14): bands out of order: max 30",
                 id="bands-out-of-order"),
    pytest.param(TINY.replace("type: yes_no", "type: yes_no\n        weight: -1"),
                 "sections[main].criteria[greeted].weight (line 10): weight must be at least 0",
                 id="negative-weight"),
    pytest.param(TINY.replace("type: yes_no", "type: yes_no\n        weight: heavy"),
                 "sections[main].criteria[greeted].weight (line 10): weight must be a number",
                 id="weight-not-a-number"),
    pytest.param(TINY.replace("type: yes_no", "type: choice"),
                 "sections[main].criteria[greeted].options (line 8): needs at least one option",
                 id="choice-without-options"),
    pytest.param(TINY.replace("text: {en: Were you greeted}", "text: {pl: Powitanie}"),
                 "sections[main].criteria[greeted].text (line 10): missing 'en' text",
                 id="missing-en-text"),
    pytest.param(TINY + "# " + "x" * 1_000_000 + "\n",
                 "(file): file is 1,000,304 bytes; the limit is 1,000,000", id="over-1-MB"),
]


def _versions(db):
    return db["criteria_versions"].count


@pytest.mark.parametrize("key", ["physical-store", "online-shop"])
def test_export_then_import_gives_the_same_set_exactly(runner, db, tmp_path, key):
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    result = runner.invoke(args=["criteria", "export", key, "-o", str(first)])
    assert result.exit_code == 0, result.output
    builtin = load_set((store.BUILTIN_DIR / f"{key}.yaml").read_text(encoding="utf-8"))
    assert load_set(first.read_text(encoding="utf-8")) == builtin

    result = runner.invoke(args=["criteria", "import", str(first)])
    assert result.exit_code == 0, result.output
    assert f"Imported set {key}: version 2 (published)." in result.output
    runner.invoke(args=["criteria", "export", key, "-o", str(second)])
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    v1, v2 = (store.version_by_number(db, key, n) for n in (1, 2))
    assert store.current_version_id(db, key) == v2
    assert store.version_set(db, v2) == store.version_set(db, v1) == builtin


def test_export_as_json_and_of_an_older_version(runner, db, tmp_path):
    v1 = store.current_version_id(db, "physical-store")
    store.publish_version(db, store.edit_version(db, v1, lambda d: d.update(pass_mark=70)))
    out = tmp_path / "old.json"
    result = runner.invoke(args=["criteria", "export", "physical-store", "--version", "1",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "pass_mark" not in json.loads(out.read_text())  # 80, the default
    current = runner.invoke(args=["criteria", "export", "physical-store"])
    assert "pass_mark: 70" in current.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-set"], "There is no a published version of 'no-such-set'."),
        (["physical-store", "--version", "9"], "There is no version 9 of 'physical-store'."),
        (["physical-store", "-o", "out.txt"], "use a .yaml, .yml or .json file name"),
    ],
)
def test_export_refuses_clearly(runner, args, message):
    result = runner.invoke(args=["criteria", "export", *args])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_import_of_a_new_key_creates_a_set_and_draft_keeps_it_unpublished(runner, db, tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    result = runner.invoke(args=["criteria", "import", str(path), "--draft"])
    assert result.exit_code == 0, result.output
    assert "Imported new set tiny: version 1 (draft)." in result.output
    assert store.current_version_id(db, "tiny") is None
    assert store.open_draft(db, store.set_id_of(db, "tiny")) is not None


def test_import_reads_json(runner, db, tmp_path):
    path = tmp_path / "tiny.json"
    path.write_text(dump_set(load_set(TINY), "json"), encoding="utf-8")
    result = runner.invoke(args=["criteria", "import", str(path), "--allow-missing-texts"])
    assert result.exit_code == 0, result.output
    assert store.current_version_id(db, "tiny") is not None


def test_import_will_not_publish_untranslated_texts_unless_told(runner, db, tmp_path):
    """The CLI asks what the admin page asks: TINY has English texts only."""
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    refused = runner.invoke(args=["criteria", "import", str(path)])
    assert refused.exit_code == 1
    assert "nothing was imported: these texts have no translation yet" in refused.output
    assert "pl: tiny (name)" in refused.output and "ru: tiny (name)" in refused.output
    assert store.set_id_of(db, "tiny") is None
    published = runner.invoke(args=["criteria", "import", str(path), "--allow-missing-texts"])
    assert published.exit_code == 0, published.output
    assert store.current_version_id(db, "tiny") is not None


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_import_refuses_a_bad_file_naming_the_place(runner, db, tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    before = _versions(db)
    result = runner.invoke(args=["criteria", "import", str(path)])
    assert result.exit_code == 1
    assert message in result.output, result.output
    assert "has problems; nothing was imported:" in result.output
    assert "Traceback" not in result.output
    assert _versions(db) == before


def test_import_refuses_an_unknown_file_kind(runner, tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text(TINY, encoding="utf-8")
    result = runner.invoke(args=["criteria", "import", str(path)])
    assert result.exit_code == 1 and "use a .yaml, .yml or .json file name" in result.output


def test_score_prints_the_summary_of_the_engine(runner, tmp_path):
    set_path, answers = tmp_path / "tiny.yaml", tmp_path / "answers.json"
    set_path.write_text(TINY.replace("type: yes_no", "type: yes_no\n        weight: 2"))
    answers.write_text(json.dumps({"greeted": True, "wait": 90}))
    result = runner.invoke(args=["criteria", "score", str(set_path), str(answers)])
    assert result.exit_code == 0, result.output
    # greeted earns 1 x 2, wait (90 s, past the 60 s band) 0 x 1: 100 * 2 / 3 = 66.7
    assert json.loads(result.stdout) == {"score": 66.7, "passed": False,
                                         "sections": {"main": 66.7}, "knocked_out": []}


def test_score_warns_about_answers_that_do_not_fit(runner, tmp_path):
    set_path, answers = tmp_path / "tiny.yaml", tmp_path / "answers.json"
    set_path.write_text(TINY)
    answers.write_text(json.dumps({"greeted": "maybe", "nope": 1}))
    result = runner.invoke(args=["criteria", "score", str(set_path), str(answers)])
    assert result.exit_code == 0, result.output
    assert "warning: invalid: greeted" in result.stderr
    assert "warning: not in the set: nope" in result.stderr
    assert json.loads(result.stdout)["score"] is None


@pytest.mark.parametrize(
    ("answers", "message"),
    [("{not json", "not valid JSON"), ("[1, 2]", "must be a JSON object")],
)
def test_score_refuses_a_bad_answers_file(runner, tmp_path, answers, message):
    set_path, answers_path = tmp_path / "tiny.yaml", tmp_path / "answers.json"
    set_path.write_text(TINY)
    answers_path.write_text(answers)
    result = runner.invoke(args=["criteria", "score", str(set_path), str(answers_path)])
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output


def test_score_refuses_a_bad_set_file(runner, tmp_path):
    set_path, answers_path = tmp_path / "bad.yaml", tmp_path / "answers.json"
    set_path.write_text(TINY.replace("type: yes_no", "type: smell"))
    answers_path.write_text("{}")
    result = runner.invoke(args=["criteria", "score", str(set_path), str(answers_path)])
    assert result.exit_code == 1 and "unknown type 'smell'" in result.output


def test_list_shows_sets_with_their_current_version(runner, db):
    result = runner.invoke(args=["criteria", "list"])
    assert result.exit_code == 0, result.output
    assert "physical-store\tv1\tPhysical store" in result.output

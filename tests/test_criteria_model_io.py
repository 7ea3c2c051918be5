"""Criteria sets: the model, loading and dumping YAML/JSON, and every validation problem."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

import criteria
import criteria.io
from criteria.io import MAX_BYTES, CriteriaError, dump_set, load_set, set_from_dict, set_to_dict
from criteria.model import Band, CriteriaSet, Criterion, Option, Section, text

SAMPLE_YAML = """\
key: physical-store
name: {en: Physical store, pl: Sklep stacjonarny}
channel: physical
knockout_scope: section
pass_mark: 80
sections:
  - key: waiting
    title: {en: Waiting and queue, pl: Czas oczekiwania i kolejka}
    weight: 1
    criteria:
      - key: time_to_approach
        text: {en: "How long until a staff member offered help?", pl: "Po jakim czasie?"}
        guidance: {en: Start the stopwatch when you enter the shop.}
        type: duration
        bands: [{max: 60, points: 1}, {max: 180, points: 0.5}, {points: 0}]
        weight: 2
        unit: seconds
      - key: queue_length
        text: {en: People in the queue}
        type: count
        bands: [{max: 2, points: 1}, {max: 5, points: 0.5}, {points: 0}]
      - key: greeted
        text: {en: Were you greeted}
        type: yes_no
        knockout: true
  - key: service
    title: {en: Service}
    weight: 2
    criteria:
      - key: knowledge
        text: {en: Product knowledge}
        type: rating
        scale: 5
        na_allowed: true
      - key: payment
        text: {en: Payment}
        type: choice
        options:
          - {key: all, label: {en: Card and cash}, points: 1}
          - {key: cash, label: {en: Cash only}, points: 0}
      - key: remarks
        text: {en: Remarks}
        type: text
      - key: receipt
        text: {en: Receipt}
        type: photo
        required: true
      - key: email_response
        text: {en: E-mail answer}
        type: interval
        channel: online
        steps: {en: [Question sent, Answer received], pl: [Pytanie wysłane, Odpowiedź]}
        bands: [{max: 14400, points: 1}, {max: 86400, points: 0.5}, {points: 0}]
        deadline: 259200
"""

BUILTIN = Path(criteria.__file__).parent / "builtin"
BUILTIN_FILES = sorted(
    {"physical-store.yaml", "online-shop.yaml"} | {p.name for p in BUILTIN.glob("*.yaml")}
)


DELETE = object()  # marks a field to remove in changed()


def sample() -> dict:
    """The sample set as a fresh plain dict."""
    return set_to_dict(load_set(SAMPLE_YAML))


def changed(path: str, value: object) -> dict:
    """The sample dict with the value at a dotted path replaced (or deleted, given DELETE)."""
    d = copy.deepcopy(sample())
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target = d
    for step in parents:
        target = target[step]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return d


C0 = "sections.0.criteria.0"  # time_to_approach (duration)
GREETED = "sections.0.criteria.2"
KNOWLEDGE = "sections.1.criteria.0"
PAYMENT = "sections.1.criteria.1"
REMARKS = "sections.1.criteria.2"
EMAIL = "sections.1.criteria.4"


# ---------------------------------------------------------------- model


def test_required_defaults_to_true_for_scored_types_and_false_for_text_and_photo():
    assert Criterion("a", "yes_no", {"en": "A"}).required is True
    assert Criterion("b", "text", {"en": "B"}).required is False
    assert Criterion("c", "photo", {"en": "C"}).required is False
    assert Criterion("d", "photo", {"en": "D"}, required=True).required is True


def test_text_and_photo_are_not_scored():
    assert Criterion("a", "rating", {"en": "A"}, scale=5).scored
    assert not Criterion("b", "text", {"en": "B"}).scored
    assert not Criterion("c", "photo", {"en": "C"}).scored


def test_text_falls_back_to_english():
    texts = {"en": "Waiting", "pl": "Czekanie"}
    assert text(texts, "pl") == "Czekanie"
    assert text(texts, "de") == "Waiting"
    assert text({"en": "Only English", "pl": ""}, "pl") == "Only English"


def test_set_helpers_find_criteria_and_their_sections():
    cs = load_set(SAMPLE_YAML)
    assert [c.key for c in cs.criteria()] == [
        "time_to_approach",
        "queue_length",
        "greeted",
        "knowledge",
        "payment",
        "remarks",
        "receipt",
        "email_response",
    ]
    assert cs.criterion("payment").options[1] == Option("cash", {"en": "Cash only"}, 0)
    assert cs.section_of("payment").key == "service"
    with pytest.raises(KeyError):
        cs.criterion("nope")
    with pytest.raises(KeyError):
        cs.section_of("nope")


# ---------------------------------------------------------------- loading and dumping


def test_load_set_reads_the_design_format():
    cs = load_set(SAMPLE_YAML)
    assert (cs.key, cs.channel, cs.knockout_scope, cs.pass_mark) == (
        "physical-store",
        "physical",
        "section",
        80,
    )
    assert cs.name == {"en": "Physical store", "pl": "Sklep stacjonarny"}
    first = cs.criterion("time_to_approach")
    assert first.bands == [Band(60, 1), Band(180, 0.5), Band(None, 0)]
    assert (first.weight, first.unit, first.required, first.knockout) == (2, "seconds", True, False)
    email = cs.criterion("email_response")
    assert email.steps["en"] == ["Question sent", "Answer received"]
    assert (email.deadline, email.channel) == (259200, "online")
    assert cs.sections[1].weight == 2


def test_set_to_dict_leaves_out_defaults():
    d = set_to_dict(load_set(SAMPLE_YAML))
    assert "knockout_scope" not in d and "pass_mark" not in d and "description" not in d
    assert "weight" not in d["sections"][0]
    assert d["sections"][0]["criteria"][1] == {
        "key": "queue_length",
        "type": "count",
        "text": {"en": "People in the queue"},
        "bands": [{"max": 2, "points": 1}, {"max": 5, "points": 0.5}, {"points": 0}],
    }
    receipt = d["sections"][1]["criteria"][3]
    assert receipt["required"] is True  # not the default for photo, so it is kept


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_dump_then_load_gives_an_equal_set(fmt):
    cs = load_set(SAMPLE_YAML)
    assert load_set(dump_set(cs, fmt), fmt) == cs


def test_round_trip_dict_to_set_to_yaml_to_set_is_equal():
    cs = set_from_dict(sample())
    again = load_set(dump_set(cs))
    assert again == cs
    assert set_to_dict(again) == sample()


def test_dump_keeps_non_ascii_text_readable():
    out = dump_set(load_set(SAMPLE_YAML))
    assert "Odpowiedź" in out
    assert "Odpowiedź" in dump_set(load_set(SAMPLE_YAML), "json")


def test_dump_writes_whole_numbers_without_a_decimal_point():
    cs = CriteriaSet(
        "s",
        {"en": "S"},
        "any",
        pass_mark=75.0,
        sections=[
            Section(
                "a",
                {"en": "A"},
                weight=2.0,
                criteria=[Criterion("c", "yes_no", {"en": "C"}, weight=3.0)],
            ),
        ],
    )
    out = dump_set(cs)
    assert "pass_mark: 75\n" in out and "weight: 2\n" in out and "weight: 3\n" in out


def test_load_set_accepts_json_and_bytes():
    as_json = json.dumps(sample()).encode()
    assert load_set(as_json, "json") == load_set(SAMPLE_YAML.encode())


def test_load_set_accepts_a_byte_order_mark():
    assert load_set("\ufeff" + SAMPLE_YAML) == load_set(SAMPLE_YAML)


def test_load_set_rejects_an_unknown_format():
    with pytest.raises(ValueError, match="fmt"):
        load_set(SAMPLE_YAML, "toml")


@pytest.mark.parametrize("name", BUILTIN_FILES)
def test_builtin_set_round_trips(name):
    cs = load_set((BUILTIN / name).read_bytes())
    assert load_set(dump_set(cs)) == cs
    assert load_set(dump_set(cs, "json"), "json") == cs


# ---------------------------------------------------------------- file-level problems


def test_malformed_yaml_reports_the_line():
    with pytest.raises(CriteriaError) as err:
        load_set("key: x\nname: {en: X\nchannel: any\n")
    [problem] = err.value.problems
    assert problem.where == "(file)" and "not valid YAML" in problem.message
    assert problem.line == 3


def test_malformed_json_reports_the_line():
    with pytest.raises(CriteriaError) as err:
        load_set('{\n"key": "x",\n"name": }', "json")
    [problem] = err.value.problems
    assert "not valid JSON" in problem.message and problem.line == 3


def test_yaml_python_tags_are_refused():
    with pytest.raises(CriteriaError, match="not valid YAML"):
        load_set("key: !!python/object/apply:os.system [echo hi]\n")


def test_file_over_one_megabyte_is_refused():
    with pytest.raises(CriteriaError, match="limit is 1,000,000"):
        load_set(SAMPLE_YAML + "#" * MAX_BYTES)


def test_text_that_is_not_utf8_is_refused():
    with pytest.raises(CriteriaError, match="not UTF-8"):
        load_set(b"key: \xff\xfe\n")


def test_yaml_problems_carry_the_line_of_their_criterion():
    bad = SAMPLE_YAML.replace("type: count", "type: counter")
    with pytest.raises(CriteriaError) as err:
        load_set(bad)
    [problem] = err.value.problems
    assert problem.where == "sections[waiting].criteria[queue_length].type"
    assert problem.line == SAMPLE_YAML.splitlines().index("        type: count") + 1
    assert str(err.value) == f"{problem.where} (line {problem.line}): {problem.message}"


def test_json_problems_carry_lines_too():
    d = changed(GREETED + ".type", "yesno")
    with pytest.raises(CriteriaError) as err:
        load_set(json.dumps(d, indent=2), "json")
    assert err.value.problems[0].line is not None


def test_a_field_given_twice_is_reported():
    bad = SAMPLE_YAML.replace(
        "        knockout: true", "        knockout: true\n        knockout: false"
    )
    with pytest.raises(CriteriaError, match="field 'knockout' appears twice"):
        load_set(bad)


def test_yaml_norwegian_language_code_needs_quoting():
    bad = SAMPLE_YAML.replace("{en: Service}", "{en: Service, no: Tjeneste}")
    with pytest.raises(CriteriaError, match="quote it in YAML"):
        load_set(bad)


def test_every_problem_is_reported_not_just_the_first():
    d = changed("pass_mark", 120)
    d["sections"][0]["criteria"][2]["type"] = "yesno"
    d["sections"][1]["criteria"][0]["scale"] = 1
    with pytest.raises(CriteriaError) as err:
        set_from_dict(d)
    assert [p.where for p in err.value.problems] == [
        "pass_mark",
        "sections[waiting].criteria[greeted].type",
        "sections[service].criteria[knowledge].scale",
    ]
    assert len(str(err.value).splitlines()) == 3


def test_criteria_error_is_a_value_error():
    assert issubclass(CriteriaError, ValueError)


# ---------------------------------------------------------------- every validation problem


def no_en(path: str) -> dict:
    """The sample with the texts at `path` in Polish only."""
    return changed(path, {"pl": "Tylko po polsku"})


BAD_SETS = [
    # the top level
    ([], "(top level): the top level must be a mapping, got a list"),
    ("just text", "the top level must be a mapping, got a string"),
    (None, "the top level must be a mapping, got nothing"),
    (changed("key", DELETE), "(top level): missing key"),
    (changed("key", ""), "key: key is empty"),
    (changed("key", 7), "key: key must be a string, got a whole number"),
    (changed("key", "Physical Store"), "key 'Physical Store' must match ^[a-z0-9][a-z0-9_-]*$"),
    (changed("key", "-store"), "must match"),
    (changed("colour", "red"), "colour: unknown field 'colour'"),
    (changed("pass_mak", 70), "unknown field 'pass_mak'; did you mean 'pass_mark'?"),
    (changed("name", DELETE), "name: missing name"),
    (no_en("name"), "name: missing 'en' text"),
    (changed("name", "Physical store"), "name: must be a map of language code to text"),
    (changed("name", {"en": 5}), "text for 'en' must be a string"),
    (changed("description", {"pl": "Opis"}), "description: missing 'en' text"),
    (
        changed("channel", "mail"),
        "channel: channel must be one of: physical, online, any; got 'mail'",
    ),
    (changed("channel", DELETE), "missing channel (one of: physical, online, any)"),
    (changed("knockout_scope", "store"), "knockout_scope must be one of: section, visit"),
    (changed("pass_mark", 101), "pass_mark must be between 0 and 100, got 101"),
    (changed("pass_mark", -1), "pass_mark must be between 0 and 100"),
    (changed("pass_mark", "80"), "pass_mark must be a number between 0 and 100, got '80'"),
    (changed("pass_mark", True), "pass_mark must be a number"),
    (changed("pass_mark", float("nan")), "pass_mark must be a number"),
    # sections
    (changed("sections", DELETE), "sections: needs at least one section"),
    (changed("sections", []), "sections: needs at least one section"),
    (changed("sections", {"waiting": {}}), "sections: sections must be a list, got a mapping"),
    (changed("sections.1", "service"), "sections[1]: must be a mapping, got a string"),
    (changed("sections.1.key", "waiting"), "sections[waiting]: duplicate section key 'waiting'"),
    (changed("sections.1.key", DELETE), "sections[1]: missing key"),
    (changed("sections.1.key", "Service"), "sections[1].key: key 'Service' must match"),
    (
        changed("sections.1.criteria", []),
        "sections[service].criteria: needs at least one criterion",
    ),
    (
        changed("sections.1.criteria", DELETE),
        "sections[service].criteria: needs at least one criterion",
    ),
    (no_en("sections.0.title"), "sections[waiting].title: missing 'en' text"),
    (changed("sections.0.title", DELETE), "sections[waiting].title: missing title"),
    (
        changed("sections.0.weight", -1),
        "sections[waiting].weight: weight must be at least 0, got -1",
    ),
    (changed("sections.0.weight", "heavy"), "weight must be a number at least 0, got 'heavy'"),
    (changed("sections.0.colour", "red"), "sections[waiting].colour: unknown field 'colour'"),
    # criteria: keys, types, fields
    (changed(C0 + ".key", DELETE), "sections[waiting].criteria[0]: missing key"),
    (
        changed(C0 + ".key", "Time To Approach"),
        "criteria[0].key: key 'Time To Approach' must match",
    ),
    (
        changed(KNOWLEDGE + ".key", "greeted"),
        "sections[service].criteria[greeted]: duplicate criterion key 'greeted' "
        "(first used in sections[waiting].criteria[greeted])",
    ),
    (
        changed(GREETED + ".type", "yesno"),
        "criteria[greeted].type: unknown type 'yesno' (allowed: yes_no, rating, choice, duration, "
        "count, number, text, photo, interval, multi_choice, amount, nps)",
    ),
    (changed(GREETED + ".type", DELETE), "criteria[greeted]: missing type (allowed: yes_no"),
    (
        changed(GREETED + ".wieght", 2),
        "criteria[greeted].wieght: unknown field 'wieght'; did you mean 'weight'?",
    ),
    (
        changed(GREETED + ".scale", 5),
        "criteria[greeted].scale: field 'scale' does not apply to type 'yes_no'",
    ),
    (changed(KNOWLEDGE + ".invert", True), "field 'invert' does not apply to type 'rating'"),
    (changed(GREETED + ".bands", [{"points": 1}]), "field 'bands' does not apply to type 'yes_no'"),
    (changed(GREETED + ".deadline", 60), "field 'deadline' does not apply to type 'yes_no'"),
    (changed(GREETED + ".text", DELETE), "criteria[greeted].text: missing text"),
    (no_en(GREETED + ".text"), "criteria[greeted].text: missing 'en' text"),
    (changed(GREETED + ".text", {"en": "  "}), "criteria[greeted].text: missing 'en' text"),
    (
        changed(GREETED + ".guidance", {"pl": "Tylko"}),
        "criteria[greeted].guidance: missing 'en' text",
    ),
    (
        changed(GREETED + ".weight", -0.5),
        "criteria[greeted].weight: weight must be at least 0, got -0.5",
    ),
    (changed(GREETED + ".weight", "2"), "criteria[greeted].weight: weight must be a number"),
    (changed(GREETED + ".weight", True), "criteria[greeted].weight: weight must be a number"),
    (
        changed(GREETED + ".required", "yes"),
        "criteria[greeted].required: required must be true or false",
    ),
    (changed(GREETED + ".na_allowed", 1), "na_allowed must be true or false"),
    (changed(GREETED + ".knockout", "true"), "knockout must be true or false"),
    (changed(GREETED + ".channel", "phone"), "criteria[greeted].channel: channel must be one of"),
    (
        changed(REMARKS + ".knockout", True),
        "criteria[remarks].knockout: knockout needs a scored type",
    ),
    (
        changed("sections.1.criteria.3.knockout", True),
        "criteria[receipt].knockout: knockout needs a scored type",
    ),
    # rating
    (
        changed(KNOWLEDGE + ".scale", 1),
        "criteria[knowledge].scale: scale must be a whole number of at least 2",
    ),
    (changed(KNOWLEDGE + ".scale", 4.5), "scale must be a whole number of at least 2, got 4.5"),
    (changed(KNOWLEDGE + ".scale", True), "scale must be a whole number of at least 2, got True"),
    (changed(KNOWLEDGE + ".scale", DELETE), "criteria[knowledge]: rating needs a scale"),
    # choice
    (changed(PAYMENT + ".options", []), "criteria[payment].options: needs at least one option"),
    (changed(PAYMENT + ".options", DELETE), "criteria[payment].options: needs at least one option"),
    (
        changed(PAYMENT + ".options.1.key", "all"),
        "criteria[payment].options[all]: duplicate option key 'all'",
    ),
    (
        changed(PAYMENT + ".options.1.points", 2),
        "options[cash].points: points must be between 0 and 1, got 2",
    ),
    (changed(PAYMENT + ".options.1.points", -0.1), "points must be between 0 and 1"),
    (changed(PAYMENT + ".options.1.points", DELETE), "options[cash]: missing points"),
    (
        changed(PAYMENT + ".options.1.label", {"pl": "Gotówka"}),
        "options[cash].label: missing 'en' text",
    ),
    (
        changed(PAYMENT + ".options.1.key", "Cash Only"),
        "options[1].key: key 'Cash Only' must match",
    ),
    (changed(PAYMENT + ".options.1.colour", "red"), "options[cash].colour: unknown field 'colour'"),
    # bands
    (
        changed(
            C0 + ".bands", [{"max": 180, "points": 1}, {"max": 60, "points": 0.5}, {"points": 0}]
        ),
        "criteria[time_to_approach].bands: bands out of order: max 60 must be greater than 180",
    ),
    (
        changed(
            C0 + ".bands", [{"max": 60, "points": 1}, {"max": 60, "points": 0.5}, {"points": 0}]
        ),
        "bands out of order",
    ),
    (
        changed(C0 + ".bands", [{"max": 60, "points": 1}, {"max": 180, "points": 0}]),
        "criteria[time_to_approach].bands: the last band must have no max",
    ),
    (
        changed(C0 + ".bands", [{"points": 1}, {"max": 180, "points": 0.5}, {"points": 0}]),
        "criteria[time_to_approach].bands[0]: only the last band may have no max",
    ),
    (
        changed(C0 + ".bands", [{"max": 60, "points": 1.5}, {"points": 0}]),
        "bands[0].points: points must be between 0 and 1, got 1.5",
    ),
    (
        changed(C0 + ".bands", [{"max": 60, "points": 1}, {"points": -1}]),
        "bands[1].points: points must be between 0 and 1",
    ),
    (
        changed(C0 + ".bands", [{"max": "1 min", "points": 1}, {"points": 0}]),
        "bands[0].max: max must be a number, got '1 min'",
    ),
    (changed(C0 + ".bands", [{"max": 60}, {"points": 0}]), "bands[0]: missing points"),
    (
        changed(C0 + ".bands", [{"max": 60, "pts": 1}, {"points": 0}]),
        "bands[0].pts: unknown field 'pts'",
    ),
    (changed(C0 + ".bands", "fast"), "bands: bands must be a list, got a string"),
    (
        changed(C0 + ".unit", "weeks"),
        "criteria[time_to_approach].unit: unit must be one of: seconds",
    ),
    # intervals
    (
        changed(EMAIL + ".deadline", 0),
        "criteria[email_response].deadline: deadline must be a whole number of at least 1",
    ),
    (changed(EMAIL + ".deadline", -60), "deadline must be a whole number of at least 1, got -60"),
    (changed(EMAIL + ".deadline", 1.5), "deadline must be a whole number of at least 1, got 1.5"),
    (changed(EMAIL + ".deadline", True), "deadline must be a whole number of at least 1, got True"),
    (
        changed(EMAIL + ".steps", {"pl": ["a", "b"]}),
        "criteria[email_response].steps: steps must map",
    ),
    (changed(EMAIL + ".steps", {"en": ["only one"]}), "each language needs exactly two labels"),
]


@pytest.mark.parametrize(("bad_set", "expected"), BAD_SETS)
def test_invalid_set_is_refused_with_a_clear_problem(bad_set, expected):
    with pytest.raises(CriteriaError) as err:
        set_from_dict(bad_set)
    assert expected in str(err.value)


@pytest.mark.parametrize("kind", ["duration", "count", "number", "interval"])
def test_banded_types_need_bands(kind):
    d = changed(GREETED, {"key": "x", "type": kind, "text": {"en": "X"}})
    with pytest.raises(CriteriaError, match=r"criteria\[x\].bands: needs at least one band"):
        set_from_dict(d)


def test_alias_bomb_is_refused_before_it_expands():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    with pytest.raises(CriteriaError, match="expands to more than"):
        load_set("\n".join(lines))


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_deep_nesting_is_refused(fmt):
    with pytest.raises(CriteriaError, match="nested too deeply"):
        load_set("[" * 50_000 + "]" * 50_000, fmt)


def test_yaml_is_parsed_with_libyaml_when_pyyaml_has_it():
    expected = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    assert criteria.io.SAFE_LOADER is expected


@pytest.fixture(params=["python", "libyaml"])
def yaml_loader(request, monkeypatch):
    """Each of PyYAML's safe loaders in turn (libyaml's only where PyYAML was built with it)."""
    if request.param == "libyaml" and not yaml.__with_libyaml__:
        pytest.skip("PyYAML without libyaml")
    loader = yaml.CSafeLoader if request.param == "libyaml" else yaml.SafeLoader
    monkeypatch.setattr(criteria.io, "SAFE_LOADER", loader)
    return loader


def test_both_yaml_loaders_read_the_builtin_sets_alike(monkeypatch):
    for path in sorted(BUILTIN.glob("*.yaml")):
        read = []
        for loader in (yaml.SafeLoader, yaml.CSafeLoader):
            monkeypatch.setattr(criteria.io, "SAFE_LOADER", loader)
            read.append(set_to_dict(load_set(path.read_bytes())))
        assert read[0] == read[1], path.name


def test_deep_nesting_is_refused_by_either_yaml_loader(yaml_loader):
    with pytest.raises(CriteriaError, match="nested too deeply"):
        load_set("[" * 50_000 + "]" * 50_000)


def test_either_yaml_loader_gives_a_syntax_error_its_line(yaml_loader):
    with pytest.raises(CriteriaError, match=r"\(line 3\): not valid YAML"):
        load_set("key: x\nname: X\nsections: a: b\n")


def test_number_too_big_for_a_float_is_a_problem_not_a_crash():
    with pytest.raises(CriteriaError, match="pass_mark must be a number"):
        set_from_dict(changed("pass_mark", 10**400))


def test_yaml_merge_keys_may_override_without_being_duplicates():
    merged = SAMPLE_YAML.replace(
        "      - key: queue_length\n",
        "      - &queue\n        key: queue_length\n",
    ).replace(
        "      - key: greeted\n",
        "      - <<: *queue\n        key: queue_length_2\n      - key: greeted\n",
    )
    cs = load_set(merged)
    assert cs.criterion("queue_length_2").bands == cs.criterion("queue_length").bands


def test_a_field_given_twice_in_json_is_reported():
    with pytest.raises(CriteriaError, match="field 'key' appears twice"):
        load_set('{"key": "a",\n "key": "b"}', "json")


def test_review_comments_load_and_dump_with_their_criterion():
    comments = {"en": ["Photo shows otherwise."], "pl": ["Zdjęcie pokazuje co innego."]}
    cs = set_from_dict(changed(GREETED + ".review_comments", comments))
    assert cs.criterion("greeted").review_comments == comments
    assert set_to_dict(cs)["sections"][0]["criteria"][2]["review_comments"] == comments
    assert "review_comments" not in set_to_dict(set_from_dict(sample()))["sections"][0][
        "criteria"][2]


@pytest.mark.parametrize("bad", [["Photo shows otherwise."], {"pl": ["Bez angielskiego"]},
                                 {"en": "not a list"}, {"en": [""]}])
def test_review_comments_must_be_lists_of_texts_per_language(bad):
    with pytest.raises(CriteriaError) as err:
        set_from_dict(changed(GREETED + ".review_comments", bad))
    assert [p.where for p in err.value.problems] == ["sections[waiting].criteria[greeted]"
                                                     ".review_comments"]


def test_alert_below_is_optional_defaults_to_the_pass_mark_and_round_trips():
    raw = yaml.safe_load(SAMPLE_YAML)
    assert set_from_dict(raw).alert_threshold == 80
    assert "alert_below" not in set_to_dict(set_from_dict(raw))
    cs = set_from_dict({**raw, "alert_below": 65})
    assert (cs.alert_below, cs.alert_threshold) == (65, 65)
    assert set_to_dict(cs)["alert_below"] == 65
    with pytest.raises(CriteriaError, match="alert_below must be between 0 and 100"):
        set_from_dict({**raw, "alert_below": 150})

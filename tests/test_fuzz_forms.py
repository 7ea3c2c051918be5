"""Fuzzing every form and JSON endpoint: random, oversized, unicode, NUL-containing and missing
fields never give a 500, and a refused (4xx) request writes nothing.

The POST routes come from app.url_map, so a new one is fuzzed without being listed here. Each
is posted to as a role that may use it (ACCESS in tests/test_access_matrix.py), with a real CSRF
token, on the ids of the `sample` fixture. The field names come from the forms on the pages that
role can open, plus a few names no form has. "Nothing written" is checked on a dump of every
table (row counts and a hash of the rows) and on the list of files in the upload folder.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import make_visit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from table_dump import changed_tables, table_dump
from test_access_matrix import ACCESS, routes

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
# They only end sessions, the fuzzing's own among them.
NOT_FUZZED = {"auth.logout", "auth.logout_everywhere", "admin.user_logout"}
WHO = {"public": None, "any": "shopper", "shopper": "shopper", "manager": "manager",
       "admin": "plain_admin", "reviewer": "admin", "staff": "manager",
       "token": "nobody with a session"}  # the JSON API: GET only, bearer tokens
EXTRA_NAMES = ["go", "next", "status", "note", "lang", "uuid", "id", "fields", "photos", "x"]
NASTY = ["", "\x00", "a\x00b", "nan", "inf", "-inf", "1e400", "-1", "0", "9" * 400,
         "2026-02-30", "2026-13-01T25:61", "../../etc/passwd", "<script>x</script>",
         "' OR 1=1 --", "=HYPERLINK(\"http://x\")", "\u202e\u0000\ud7ff\ufffd", "😀" * 50,
         "true", "null", "[]", "{}"]
JPEG_START = b"\xff\xd8\xff\xe0"


class Forms(HTMLParser):
    """The field names of each POST form on a page, by the form's action."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.fields: dict[str, set[str]] = {}
        self.current: set[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            action = (attrs.get("action") or self.page_url).split("?")[0].split("#")[0]
            self.current = self.fields.setdefault(action, set())
        elif (tag in ("input", "select", "textarea", "button") and self.current is not None
              and attrs.get("name") and attrs["name"] != "csrf_token"):
            self.current.add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def post_rules(app):
    """(key, endpoint, rule) of every POST route that is fuzzed."""
    return [(f"{endpoint} {rule.rule}", endpoint, rule) for endpoint, rule, methods in routes(app)
            if "POST" in methods and endpoint not in NOT_FUZZED]


def rule_keys():
    """The test ids, from an app built only to read its URL map."""
    from audit import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE": f"{folder}/a.db",
                          "UPLOAD_DIR": f"{folder}/u", "REPORT_DIR": f"{folder}/r"})
        return [key for key, _e, _r in post_rules(app)]


def url_of(rule, values: dict) -> str:
    """The rule's URL with its arguments from values."""
    return rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]


def form_fields(app, client, who, values: dict) -> dict[str, set[str]]:
    """action URL -> field names, from every GET page of ours this person may open."""
    found: dict[str, set[str]] = {}
    for endpoint, rule, methods in routes(app):
        if "GET" not in methods or endpoint == "static" or WHO[ACCESS[endpoint]] != who:
            continue
        url = url_of(rule, values)
        if url.endswith((".pdf", ".zip", ".csv", ".js", ".json")):
            continue  # downloads hold no forms (and PDFs are slow to render)
        response = client.get(url)
        if response.mimetype == "text/html":
            parser = Forms(url)
            parser.feed(response.text)
            for action, names in parser.fields.items():
                found.setdefault(action, set()).update(names)
    return found


def token_of(client) -> str:
    """A CSRF token for this session, read once from a page."""
    return client.token()


def upload_files(app) -> set[str]:
    """The names of the files in the upload folder."""
    folder = Path(app.config["UPLOAD_DIR"])
    return {p.name for p in folder.rglob("*")} if folder.exists() else set()


values_st = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.builds(lambda ch, n: ch * n, st.sampled_from(["A", "é", "\x00", "9"]),
              st.integers(1_000, 70_000)),
)
json_st = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.sampled_from(NASTY)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=12)


def form_st(names: list[str]):
    """A form body: some of the known fields (others missing), odd values, repeated keys."""
    field = st.one_of(values_st, st.lists(values_st, min_size=2, max_size=3))
    return st.dictionaries(st.sampled_from(names), field, max_size=len(names))


def json_body_st(names: list[str]):
    """A JSON body: the field map the phone sends, a flat object, or any JSON at all."""
    flat = st.dictionaries(st.sampled_from(names), json_st, max_size=len(names))
    return st.one_of(st.fixed_dictionaries({"fields": flat}), flat, json_st,
                     st.fixed_dictionaries({"fields": flat, "uuid": json_st, "photos": json_st}))


@pytest.fixture
def fuzz_values(db, people, sample):
    """The sample's ids, plus a submitted visit for the review routes."""
    submitted = make_visit(db, sample["store_id"], people["shopper"], status="submitted",
                           answers={"greeted_on_entry": True})
    return {**sample, "submitted_visit_id": submitted}


FIELD_CACHE: dict[str, dict[str, set[str]]] = {}


@pytest.mark.parametrize("key", rule_keys())
def test_fuzzed_post_never_500s_and_a_refusal_writes_nothing(app, db, login, fuzz_values, key):
    endpoint, rule = next((e, r) for k, e, r in post_rules(app) if k == key)
    who = WHO[ACCESS[endpoint]]
    values = dict(fuzz_values)
    if endpoint.startswith("review."):
        values["visit_id"] = values["submitted_visit_id"]
    client = login(who)
    url = url_of(rule, values)
    if str(who) not in FIELD_CACHE:
        FIELD_CACHE[str(who)] = form_fields(app, client, who, values)
    known = {n for action, names in FIELD_CACHE[str(who)].items()
             if re.sub(r"\d+", "N", action) == re.sub(r"\d+", "N", url) for n in names}
    names = sorted(known) + EXTRA_NAMES
    token = token_of(client)

    def ask(**kw):
        """One request; the assertions that hold for every answer."""
        before, files = table_dump(db), upload_files(app)
        response = client.http.post(url, **kw)
        where = (endpoint, url, response.status_code, repr(kw)[:300])
        assert response.status_code < 500, where
        if 400 <= response.status_code < 500:
            assert changed_tables(before, table_dump(db)) == [], where
            assert upload_files(app) == files, where

    @SETTINGS
    @given(form=form_st(names), photo=st.one_of(st.none(), st.binary(max_size=300)),
           photo_field=st.sampled_from(["file", *[n for n in names if n.startswith("f-")]]))
    def as_form(form, photo, photo_field):
        data = {**form, "csrf_token": token}
        if photo is not None:  # a file that claims to be a photo: random bytes, maybe a JPEG start
            data[photo_field] = (io.BytesIO(JPEG_START + photo), "photo.jpg")
        ask(data=data, content_type="multipart/form-data")

    @SETTINGS
    @given(body=json_body_st(names), broken=st.booleans())
    def as_json(body, broken):
        text = json.dumps(body)
        ask(data=text[: len(text) // 2] if broken else text, content_type="application/json",
            headers={"X-CSRFToken": token, "Accept": "application/json"})

    as_form()
    as_json()


def test_the_fuzzer_reaches_the_forms(app, login, fuzz_values):
    """The field discovery finds real fields, so the fuzzing is not only of unknown names."""
    fields = form_fields(app, login("shopper"), "shopper", fuzz_values)
    visit = fuzz_values["visit_id"]
    assert any(n.startswith("a-") for n in fields[f"/shopper/visits/{visit}/sections/1"])
    admin = form_fields(app, login("plain_admin"), "plain_admin", fuzz_values)
    assert {"email", "name", "role"} <= admin["/admin/users/new"]


def test_the_table_dump_sees_one_changed_row(db, sample):
    before = table_dump(db)
    with db.atomic():
        db["stores"].update(sample["store_id"], {"name": "Renamed"})
    assert changed_tables(before, table_dump(db)) == ["stores"]


QUERY_NAMES = ["start", "end", "lang", "state", "store_id", "job", "criterion_key", "criterion",
               "region", "status", "new", "old", "format", "next", "page"]


@pytest.mark.parametrize("who", ["shopper", "manager", "plain_admin", "admin"])
def test_fuzzed_query_strings_never_500(app, login, fuzz_values, who):
    """GET forms (periods, filters) and ids in the query string: odd values are a 4xx at worst.

    Downloads are left out: a PDF renders for seconds, and their period form is the same one
    the pages use (a bad period is a 400 before anything renders: tests/test_manager.py).
    """
    client = login(who)
    urls = [url_of(rule, fuzz_values) for endpoint, rule, methods in routes(app)
            if "GET" in methods and endpoint != "static" and WHO[ACCESS[endpoint]] == who
            and not rule.rule.endswith((".pdf", ".zip"))]

    @SETTINGS
    @given(url=st.sampled_from(urls),
           query=st.dictionaries(st.sampled_from(QUERY_NAMES), values_st, max_size=4))
    def ask(url, query):
        response = client.get(url, query_string={k: v[:2000] for k, v in query.items()})
        assert response.status_code < 500, (url, query)

    ask()

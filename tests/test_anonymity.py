"""Shopper anonymity: a manager crawls everything they can reach and never meets the shopper.

Every page, PDF, CSV and photo a manager can get to by following links from the portal is
fetched; the shopper's name, e-mail and user id must appear in none of them (PDF text read back
with pypdf, and the raw bytes of every answer searched too).
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from conftest import make_photo, make_user, make_visit
from pypdf import PdfReader

NAME = "Zofia Tajemnicza"
EMAIL = "zofia.tajemnicza@example.org"
SHOPPER_ID = 48213  # unlike any other number on the pages, so a bare match means a leak
# Consecutive visit ids, as one scheduling batch gets: seen together they tie visits to one
# shopper, so managers see a random reference instead (issue 25 item 14).
VISIT_IDS = (73019, 73020)
PERSON_KEYS = r"(?:shopper|user|created_by|started_by|author|auditor|person)[_ -]?(?:id)?"
# The id next to a key or label that names a person: "shopper_id": 48213, data-user-id="48213",
# Shopper: 48213, ...; plain numbers elsewhere (scores, visit ids) are not people.
LABELLED_ID = re.compile(
    rf"{PERSON_KEYS}[\"'\s]*[:=,][\"'\s]*{SHOPPER_ID}\b".encode(), re.IGNORECASE)
PERSON_FIELD = re.compile(rb"shopper_id|user_id|created_by|started_by|shopper_email|shopper_name",
                          re.IGNORECASE)
ANSWERS = {"greeted_on_entry": True, "served_at_all": True, "friendliness": 4}
SKIP = ("/logout", "/static/", "/language")
MAX_URLS = 80


class Links(HTMLParser):
    """The href/src targets of a page."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action") and value and tag != "form":
                self.found.append(value)


@pytest.fixture
def hidden_shopper(app, db, people, sample):
    """A shopper with a findable name, e-mail and id, whose published visits fill the portal."""
    user_id = make_user(db, "shopper", EMAIL, name=NAME)
    with db.atomic():
        db.execute("UPDATE users SET id = ? WHERE id = ?", [SHOPPER_ID, user_id])
    store_id = sample["store_id"]
    visits = [make_visit(db, store_id, SHOPPER_ID, "published", answers=ans, id=visit_id,
                         started_at=f"2026-{month}-03T10:00:00+00:00")
              for visit_id, month, ans in ((VISIT_IDS[0], "09", ANSWERS),
                                           (VISIT_IDS[1], "10", {**ANSWERS, "friendliness": 2}))]
    photo_id = make_photo(db, app, visits[1], client_id="anonymity-photo-1")
    db["visit_log"].insert({"visit_id": visits[1], "user_id": SHOPPER_ID, "at": "2026-10-03",
                            "action": "submitted"})
    db["actions"].insert({"store_id": store_id, "criterion_key": "friendliness",
                          "text": "Smile more", "due_date": "2099-01-01", "status": "open",
                          "source_visit_id": visits[1], "created_by": people["manager"],
                          "created_at": "2026-10-04T00:00:00+00:00", "updated_at": "2026-10-04"})
    return {"visits": visits, "photo_id": photo_id,
            "refs": [db["visits"].get(v)["ref"] for v in visits]}


def readable(body: bytes, mimetype: str) -> bytes:
    """What a person reads in the answer: PDF text via pypdf, else the bytes themselves."""
    if mimetype == "application/pdf":
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
        return text.encode()
    return body


def leaks(body: bytes, mimetype: str) -> list[str]:
    """What of the shopper's identity the answer gives away."""
    found = []
    for data in {body, readable(body, mimetype)}:
        folded = data.lower()
        found += [w for w in (NAME, EMAIL, "Tajemnicza", "zofia.tajemnicza")
                  if w.lower().encode() in folded]
        found += [m.decode(errors="replace") for m in LABELLED_ID.findall(data)]
        found += [m.decode(errors="replace") for m in PERSON_FIELD.findall(data)]
        if mimetype != "application/pdf" or data is not body:  # raw PDF bytes hold offsets
            found += re.findall(rf"(?<![\w.-]){SHOPPER_ID}(?![\w.-])".encode(), data)
    return found


def crawl(client, start: list[str]) -> dict[str, tuple[int, str, bytes]]:
    """url -> (status, mimetype, body) for every same-site GET link reachable from start."""
    seen: dict[str, tuple[int, str, bytes]] = {}
    todo = list(start)
    while todo and len(seen) < MAX_URLS:
        url = todo.pop(0)
        if url in seen or url.startswith(SKIP):
            continue
        response = client.get(url)
        seen[url] = (response.status_code, response.mimetype, response.data)
        if response.mimetype == "text/html":
            parser = Links()
            parser.feed(response.text)
            for link in parser.found:
                link = urldefrag(link)[0]
                if link.startswith("/") and not urlsplit(link).netloc and link not in seen:
                    todo.append(link)
    return seen


def manager_pages(login, sample, hidden_shopper) -> dict[str, tuple[int, str, bytes]]:
    """Everything the manager reaches from the portal, the visit PDFs and the photo."""
    client = login("manager")
    start = ["/manager/", "/manager/actions", "/manager/actions?state=all",
             f"/manager/stores/{sample['store_id']}",
             "/manager/answers.csv?start=2026-01-01&end=2026-12-31",
             "/manager/answers.csv?start=2026-01-01&end=2026-12-31&excel=1",
             f"/manager/stores/{sample['store_id']}/report.pdf?start=2026-01-01&end=2026-12-31"]
    start += [f"/manager/visits/{ref}/report.pdf" for ref in hidden_shopper["refs"]]
    start.append(f"/photos/{hidden_shopper['photo_id']}")  # in the PDFs, not linked from pages
    return crawl(client, start)


def test_a_manager_never_sees_the_visits_sequential_ids(login, sample, hidden_shopper):
    pages = manager_pages(login, sample, hidden_shopper)
    assert {"text/html", "application/pdf", "text/csv"} <= {m for _s, m, _b in pages.values()}
    for url, (_status, mimetype, body) in pages.items():
        for visit_id in VISIT_IDS:
            assert str(visit_id) not in url
            assert str(visit_id).encode() not in readable(body, mimetype), (url, visit_id)
    csv_text = pages["/manager/answers.csv?start=2026-01-01&end=2026-12-31"][2].decode()
    assert all(ref in csv_text for ref in hidden_shopper["refs"])


def test_a_manager_never_sees_who_the_shopper_was(login, sample, hidden_shopper):
    pages = manager_pages(login, sample, hidden_shopper)
    kinds = {mimetype for _s, mimetype, _b in pages.values()}
    # The crawl reached every kind of answer, so the test cannot pass by seeing nothing.
    assert {"text/html", "application/pdf", "text/csv", "image/jpeg"} <= kinds, kinds
    assert all(status in (200, 302) for status, _m, _b in pages.values()), {
        url: s for url, (s, _m, _b) in pages.items() if s not in (200, 302)}
    found = {url: leaks(body, mimetype) for url, (_s, mimetype, body) in pages.items()}
    assert {url: what for url, what in found.items() if what} == {}


def test_the_leak_check_finds_each_kind_of_leak():
    """The checker itself: each way of naming the shopper is caught, a plain number is not."""
    for body in (NAME.encode(), EMAIL.upper().encode(), b'{"shopper_id": 7}',
                 b'data-user-id="48213"', b"Visit 12, shopper 48213", b"<td>48213</td>"):
        assert leaks(body, "text/html"), body
    assert leaks(b"<td>Score 48.2</td><td>Visit 4821</td>", "text/html") == []

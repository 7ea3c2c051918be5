"""Security headers on every response, no inline script or style, a new session at login."""

from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from conftest import PASSWORD, Client
from werkzeug.exceptions import HTTPException

from audit import create_app
from audit.demo import PASSWORDS, PEOPLE
from audit.sessions import session_user
from audit.web.security import CONTENT_SECURITY_POLICY

# Enough pages of each route (whatever ids they take) to see every template a role can reach.
PAGES_PER_KIND = 2
MAX_PAGES_PER_ROLE = 150


class InlineFinder(HTMLParser):
    """Collects what a strict CSP blocks (inline scripts, styles, handlers) and the page's links."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.links: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("type") == "application/json":
            return  # data for a script (the checklist's show_if rules), never run: CSP allows it
        if tag == "script":
            self._in_script = True
            if not attrs.get("src"):
                self.problems.append("<script> without src")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs.items():
            if name == "style":
                self.problems.append(f'<{tag} style="{value}">')
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            url = (value or "").strip().lower()
            if name in ("href", "src", "action") and url.startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")
        if tag == "a" and attrs.get("href") and "download" not in attrs:  # pages, not files
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append("<script> with inline code")


def kind(app, url: str) -> str:
    """The route a URL goes to: /admin/visits/12 and /admin/visits/13?x=1 are one kind."""
    try:
        return app.url_map.bind("localhost").match(urlsplit(url).path, method="GET")[0]
    except HTTPException:  # 404, 405 or a redirect: keep it apart, the fetch will tell
        return url


def crawl(client, start: str) -> dict[str, list[str]]:
    """Follow same-site GET links from start; return {url: problems} for every HTML page seen."""
    app, seen_kinds = client.http.application, Counter()
    queue, visited, found = deque([start]), set(), {}
    while queue and len(visited) < MAX_PAGES_PER_ROLE:
        url = queue.popleft()
        if url in visited or seen_kinds[kind(app, url)] >= PAGES_PER_KIND:
            continue
        visited.add(url)
        seen_kinds[kind(app, url)] += 1
        response = client.get(url)
        response.close()  # downloads (PDF, CSV) are streamed from open files
        assert response.headers.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY, url
        assert response.headers.get("X-Content-Type-Options") == "nosniff", url
        links = [response.location] if response.status_code in (301, 302, 303) else []
        if response.content_type.startswith("text/html") and not links:
            parser = InlineFinder()
            parser.feed(response.get_data(as_text=True))
            found[url] = parser.problems
            links = parser.links
        for href in links:
            target = urldefrag(href)[0]
            parts = urlsplit(target)
            if parts.netloc or not target.startswith("/") or target.startswith("/static/"):
                continue
            queue.append(target)
    return found


@pytest.fixture
def demo_app(app, runner):
    """The app filled with the demo data (people of every role, stores, visits)."""
    result = runner.invoke(args=["demo", "--months", "2"])
    assert result.exit_code == 0, result.output
    return app


# One person of each role (the demo's shoppers all see the same pages).
ONE_PER_ROLE = sorted({role: email for email, _n, role, _l in reversed(PEOPLE)}.values())


@pytest.mark.parametrize("email", ONE_PER_ROLE)
def test_every_page_a_demo_user_can_reach_has_the_csp_and_no_inline_code(demo_app, email):
    client = Client(demo_app, email, PASSWORDS[email])
    pages = crawl(client, "/")
    assert len(pages) >= 1
    offending = {url: problems for url, problems in pages.items() if problems}
    assert offending == {}, f"inline script/style breaks under the CSP: {offending}"


def test_login_and_error_pages_have_the_headers_too(app):
    http = app.test_client()
    for url, status in [("/login", 200), ("/no-such-page", 404), ("/static/css/app.css", 200)]:
        response = http.get(url)
        response.close()  # a static file is streamed from an open file
        assert response.status_code == status, url
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "geolocation=(self)" in headers["Permissions-Policy"]
        assert "camera=(self)" in headers["Permissions-Policy"]
        assert "microphone=()" in headers["Permissions-Policy"]
    problems = InlineFinder()
    problems.feed(http.get("/login").get_data(as_text=True))
    assert problems.problems == []


def test_no_hsts_over_plain_http(app):
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers


def test_hsts_when_served_over_https(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SESSION_COOKIE_SECURE": True,
                      "DATABASE": str(tmp_path / "audit.db")})
    response = app.test_client().get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_inline_finder_catches_what_the_csp_would_block():
    parser = InlineFinder()
    parser.feed('<p style="color:red" onclick="x()"><script>alert(1)</script>'
                '<script src="/static/js/a.js"></script><style>p{}</style>'
                '<a href="javascript:void(0)">x</a>')
    assert len(parser.problems) == 6, parser.problems


# Session fixation -----------------------------------------------------------------------------

def test_login_starts_a_new_session_keeping_only_the_chosen_language(app, people, db):
    client = Client(app, None)
    with client.http.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["lang"] = "en"
    old_token = client.token()
    response = client.post("/login", {"email": "shopper@example.com", "password": PASSWORD})
    assert response.status_code == 302
    with client.http.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") is None
        assert session_user(db, session["_user_id"])["id"] == people["shopper"]
        assert session["lang"] == "en"
    assert client.token() != old_token


def test_logout_clears_the_whole_session(app, people):
    client = Client(app, "shopper@example.com")
    with client.http.session_transaction() as session:
        session["leftover"] = "x"
    assert client.post("/logout").status_code == 302
    with client.http.session_transaction() as session:
        assert dict(session) == {}


def test_shopper_who_changes_network_stays_logged_in(app, people):
    """Phones move between Wi-Fi and mobile data mid-visit: a new address must not log out."""
    client = Client(app, "shopper@example.com")
    assert client.get("/shopper/").status_code == 200
    moved = client.get("/shopper/", environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert moved.status_code == 200

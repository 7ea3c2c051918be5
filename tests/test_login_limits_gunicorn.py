"""Two gunicorn workers share the login counts: they live in the database, not in a worker's
memory (issue 25, item 2: the per-account limit used to double under two workers)."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import PASSWORD, make_user

from audit.storage.db import open_db, upgrade

TESTS = Path(__file__).resolve().parent
ACCOUNT_FREE = 20  # failures on one account from unknown browsers before the first wait


@pytest.fixture
def server(tmp_path):
    """gunicorn with 2 workers on a free loopback port, behind one (pretend) proxy."""
    upgrade(tmp_path / "audit.db")
    db = open_db(tmp_path / "audit.db")
    make_user(db, "manager", "manager@example.com")
    db.close()
    env = {**os.environ, "AUDIT_DATABASE": str(tmp_path / "audit.db"),
           "AUDIT_INSTANCE": str(tmp_path), "SECRET_KEY": "gunicorn-test", "AUDIT_PROXY_HOPS": "1",
           "PYTHONPATH": os.pathsep.join([str(TESTS), str(TESTS.parent)])}
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-b", "127.0.0.1:0", "-w", "2",
             "gunicorn_pid_app:app"], cwd=tmp_path, env=env, stdout=out,
            stderr=subprocess.STDOUT)
    try:
        yield _base_url(process, log), tmp_path / "audit.db"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _base_url(process: subprocess.Popen, log: Path) -> str:
    """The server's URL once both workers have booted."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        text = log.read_text()
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", text)
        if found and text.count("Booting worker") >= 2:
            return found.group(1)
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"gunicorn did not start:\n{log.read_text()}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep a 302 as the answer, as a test client does."""

    def redirect_request(self, *args, **kwargs):
        return None


def attempt(base: str, address: str, password: str) -> tuple[int, str]:
    """A new browser at `address` opens the login page and logs in; (status, answering pid)."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())
    headers = {"X-Forwarded-For": address}
    deadline = time.monotonic() + 30
    while True:
        try:
            page = opener.open(urllib.request.Request(f"{base}/login", headers=headers))
            break
        except (ConnectionError, urllib.error.URLError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
                      page.read().decode())[1]
    body = urllib.parse.urlencode({"email": "manager@example.com", "password": password,
                                   "csrf_token": token}).encode()
    try:
        answer = opener.open(urllib.request.Request(f"{base}/login", body, headers))
    except urllib.error.HTTPError as err:  # 302 (not followed) and 429 arrive as errors
        return err.code, err.headers["X-Worker-Pid"]
    return answer.status, answer.headers["X-Worker-Pid"]


def test_two_gunicorn_workers_share_the_account_limit(server):
    base, database = server
    addresses = [f"198.51.100.{n}" for n in range(ACCOUNT_FREE)]
    with ThreadPoolExecutor(max_workers=4) as pool:  # concurrent, so both workers answer
        answers = list(pool.map(lambda a: attempt(base, a, "wrong-password-123"), addresses))
    assert [status for status, _pid in answers] == [200] * ACCOUNT_FREE
    per_worker = Counter(pid for _status, pid in answers)
    assert len(per_worker) == 2, "both workers counted failures"
    assert max(per_worker.values()) < ACCOUNT_FREE  # neither reached the limit on its own
    # Together they did: every further try waits, whichever worker answers it.
    later = [f"192.0.2.{n}" for n in range(6)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        refused = list(pool.map(lambda a: attempt(base, a, PASSWORD), later))
    assert [status for status, _pid in refused] == [429] * len(later)
    db = open_db(database)
    assert db["login_failures"].count == ACCOUNT_FREE
    db.close()

"""The README's deployment recipe, run as written, from a fresh virtualenv outside the checkout.

README "A real deployment" is the script: its block for the audit user runs line by line (pip
installs the package and every dependency into a new virtualenv: about 30 s with the package
index reachable), then the web app and the render workers start the way the systemd units in
deploy/ start them (the Procfile says the same). A Polish login page, a manager's store PDF
rendered by the worker, and both processes stopping cleanly on SIGTERM prove it.
"""

from __future__ import annotations

import configparser
import http.cookiejar
import io
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from clean_install import CHECKOUT, clean_copy, clean_env, run
from pypdf import PdfReader

SRV = "/srv/audit"  # the README's home of the app, replaced by a temporary folder
SETUP_BLOCK = "# as the audit user"
UNITS = ("audit-web.service", "audit-worker.service", "audit-mail.service")
MANAGER = ("anna.nowak@demo.example.com", "demo-manager-2026")
STOP_WITHIN = 10  # seconds for a clean stop


def readme_blocks(section: str) -> list[list[str]]:
    """The indented code blocks of a README section, each as its lines (indent removed); a blank
    line ends a block."""
    text = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks, current = [], []
    for line in body.splitlines():
        if line.startswith("    "):
            current.append(line[4:])
        elif current:
            blocks.append(current)
            current = []
    return [*blocks, current] if current else blocks


def setup_commands() -> list[str]:
    """The README's commands for the audit user, with the line continuations joined."""
    (block,) = [b for b in readme_blocks("A real deployment") if b[0].startswith(SETUP_BLOCK)]
    return _joined(block)


def _joined(block: list[str]) -> list[str]:
    """Lines ending in a backslash joined to the next one; comments and blank lines dropped."""
    commands, pending = [], ""
    for line in block:
        if line.startswith("#") or not line.strip():
            continue
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        commands.append(pending + line)
        pending = ""
    return commands


def unit(name: str) -> dict[str, str]:
    """The [Service] settings of a systemd unit in deploy/."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read(CHECKOUT / "deploy" / name, encoding="utf-8")
    return dict(parser["Service"])


def unit_command(name: str) -> tuple[list[str], dict[str, str]]:
    """A unit's command, relative to its WorkingDirectory, and its environment variables."""
    service = unit(name)
    assert service["WorkingDirectory"] == SRV
    argv = shlex.split(service["ExecStart"])
    argv[0] = str(Path(argv[0]).relative_to(SRV))
    env = dict(item.split("=", 1) for item in shlex.split(service.get("Environment", "")))
    return argv, env


def test_procfile_starts_what_the_systemd_units_start():
    procfile = dict(line.split(": ", 1) for line in
                    (CHECKOUT / "deploy" / "Procfile").read_text().splitlines() if line.strip())
    assert shlex.split(procfile["web"]) == unit_command("audit-web.service")[0]
    assert shlex.split(procfile["worker"]) == unit_command("audit-worker.service")[0]
    assert shlex.split(procfile["mail"]) == unit_command("audit-mail.service")[0]
    assert [unit(n)["KillSignal"] for n in UNITS] == ["SIGTERM"] * 3


def test_systemd_units_are_valid(tmp_path):
    # systemd-analyze names any unknown key, bad value or missing program; our paths stand in
    # for /srv/audit's (the test's own Python has gunicorn too).
    for name in UNITS:
        text = (CHECKOUT / "deploy" / name).read_text()
        text = text.replace(f"{SRV}/venv/bin/", f"{Path(sys.executable).parent}/")
        (tmp_path / name).write_text(text.replace(SRV, str(tmp_path)))
    result = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / n) for n in UNITS)],
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


class ProxiedSession:
    """A browser behind the TLS proxy the units expect: cookies (Secure ones too, as the proxy
    speaks HTTPS to the browser), X-Forwarded-Proto, redirects left to the caller."""

    def __init__(self, base: str, language: str = "pl") -> None:
        self.base = base
        self.language = language
        policy = http.cookiejar.DefaultCookiePolicy()
        policy.return_ok_secure = lambda cookie, request: True  # the proxy's side is HTTPS
        self.cookies = http.cookiejar.CookieJar(policy)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect())

    def request(self, path: str, form: dict[str, str] | None = None):
        """Status, headers and body of a GET (or a POST of form)."""
        headers = {"Accept-Language": self.language, "X-Forwarded-Proto": "https",
                   "X-Forwarded-For": "127.0.0.1", "Referer": f"https://{self.host}/login"}
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as err:  # 3xx (not followed) and errors
            return err.code, err.headers, err.read()

    @property
    def host(self) -> str:
        """host:port, as the proxy passes it on."""
        return urllib.parse.urlsplit(self.base).netloc

    def log_in(self, email: str, password: str) -> str:
        """Log in through the form; where the app sends the person."""
        _status, _headers, page = self.request("/login")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token, page[:500]
        status, headers, _body = self.request(
            "/login", {"csrf_token": token.group(1).decode(), "email": email,
                       "password": password})
        assert status == 302, status
        return headers["Location"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects come back as they are: the test reads where they point."""

    def redirect_request(self, *args, **kwargs):
        """Follow nothing."""
        return None


def start(argv: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    """A long-running process with its output in log."""
    with log.open("w") as out:
        return subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_for(pattern: str, log: Path, process: subprocess.Popen, seconds: float = 60) -> str:
    """The first match of pattern in the log, waiting while the process runs."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if found := re.search(pattern, log.read_text()):
            return found.group(1)
        time.sleep(0.2)
    pytest.fail(f"no {pattern!r} in {log.name}:\n{log.read_text()}")


def stop(process: subprocess.Popen, log: Path) -> tuple[int, float]:
    """SIGTERM, as systemd stops a unit; the exit status and the seconds it took."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        status = process.wait(timeout=STOP_WITHIN)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"{log.name}: still running {STOP_WITHIN} s after SIGTERM:\n{log.read_text()}")
    return status, time.monotonic() - started


def fetch_store_pdf(manager: ProxiedSession, seconds: float = 120) -> bytes:
    """A store report of the manager's first store: 'preparing' until the worker has made it."""
    _status, _headers, page = manager.request("/manager/")
    store = re.search(rb'href="(/manager/stores/\d+)"', page)
    assert store, page[:1000]
    url = store.group(1).decode() + "/report.pdf"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, headers, body = manager.request(url)
        assert status == 200, (status, body[:500])
        if headers["Content-Type"] == "application/pdf":
            return body
        time.sleep(1)
    pytest.fail(f"no PDF from {url} in {seconds} s")


def test_readme_recipe_installs_serves_polish_pages_renders_a_pdf_and_stops_cleanly(tmp_path):
    home = tmp_path / "srv" / "audit"
    source = clean_copy(home / "src")  # the README's `git clone . /srv/audit/src`
    env = clean_env()
    script = "\n".join(["set -eu", *(c.replace(SRV, str(home)) for c in setup_commands())])
    setup_started = time.monotonic()
    run("bash", "-c", script, cwd=source, env=env, timeout=400)
    print(f"README setup (venv, pip install, db upgrade, admin): "
          f"{time.monotonic() - setup_started:.0f} s")

    # Fresh: the virtualenv sees none of our environment's packages.
    python = home / "venv" / "bin" / "python"
    assert "include-system-site-packages = false" in (home / "venv" / "pyvenv.cfg").read_text()
    where = run(python, "-c", "import audit, flask; print(audit.__file__, flask.__file__)",
                cwd=home, env=env).split()
    assert all(Path(p).is_relative_to(home / "venv") for p in where), where

    web_argv, web_env = unit_command("audit-web.service")
    worker_argv, worker_env = unit_command("audit-worker.service")
    web_log, worker_log = home / "web.log", home / "worker.log"
    web = start(web_argv, home, clean_env(**web_env, GUNICORN_CMD_ARGS="--bind 127.0.0.1:0"),
                web_log)
    worker = start(worker_argv, home, clean_env(**worker_env), worker_log)
    try:
        base = wait_for(r"Listening at: (http://127\.0\.0\.1:\d+)", web_log, web)
        wait_for(r"(Huey consumer started)", worker_log, worker)

        status, _headers, page = ProxiedSession(base).request("/login")
        assert status == 200 and "Zaloguj się" in page.decode() and 'lang="pl"' in page.decode()
        # The admin the README's commands created can log in.
        assert ProxiedSession(base).log_in("you@example.com", "a-long-admin-password") == "/"
        # The console script finds the app with no --app; the demo gives a manager with stores.
        run(home / "venv" / "bin" / "mystery-audit", "demo", "--force", cwd=home, env=env)
        manager = ProxiedSession(base)
        manager.log_in(*MANAGER)
        pdf = fetch_store_pdf(manager)
        assert len(PdfReader(io.BytesIO(pdf)).pages) >= 2
    finally:
        web_stop = stop(web, web_log)
        worker_stop = stop(worker, worker_log)
    print(f"stopped: web {web_stop[1]:.1f} s, worker {worker_stop[1]:.1f} s")
    assert (web_stop[0], worker_stop[0]) == (0, 0), (web_log.read_text(), worker_log.read_text())
    # The app's files are in the working directory's instance/, none in the virtualenv.
    assert (home / "instance" / "audit.db").is_file()
    assert not list((home / "venv").rglob("secret_key"))

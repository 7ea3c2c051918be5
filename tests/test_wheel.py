"""The built wheel runs anywhere: installed into a fresh virtualenv, served by gunicorn from another
directory, it finds its templates, static files and compiled catalogues inside the package."""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from clean_install import clean_copy, clean_env, run

# What the app reads from disk, as the wheel must carry it.
CARRIED = ["audit/templates/base.html", "audit/templates/report/report.css",
           "audit/static/css/app.css", "audit/static/sw.js",
           "audit/translations/pl/LC_MESSAGES/messages.mo",
           "audit/translations/ru/LC_MESSAGES/messages.mo",
           "criteria/builtin/physical-store.yaml", "criteria/builtin/online-shop.yaml"]


def build_wheel(tmp_path: Path) -> Path:
    """The wheel, built with pip from a clean copy of the checkout (as `pip install .` would)."""
    source = clean_copy(tmp_path / "source")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", source)
    (wheel,) = (tmp_path / "dist").glob("mystery_audit-*.whl")
    return wheel


def venv_with_wheel(tmp_path: Path, wheel: Path) -> Path:
    """A new virtualenv holding the wheel; its python.

    The dependencies come from our environment through a .pth written after the install, so pip
    never sees (nor touches) our environment; our editable install stays out too, since only our
    own site-packages' .pth files start its import finder.
    """
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
        "--no-index", wheel)
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                  env=clean_env()).strip()
    (Path(purelib) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def start_gunicorn(python: Path, cwd: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """gunicorn 'audit:create_app()' on a free loopback port; the process and its base URL."""
    log = cwd / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(python), "-m", "gunicorn", "-b", "127.0.0.1:0", "-w", "1", "audit:create_app()"],
            cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        if found := re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", log.read_text()):
            return server, found.group(1)
        time.sleep(0.1)
    server.kill()
    pytest.fail(f"gunicorn did not start:\n{log.read_text()}")


def get(url: str, **headers: str) -> tuple[int, str]:
    """Status and body of a GET, retried while the worker boots."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
                return response.status, response.read().decode()
        except ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_installed_wheel_serves_polish_login_and_static_files_from_another_directory(tmp_path):
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert [n for n in CARRIED if n not in names] == []
    assert [n for n in names if n.endswith((".po", ".pot"))] == []  # sources stay in the repo
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert "mystery-audit = audit.cli.console:main" in zipfile.ZipFile(wheel).read(
        entry_points).decode()
    python = venv_with_wheel(tmp_path, wheel)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = clean_env(AUDIT_DATABASE=str(tmp_path / "audit.db"))

    # The installed code, and the folders the reports read, are the new virtualenv's.
    where = run(python, "-c", "import audit, reports.i18n, reports.render; print(audit.__file__);"
                " print(reports.render.TEMPLATES); print(reports.i18n.TRANSLATIONS)",
                cwd=elsewhere, env=env).split()
    assert all(Path(p).is_relative_to(tmp_path / "venv") for p in where), where
    assert all(Path(p).exists() for p in where), where
    run(python, "-m", "flask", "--app", "audit:create_app", "db", "upgrade", cwd=elsewhere, env=env)

    server, base = start_gunicorn(python, elsewhere, env)
    try:
        status, page = get(f"{base}/login", **{"Accept-Language": "pl"})
        assert status == 200 and "Zaloguj się" in page and 'lang="pl"' in page
        status, css = get(f"{base}/static/css/app.css")
        assert status == 200 and css.strip()
    finally:
        server.terminate()
        server.wait(timeout=10)

    # The instance folder (the generated secret key) is the working directory's, not the package's.
    assert (elsewhere / "instance" / "secret_key").is_file()
    assert not list((tmp_path / "venv").rglob("secret_key"))

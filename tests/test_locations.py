"""Where the app finds its files: the checkout's folders here, the package's in a wheel
(tests/test_wheel.py), and an instance folder that the environment can choose."""

from __future__ import annotations

from pathlib import Path

from audit import create_app
from audit.storage import locations

CHECKOUT = Path(__file__).resolve().parent.parent


def test_a_source_checkout_serves_its_top_level_templates_and_static_files(tmp_path,
                                                                          monkeypatch):
    monkeypatch.delenv("AUDIT_INSTANCE", raising=False)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE": str(tmp_path / "a.db")})
    assert not locations.installed()
    assert Path(app.template_folder) == CHECKOUT / "templates"
    assert Path(app.static_folder) == CHECKOUT / "static"
    assert Path(app.instance_path) == CHECKOUT / "instance"


def test_audit_instance_chooses_the_instance_folder_and_its_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIT_INSTANCE", str(tmp_path / "state"))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "a.db")})
    assert app.instance_path == str(tmp_path / "state")
    assert (tmp_path / "state" / "secret_key").is_file()


def test_a_relative_audit_instance_is_taken_from_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AUDIT_INSTANCE", "state")
    assert locations.instance_dir() == tmp_path / "state"

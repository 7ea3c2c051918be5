"""Log lines: one per request (text or JSON), a request id in a header and on the error page,
errors with their traceback, and never a password."""

from __future__ import annotations

import json

import pytest
from conftest import PASSWORD

from audit import create_app


def lines(capsys) -> list[str]:
    """The log lines written to standard error so far (a traceback's lines included)."""
    return capsys.readouterr().err.splitlines()


def request_lines(capsys) -> list[str]:
    """Only the per-request lines."""
    return [line for line in lines(capsys) if "audit.request" in line]


@pytest.fixture
def json_app(tmp_path):
    """The app writing JSON lines (AUDIT_LOG_FORMAT=json)."""
    return create_app({"TESTING": True, "SECRET_KEY": "t", "LOG_FORMAT": "json",
                       "DATABASE": str(tmp_path / "j.db"), "REPORT_DIR": str(tmp_path / "r"),
                       "UPLOAD_DIR": str(tmp_path / "u")})


def test_each_request_writes_one_text_line_with_method_path_status_time_and_ids(app, capsys):
    capsys.readouterr()
    response = app.test_client().get("/login?next=/secret-query")
    [line] = request_lines(capsys)
    request_id = response.headers["X-Request-ID"]
    assert " INFO audit.request GET /login 200 " in line and " ms " in line
    assert f"request_id={request_id}" in line and "user_id=-" in line
    assert "secret-query" not in line  # never the query string


def test_json_lines_carry_the_same_fields(json_app, capsys):
    capsys.readouterr()
    response = json_app.test_client().get("/healthz")
    [line] = request_lines(capsys)
    record = json.loads(line)
    assert record["logger"] == "audit.request" and record["level"] == "INFO"
    assert (record["method"], record["path"], record["status"]) == ("GET", "/healthz", 200)
    assert record["request_id"] == response.headers["X-Request-ID"]
    assert record["user_id"] == "-" and isinstance(record["ms"], float)


def test_the_signed_in_user_id_is_logged_and_no_line_holds_the_password(app, people, capsys):
    capsys.readouterr()
    client = app.test_client()
    page = client.get("/login")
    token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": "manager@example.com", "password": PASSWORD,
                                "csrf_token": token})
    client.get("/manager/")
    out = lines(capsys)
    assert PASSWORD not in "\n".join(out)
    assert token not in "\n".join(out)
    assert any("GET /manager/ 200" in line and f"user_id={people['manager']}" in line
               for line in out), out


def test_a_wrong_password_is_not_logged_either(json_app, capsys):
    capsys.readouterr()
    json_app.test_client().post("/login", data={"email": "x@example.com",
                                                "password": "my-very-secret-pw"})
    assert "my-very-secret-pw" not in capsys.readouterr().err


def test_a_proxy_request_id_is_kept_and_a_forged_one_replaced(app, capsys):
    client = app.test_client()
    kept = client.get("/healthz", headers={"X-Request-ID": "proxy-id-12345678"})
    assert kept.headers["X-Request-ID"] == "proxy-id-12345678"
    forged = client.get("/healthz", headers={"X-Request-ID": "x user_id=1 fake=field"})
    assert forged.headers["X-Request-ID"] != "x user_id=1 fake=field"
    assert "fake=field" not in capsys.readouterr().err


def test_the_error_page_shows_the_request_id(app):
    response = app.test_client().get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] in response.text


def test_an_error_is_logged_with_its_traceback_and_request_id(app, capsys):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 page, not a raise

    @app.route("/boom")
    def boom():
        raise RuntimeError("kaput")

    capsys.readouterr()
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert request_id in response.text
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError: kaput" in err
    error_line = next(line for line in err.splitlines() if " ERROR audit " in line)
    assert f"request_id={request_id}" in error_line
    assert "GET /boom 500" in err


def test_a_second_app_in_the_same_process_does_not_write_lines_twice(app, tmp_path, capsys):
    create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE": str(tmp_path / "second.db")})
    capsys.readouterr()
    app.test_client().get("/healthz")
    assert len(request_lines(capsys)) == 1


def test_an_unknown_log_format_is_refused_with_its_name(tmp_path):
    with pytest.raises(ValueError, match="AUDIT_LOG_FORMAT='xml'"):
        create_app({"TESTING": True, "SECRET_KEY": "t", "LOG_FORMAT": "xml",
                    "DATABASE": str(tmp_path / "x.db")})


def test_the_development_server_writes_no_second_line_per_request(app):
    import logging

    server_line = logging.makeLogRecord({"name": "werkzeug",
                                         "msg": '127.0.0.1 - - [03/Dec/2026 18:39:41] "%s" %s %s\n',
                                         "args": ("GET / HTTP/1.1", "200", "-")})
    started = logging.makeLogRecord({"name": "werkzeug", "msg": "Running on %s",
                                     "args": ("http://127.0.0.1:5000",)})
    werkzeug = logging.getLogger("werkzeug")
    assert not werkzeug.filter(server_line) and werkzeug.filter(started)

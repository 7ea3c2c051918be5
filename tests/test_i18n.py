"""Language choice: the user's setting, else the session, else the browser."""

from audit.web.i18n import available_languages


def test_english_is_always_available():
    assert available_languages()[0] == "en"


def test_unknown_language_is_refused(login):
    response = login(None).post("/language", {"lang": "xx"})
    assert response.status_code == 400


def test_choosing_a_language_is_stored_on_the_account(login, db, people):
    client = login("manager")
    response = client.post("/language", {"lang": "en", "next": "/manager/"})
    assert response.status_code == 302 and response.location.endswith("/manager/")
    assert db["users"].get(people["manager"])["language"] == "en"


def test_language_switch_does_not_follow_a_next_to_another_host(login):
    response = login(None).post("/language", {"lang": "en", "next": "//evil.example/"})
    assert response.status_code == 302 and "evil" not in response.location

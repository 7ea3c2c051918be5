"""Each language end to end: the shopper's pages, the criteria editor, the PDF reports, plurals."""

from __future__ import annotations

import html
import io
import random
from datetime import UTC, date, datetime

import pytest
from conftest import make_store, make_user, make_visit
from pypdf import PdfReader
from table_dump import changed_tables, table_dump
from test_criteria_cli import TINY
from test_criteria_editor import _error_at as error_at
from test_criteria_editor import _upload as upload

from audit.admin.criteria_forms import flatten_criterion
from audit.criteria_sets.versions import (
    current_version_id,
    new_set,
    publish_version,
    version_dict,
    version_set,
)
from audit.demo import answer_value
from criteria.scoring import round_score
from reports import render, text
from reports.aggregate import Period

PERIOD = Period(date(2026, 9, 1), date(2026, 11, 30))
# A few interface texts per language, and English ones that must not show through.
UI = {
    "pl": {"next": "Dalej", "logout": "Wyloguj się", "question": "Pytanie",
           "missing": "brak: pl, ru", "period": "Okres audytu", "confidential": "Poufne",
           "month": "września",
           "no_answer_yet": "Jeszcze bez odpowiedzi"},
    "ru": {"next": "Далее", "logout": "Выйти", "question": "Вопрос",
           "missing": "нет перевода: pl, ru", "period": "Период аудита",
           "confidential": "Конфиденциально", "month": "сентября",
           "no_answer_yet": "Ответа пока нет"},
}
ENGLISH = ("Log out", "My visits", "Criteria sets", "Save")
PUBLISHED_VISITS = {
    "pl": {1: "1 opublikowana wizyta", 2: "2 opublikowane wizyty", 5: "5 opublikowanych wizyt"},
    "ru": {1: "1 опубликованный визит", 2: "2 опубликованных визита",
           5: "5 опубликованных визитов"},
}
TO_REVIEW = {
    "pl": {1: "wizyta do weryfikacji", 2: "wizyty do weryfikacji", 5: "wizyt do weryfikacji"},
    "ru": {1: "визит на проверку", 2: "визита на проверку", 5: "визитов на проверку"},
}
LANGS = list(UI)


def speaks(db, user_id: int, lang: str) -> None:
    """Set a user's own language, as the menu's switch does."""
    db["users"].update(user_id, {"language": lang})


def page(client, url: str) -> str:
    """A page's HTML with entities resolved, after checking it was served."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.text)


def physical_set(db):
    """The current built-in physical-store set."""
    return version_set(db, current_version_id(db, "physical-store"))


def published(db, store_id: int, shopper_id: int, day: str, seed: int) -> int:
    """A published, scored visit of the store on that day."""
    rng, start = random.Random(seed), datetime(2026, 10, 1, 10, tzinfo=UTC)
    answers = {c.key: answer_value(c, 0.7, start, rng) for c in physical_set(db).criteria()
               if c.type != "photo" and c.channel in ("any", "physical")}
    return make_visit(db, store_id, shopper_id, status="published", answers=answers,
                      started_at=f"{day}T10:00:00+00:00", ended_at=f"{day}T10:25:00+00:00",
                      submitted_at=f"{day}T10:25:00+00:00", published_at=f"{day}T12:00:00+00:00")


def pdf_text(source) -> str:
    """All text of a PDF (a path or a file object), pages joined."""
    return "\n".join(p.extract_text() for p in PdfReader(source).pages)


def pdf_fonts(path) -> set[str]:
    """The base names of the fonts embedded in a PDF."""
    fonts = set()
    for p in PdfReader(path).pages:
        for font in p["/Resources"].get("/Font", {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


# ---------------------------------------------------------------- the interface


@pytest.mark.parametrize("lang", LANGS)
def test_shopper_sees_interface_and_criteria_in_their_language(lang, db, login, people, sample):
    speaks(db, people["shopper"], lang)
    body = page(login("shopper"), f"/shopper/visits/{sample['visit_id']}/sections/1")
    first = physical_set(db).sections[0]
    assert f'<html lang="{lang}">' in body
    assert first.title[lang] in body and first.criteria[0].text[lang] in body
    assert first.criteria[0].text["en"] not in body
    assert UI[lang]["next"] in body and UI[lang]["logout"] in body
    assert not [word for word in ENGLISH if f">{word}<" in body]


@pytest.mark.parametrize("lang", LANGS)
def test_shopper_sees_english_where_the_set_has_no_text_in_their_language(lang, db, login,
                                                                           people):
    draft = new_set(db, "english-only", "English only", "physical")
    publish_version(db, draft)
    visit_id = make_visit(db, make_store(db, "EN-1"), people["shopper"], set_key="english-only",
                          status="in_progress")
    speaks(db, people["shopper"], lang)
    body = page(login("shopper"), f"/shopper/visits/{visit_id}/sections/1")
    assert "Replace this question" in body and UI[lang]["logout"] in body


@pytest.mark.parametrize(("header", "expected"), [
    ("pl-PL,pl;q=0.9,en;q=0.5", "Zaloguj się"),
    ("ru,en;q=0.5", "Войти"),
    ("de-DE,de;q=0.9", "Log in"),
])
def test_login_page_follows_the_browser(app, header, expected):
    body = app.test_client().get("/login", headers={"Accept-Language": header}).text
    assert f"<h1>{expected}</h1>" in html.unescape(body) or expected in html.unescape(body)


@pytest.mark.parametrize("lang", LANGS)
def test_admin_editor_shows_every_language_side_by_side(lang, db, login, people, sample):
    speaks(db, people["admin"], lang)
    url = f"/admin/criteria/versions/{sample['version_id']}/criteria/{sample['criterion_key']}"
    body = page(login("admin"), url)
    criterion = physical_set(db).criterion(sample["criterion_key"])
    for code in ("en", "pl", "ru"):
        assert f'value="{criterion.text[code]}"' in body
        assert criterion.guidance[code] in body
    assert UI[lang]["question"] in body and UI[lang]["logout"] in body


@pytest.mark.parametrize("lang", LANGS)
def test_admin_editor_marks_the_languages_a_set_is_missing(lang, db, login, people):
    draft = new_set(db, "needs-work", "Needs work", "physical")
    speaks(db, people["admin"], lang)
    body = page(login("admin"), f"/admin/criteria/versions/{draft}/edit")
    assert UI[lang]["missing"] in body


# (language, bad file, the problem as the import page lists it: place and line, then message).
# Keys, field names and values stay as the file has them; numbers are grouped as the language
# groups them (a no-break space).
BAD_IMPORTS = [
    pytest.param("pl", TINY.replace("type: yes_no", "type: smell"),
                 "sections[main].criteria[greeted].type (wiersz 9): nieznany typ 'smell' "
                 "(dozwolone: yes_no, rating, choice, duration, count, number, text, photo, "
                 "interval, multi_choice, amount, nps)", id="pl-unknown-type"),
    pytest.param("pl", TINY.replace("key: wait", "key: greeted"),
                 "sections[main].criteria[greeted] (wiersz 11): klucz kryterium „greeted” się "
                 "powtarza (pierwszy raz w sections[main].criteria[greeted])",
                 id="pl-duplicate-key"),
    pytest.param("pl", TINY + "# " + "x" * 1_000_000 + "\n",
                 "(plik): plik ma 1\u00a0000\u00a0304 bajty, a limit wynosi 1\u00a0000\u00a0000",
                 id="pl-over-1-MB"),
    pytest.param("ru", TINY.replace("type: yes_no", "type: yes_no\n        weight: -1"),
                 "sections[main].criteria[greeted].weight (строка 10): поле weight должно быть "
                 "не меньше 0, получено: -1", id="ru-negative-weight"),
    pytest.param("ru", TINY.replace("text: {en: Were you greeted}", "text: {pl: Powitanie}"),
                 "sections[main].criteria[greeted].text (строка 10): нет текста на английском "
                 "(en)", id="ru-missing-en-text"),
    pytest.param("ru", TINY.replace("type: yes_no", "type: choice"),
                 "sections[main].criteria[greeted].options (строка 8): нужен хотя бы один "
                 "вариант", id="ru-choice-without-options"),
]
NOTHING_SAVED = {"pl": "1 błąd; nic nie zapisano.", "ru": "1 ошибка; ничего не сохранено."}


@pytest.mark.parametrize(("lang", "text", "expected"), BAD_IMPORTS)
def test_a_bad_import_lists_its_problems_in_the_admins_language_and_writes_nothing(
        lang, text, expected, db, login, people):
    speaks(db, people["admin"], lang)
    admin = login("admin")
    before = table_dump(db)
    response = upload(admin, text)
    assert response.status_code == 400
    body = html.unescape(response.text)
    assert f"<li>{expected}</li>" in body, body[-3000:]
    assert NOTHING_SAVED[lang] in body
    assert changed_tables(before, table_dump(db)) == []


@pytest.mark.parametrize(("lang", "change", "field", "expected"), [
    ("pl", {"c-weight": "-1"}, "c-weight", "pole weight musi wynosić co najmniej 0, otrzymano: -1"),
    ("pl", {"c-text-en": ""}, "c-text", "brak tekstu po angielsku (en)"),
    ("ru", {"c-band-1-max": "30"}, "c-bands",
     "диапазоны идут не по порядку: max 30 должен быть больше 60"),
    ("ru", {"c-type": "smell"}, "c-type", "неизвестный тип 'smell' (допустимые: yes_no, rating, "
     "choice, duration, count, number, text, photo, interval, multi_choice, amount, nps)"),
])
def test_a_bad_criterion_is_refused_at_its_field_in_the_admins_language(lang, change, field,
                                                                       expected, db, login,
                                                                       people):
    speaks(db, people["admin"], lang)
    admin = login("admin")
    v1 = current_version_id(db, "physical-store")
    values = flatten_criterion(version_dict(db, v1)["sections"][0]["criteria"][1])
    before = table_dump(db)
    response = admin.post(f"/admin/criteria/versions/{v1}/criteria/{values['c-key']}",
                          {**values, **change})
    assert response.status_code == 400
    assert error_at(response, field, expected), response.text
    assert changed_tables(before, table_dump(db)) == []


@pytest.mark.parametrize(("lang", "expected"), [
    ("pl", "Nie zmieniono: sections[general].criteria: potrzebne jest co najmniej jedno "
           "kryterium"),
    ("ru", "Не изменено: sections[general].criteria: нужен хотя бы один критерий"),
])
def test_a_refused_removal_says_why_in_the_admins_language(lang, expected, db, login, people):
    draft = new_set(db, "one-question", "One question", "any")
    speaks(db, people["admin"], lang)
    admin = login("admin")
    response = admin.post(f"/admin/criteria/versions/{draft}/move",
                          {"kind": "criterion", "key": "first_question", "direction": "remove"},
                          follow_redirects=True)
    assert expected in html.unescape(response.text)


@pytest.mark.parametrize(("lang", "expected"), [
    ("pl", "zestaw o kluczu „physical-store” już istnieje"),
    ("ru", "набор с ключом «physical-store» уже существует"),
])
def test_a_taken_set_key_is_refused_in_the_admins_language(lang, expected, db, login, people):
    speaks(db, people["admin"], lang)
    taken = login("admin").post("/admin/criteria/new",
                                {"key": "physical-store", "name": "X", "channel": "online"})
    assert taken.status_code == 400
    assert error_at(taken, "key", expected), taken.text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("count", [1, 2, 5])
def test_overview_counts_use_the_languages_plural_forms(lang, count, db, login, people):
    store_id = make_store(db, "PL-1")
    for _ in range(count):
        make_visit(db, store_id, people["shopper"], status="submitted")
    speaks(db, people["admin"], lang)
    body = page(login("admin"), "/admin/")
    assert f"<strong>{count}</strong> {TO_REVIEW[lang][count]}<" in body


# ---------------------------------------------------------------- the reports


@pytest.fixture
def shop(db):
    """A store with two published visits in PERIOD."""
    shopper = make_user(db, "shopper", "zofia@example.com")
    store_id = make_store(db, "KRK-9", name="Kraków Łódź Żółć", region="Małopolskie")
    visits = [published(db, store_id, shopper, day, i)
              for i, day in enumerate(["2026-09-10", "2026-10-05"])]
    return {"store_id": store_id, "visits": visits, "shopper": shopper}


@pytest.mark.parametrize("lang", LANGS)
def test_store_report_pdf_is_in_the_language_it_was_made_in(lang, app, db, shop):
    path = render.store_pdf(db, shop["store_id"], PERIOD, lang,
                            report_dir=app.config["REPORT_DIR"])
    content = pdf_text(path)
    score = db.execute("SELECT AVG(score) FROM visits WHERE store_id = ?",
                       [shop["store_id"]]).fetchone()[0]
    assert UI[lang]["period"] in content and "Kraków Łódź Żółć" in content
    assert UI[lang]["confidential"] in content  # the running footer of every page
    assert UI[lang]["month"] in content  # dates in the language: "1 września 2026"
    assert text.score_text(score, lang) in content and "," in text.score_text(score, lang)
    assert f"{round_score(score):.1f}" not in content  # no English decimal point
    assert physical_set(db).sections[0].title[lang] in content
    assert "Audit period" not in content and "Overall score" not in content
    assert any("DejaVu" in font for font in pdf_fonts(path))


@pytest.mark.parametrize("lang", LANGS)
def test_report_cli_passes_the_language(lang, app, db, runner, shop, tmp_path):
    out = tmp_path / "report.pdf"
    result = runner.invoke(args=["report", "store", "KRK-9", "--from", "2026-09-01",
                                 "--to", "2026-11-30", "-o", str(out), "--lang", lang])
    assert result.exit_code == 0, result.output
    assert UI[lang]["period"] in pdf_text(out)


def test_report_cli_refuses_a_language_it_does_not_speak(runner, shop, tmp_path):
    result = runner.invoke(args=["report", "store", "KRK-9", "-o", str(tmp_path / "r.pdf"),
                                 "--lang", "de"])
    assert result.exit_code == 2 and "de" in result.output


@pytest.mark.parametrize("lang", LANGS)
def test_managers_visit_download_is_in_their_language(lang, db, login, people, shop):
    db["store_managers"].insert({"store_id": shop["store_id"], "user_id": people["manager"]})
    speaks(db, people["manager"], lang)
    ref = db["visits"].get(shop["visits"][0])["ref"]
    response = login("manager").get(f"/manager/visits/{ref}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    import io

    content = pdf_text(io.BytesIO(response.data))
    assert physical_set(db).sections[0].title[lang] in content
    assert "Score" not in content.split()


@pytest.mark.parametrize("lang", LANGS)
def test_managers_store_page_offers_the_report_language_defaulting_to_theirs(lang, db, login,
                                                                              people, sample):
    speaks(db, people["manager"], lang)
    body = page(login("manager"), f"/manager/stores/{sample['store_id']}")
    assert f'<option selected value="{lang}">' in body


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("count", [1, 2, 5])
def test_summary_pdf_counts_visits_with_the_languages_plural_forms(lang, count, app, db):
    shopper = make_user(db, "shopper", "zofia@example.com")
    store_id = make_store(db, "WAW-1", region="Mazowieckie")
    for i in range(count):
        published(db, store_id, shopper, f"2026-10-{i + 1:02d}", i)
    path = render.summary_pdf(db, PERIOD, lang, report_dir=app.config["REPORT_DIR"])
    assert PUBLISHED_VISITS[lang][count] in pdf_text(path)


# ---------------------------------------------------------------- refusals of the domain modules
# Domain modules raise audit.errors kinds with English templates; the page shows them in the
# reader's language, and a refused request writes nothing.


def refused(client, db, post) -> tuple[object, str]:
    """POST through `post(client)`; the response and its text, after checking nothing changed."""
    before = table_dump(db)
    response = post(client)
    assert changed_tables(before, table_dump(db)) == []
    return response, html.unescape(response.text)


@pytest.mark.parametrize(("lang", "expected"), [
    ("pl", ["Minimalna liczba znaków: 10.", "Użytkownik z tym adresem e-mail już istnieje."]),
    ("ru", ["Минимум символов: 10.", "Пользователь с таким адресом эл. почты уже существует."]),
])
def test_a_refused_user_is_explained_in_the_admins_language(lang, expected, db, login, people):
    speaks(db, people["admin"], lang)
    admin = login("admin")
    short = {"name": "Jan", "email": "jan@example.com", "role": "shopper", "password": "short"}
    taken = {**short, "email": "SHOPPER@example.com", "password": "long-enough-pass"}
    for form, message in zip((short, taken), expected, strict=True):
        response, text = refused(admin, db, lambda c, f=form: c.post("/admin/users/new", f))
        assert response.status_code == 422 and message in text


@pytest.mark.parametrize(("lang", "expected"), [
    ("pl", "Ten kod ma już inny sklep."), ("ru", "Этот код уже использует другой магазин.")])
def test_a_taken_store_code_is_refused_in_the_admins_language(lang, expected, db, login, people):
    make_store(db, "TAKEN-1")
    speaks(db, people["admin"], lang)
    admin = login("admin")
    form = {"code": "taken-1", "name": "Copy", "channel": "physical", "address": "Main St 2",
            "region": "North"}
    response, text = refused(admin, db, lambda c: c.post("/admin/stores/new", form))
    assert response.status_code == 422 and expected in text


@pytest.mark.parametrize(("lang", "expected"), [
    ("pl", "Tego działania nie można zmienić ze stanu „otwarte” na „otwarte”."),
    ("ru", "Это действие нельзя перевести из состояния «открыто» в «открыто»."),
])
def test_a_refused_action_move_names_both_states_in_the_managers_language(lang, expected, db,
                                                                         login, people):
    store_id = make_store(db, "ACT-9")
    db["store_managers"].insert({"store_id": store_id, "user_id": people["manager"]})
    speaks(db, people["manager"], lang)
    manager = login("manager")
    due = date.today().replace(year=date.today().year + 1).isoformat()
    assert manager.post(f"/manager/stores/{store_id}/actions/new",
                        {"criterion_key": "", "text": "Tidy up", "owner": "",
                         "due_date": due}).status_code == 302
    response, text = refused(manager, db,
                             lambda c: c.post("/manager/actions/1/status", {"status": "open"}))
    assert response.status_code == 422 and expected in text


@pytest.mark.parametrize(("lang", "expected"), [
    ("pl", "Wybierz jedną z odpowiedzi."), ("ru", "Выберите один из вариантов ответа.")])
def test_a_refused_answer_in_a_draft_is_explained_in_the_shoppers_language(lang, expected, db,
                                                                          login, people):
    visit = make_visit(db, make_store(db, "ANS-1"), people["shopper"], status="in_progress")
    speaks(db, people["shopper"], lang)
    shopper = login("shopper")
    response, _text = refused(shopper, db, lambda c: c.http.post(
        f"/shopper/visits/{visit}/draft", json={"fields": {"a-friendliness": "9"}},
        headers={"X-CSRFToken": c.token(), "Accept": "application/json"}))
    assert response.status_code == 200
    assert response.json["errors"] == {"friendliness": expected}


@pytest.mark.parametrize(("lang", "typed", "expected"), [
    ("pl", "-5", "Czas nie może być ujemny."),
    ("ru", "-5", "Время не может быть отрицательным."),
    ("pl", "soon", "Nie można odczytać tej wartości; sprawdź format."),
    ("ru", "soon", "Не удаётся прочитать значение; проверьте формат."),
])
def test_a_refused_correction_is_explained_in_the_reviewers_language(lang, typed, expected, db,
                                                                     login, people):
    visit = make_visit(db, make_store(db, "FIX-1"), people["shopper"], status="submitted",
                       answers={"time_to_approach": 40})
    speaks(db, people["admin"], lang)
    reviewer = login("admin")
    response, _text = refused(reviewer, db, lambda c: c.post(
        f"/review/visits/{visit}/correct?criterion=time_to_approach",
        {"number": typed, "reason": "x"}))
    assert response.status_code == 400 and error_at(response, "number", expected), response.text


@pytest.mark.parametrize(("lang", "expected"), [
    ("pl", "Poprawka odpowiedzi · "),
    ("ru", "Исправление ответа · "),
])
def test_the_visit_log_names_what_happened_in_the_reviewers_language(lang, expected, db, login,
                                                                     people):
    visit = make_visit(db, make_store(db, "LOG-1"), people["shopper"], status="submitted",
                       answers={"time_to_approach": 40})
    speaks(db, people["admin"], lang)
    reviewer = login("admin")
    assert reviewer.post(f"/review/visits/{visit}/correct?criterion=time_to_approach",
                         {"number": "30", "reason": "stoper"}).status_code == 302
    question = version_set(db, db["visits"].get(visit)["version_id"]).criterion(
        "time_to_approach").text[lang]
    body = page(reviewer, f"/review/visits/{visit}")
    assert expected + question in body


@pytest.mark.parametrize(("lang", "expected"), [
    ("pl", "Ten plik nie jest zdjęciem. Wybierz zdjęcie (JPEG, PNG, WebP…)."),
    ("ru", "Этот файл не изображение. Выберите фото (JPEG, PNG, WebP…)."),
])
def test_a_refused_photo_is_explained_in_the_shoppers_language(lang, expected, db, login, people):
    visit = make_visit(db, make_store(db, "PIC-1"), people["shopper"], status="in_progress")
    speaks(db, people["shopper"], lang)
    shopper = login("shopper")
    response, _text = refused(shopper, db, lambda c: c.http.post(
        f"/shopper/visits/{visit}/photos",
        data={"file": (io.BytesIO(b"not a picture"), "p.jpg"), "client_id": "phone-photo-0001",
              "criterion": "price_tag_photo"},
        headers={"X-CSRFToken": c.token(), "Accept": "application/json"},
        content_type="multipart/form-data"))
    assert response.status_code == 400
    assert (response.json["error"], response.json["message"]) == ("not_an_image", expected)


@pytest.mark.parametrize(("lang", "expected"), [
    ("pl", ("Wysłano", "Otrzymano", "Opublikowana", "stacjonarny", "Czat")),
    ("ru", ("Отправлено", "Получено", "Опубликован", "розничный", "Чат")),
])
def test_words_the_domain_gives_as_codes_are_shown_in_the_readers_language(lang, expected, app):
    from audit.web import labels
    from criteria.model import Criterion

    interval = Criterion(key="reply", type="interval", text={"en": "Reply"})
    with app.test_request_context(headers={"Accept-Language": lang}):
        shown = (*labels.shown_step_labels(interval, lang), labels.status_label("published"),
                 labels.channel_word("physical"), labels.contact_channel_label("chat"))
    assert shown == expected

"""Domain modules refuse with audit.errors kinds and import no Flask; the web layer words them."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.errors import N_, Conflict, Invalid
from audit.vocabulary import ActionStatus

ROOT = Path(__file__).resolve().parents[1]
def test_every_contact_channel_has_one_label_in_code_order():
    from audit.web.labels import CONTACT_CHANNEL
    from criteria.scoring import CONTACT_CHANNELS

    assert tuple(CONTACT_CHANNEL) == CONTACT_CHANNELS


def test_every_english_default_the_online_steps_give_has_its_translated_word():
    from audit.visits import online
    from audit.web.labels import DEFAULT_WORDS

    defaults = {*online.DEFAULT_STEPS, online.VISIT_STARTED, online.VISIT_SUBMITTED}
    assert set(DEFAULT_WORDS) == defaults
    assert {str(word) for word in DEFAULT_WORDS.values()} == defaults  # msgid = the English


def test_a_refusal_reads_in_english_without_any_app():
    err = Invalid("too_long", N_("Keep it under %(n)d characters."), field="note", n=1000)
    assert err.english == str(err) == "Keep it under 1000 characters."
    assert (err.code, err.field) == ("too_long", "note")


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "This action cannot change from done to dropped."),
    ("pl", "Tego działania nie można zmienić ze stanu „wykonane” na „porzucone”."),
    ("ru", "Это действие нельзя перевести из состояния «выполнено» в «отменено»."),
])
def test_vocabulary_parameters_of_a_refusal_are_shown_as_words_of_the_readers_language(
        lang, expected, app):
    from audit.web.errors import message

    err = Invalid("action_move", N_("This action cannot change from %(old)s to %(new)s."),
                  old=ActionStatus.DONE, new=ActionStatus.DROPPED)
    with app.test_request_context(headers={"Accept-Language": lang}):
        assert message(err) == expected
    assert err.english == "This action cannot change from done to dropped."


@pytest.mark.parametrize(("err", "status"), [
    (Invalid("not_an_image", "x"), 400), (Invalid("too_large", "x"), 413),
    (Invalid("too_many", "x"), 400), (Invalid("password_short", "x"), 422),
    (Conflict("draft_open", "x"), 409),
])
def test_refusals_answer_with_the_http_status_they_always_had(err, status):
    from audit.web.errors import http_status

    assert http_status(err) == status


def test_an_answer_refusal_carries_each_criterion_refusal_for_the_web_to_word(db):
    from audit.criteria_sets.versions import current_version_id
    from audit.visits.answers import AnswerError, AnswerInput, check_answers

    version = current_version_id(db, "physical-store")
    errors = check_answers(db, version, [AnswerInput("friendliness", 9),
                                         AnswerInput("no_such_question", 1)])
    assert {k: (e.code, e.english) for k, e in errors.items()} == {
        "friendliness": ("refused_value", "Choose one of the answers."),
        "no_such_question": ("not_in_checklist",
                             "This question is not part of the visit's checklist.")}
    refusal = AnswerError(errors)
    assert (refusal.code, refusal.details, str(refusal)) == (
        "invalid", errors, "Some answers need correcting.")

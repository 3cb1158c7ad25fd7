import json
import subprocess
import sys

import pytest

from testimonials.routing import MAX_TEXT_CHARS, Decision, classify
from tests.conftest import ROOT, subprocess_env
from tests.testimonials.feedback_cases import CASES


@pytest.mark.parametrize(("score", "text", "expected", "why"), CASES, ids=[case[3] for case in CASES])
def test_tricky_feedback_is_routed_as_expected(score, text, expected, why):
    decision = classify(score=score, text=text)
    assert decision.route == expected, (why, decision.reasons)


def test_the_fixed_set_is_big_and_covers_every_route():
    assert len(CASES) >= 25
    assert {expected for _, _, expected, _ in CASES} == {"happy", "neutral", "unhappy"}


@pytest.mark.parametrize(
    ("score", "route"), [(0, "unhappy"), (6, "unhappy"), (7, "neutral"), (8, "neutral"), (9, "happy"), (10, "happy")]
)
def test_the_score_gives_the_first_route(score, route):
    decision = classify(score=score)
    assert decision.route == decision.score_route == route
    assert decision.sentiment == 0.0
    assert decision.reasons[0] == f"score {score} alone says {route} (happy 9–10, neutral 7–8, unhappy 0–6)"
    assert decision.reasons[1] == "no text to read: the score alone decides"


def test_a_happy_score_with_clearly_negative_text_records_why_it_is_unhappy():
    decision = classify(score=9, text="This was terrible and I regret it, what a disaster")
    assert decision.route == "unhappy"
    assert decision.score_route == "happy"
    assert decision.sentiment <= -0.5
    assert decision.reasons[1] == (
        f"score 9 is happy, but the text is clearly negative (sentiment {decision.sentiment:+.2f}): routed unhappy"
    )


def test_a_complaint_idiom_is_quoted_in_the_reason():
    decision = classify(score=9, text="honestly a waste of money")
    assert decision.reasons[1].startswith(
        'score 9 is happy, but the text is clearly negative: it says "waste of money"'
    )


def test_glowing_words_never_raise_a_route_and_the_reason_says_so():
    decision = classify(score=3, text="Absolutely wonderful, I loved every minute!")
    assert decision.route == "unhappy"
    assert decision.sentiment > 0.5
    assert "text never raises a route: stays unhappy" in decision.reasons[1]


def test_a_before_after_story_says_where_it_was_judged_from():
    decision = classify(score=10, text="I used to yell at my kids and felt like a terrible mother. Now we talk.")
    assert decision.route == "happy"
    assert "judged from 'Now' on" in decision.reasons[-1]


def test_custom_thresholds():
    assert classify(score=8, happy_min=8, neutral_min=6).route == "happy"
    assert classify(score=6, happy_min=8, neutral_min=6).route == "neutral"
    assert classify(score=5, happy_min=8, neutral_min=6).route == "unhappy"
    # Equal thresholds: no neutral band.
    assert classify(score=8, happy_min=8, neutral_min=8).route == "happy"
    assert classify(score=7, happy_min=8, neutral_min=8).route == "unhappy"
    assert "neutral none" in classify(score=7, happy_min=8, neutral_min=8).reasons[0]


def test_over_long_text_is_read_up_to_the_cap_and_says_so():
    decision = classify(score=9, text="great " * 10_000)
    assert decision.reasons[-1] == f"only the first {MAX_TEXT_CHARS} characters were read"


@pytest.mark.parametrize("score", [-1, 11, 100, 9.5, "9", True, None])
def test_a_score_outside_0_to_10_is_refused(score):
    with pytest.raises(ValueError, match="score must be a whole number"):
        classify(score=score)


@pytest.mark.parametrize(("happy_min", "neutral_min"), [(7, 9), (11, 7), (9, 0), (9, -1), (0, 0), (9.0, 7), (9, True)])
def test_thresholds_that_make_no_sense_are_refused(happy_min, neutral_min):
    with pytest.raises(ValueError, match="neutral_min|happy_min"):
        classify(score=5, happy_min=happy_min, neutral_min=neutral_min)


def test_decision_is_frozen_and_has_a_json_shape():
    decision = classify(score=10, text="Loved it")
    assert isinstance(decision, Decision)
    with pytest.raises(AttributeError):
        decision.route = "unhappy"
    assert decision.as_json() == {"route": "happy", "reasons": list(decision.reasons)}
    json.dumps(decision.as_json())


def _command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "classify_feedback", *args],
        cwd=ROOT,
        env=subprocess_env(DJANGO_SETTINGS_MODULE="cms.settings.test"),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.backend_independent
def test_command_prints_exactly_one_json_object():
    result = _command("--score", "9", "--text", "honestly a waste of money")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    payload = json.loads(result.stdout)
    assert set(payload) == {"route", "reasons"}
    assert payload["route"] == "unhappy"
    assert "waste of money" in payload["reasons"][1]


@pytest.mark.backend_independent
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--score", "11"], "score must be a whole number from 0 to 10, got 11"),
        (["--score", "seven"], "--score must be a whole number from 0 to 10, got 'seven'"),
        (["--score", "8", "--happy-min", "6"], "thresholds must satisfy"),
    ],
)
def test_command_refuses_bad_input_with_exit_2_and_one_line(args, message):
    result = _command(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert message in result.stderr


@pytest.mark.backend_independent
def test_command_accepts_thresholds():
    result = _command("--score", "8", "--happy-min", "8", "--neutral-min", "5", "--text", "Loved it")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["route"] == "happy"


def test_the_vader_lexicon_loads_offline_from_the_wheel(monkeypatch):
    import socket

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    def no_network(*args, **kwargs):
        raise AssertionError("VADER tried to use the network")

    monkeypatch.setattr(socket, "socket", no_network)
    analyzer = SentimentIntensityAnalyzer()
    assert len(analyzer.lexicon) > 7000
    assert analyzer.polarity_scores("terrible")["compound"] < -0.4

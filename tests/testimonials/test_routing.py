import json
import re
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


# --- Kinds of text, not examples ----------------------------------------------------------------

CORPUS = ROOT / "tests" / "testimonials" / "routing_corpus.tsv"
HOLDOUT = ROOT / "tests" / "testimonials" / "routing_holdout.tsv"


@pytest.mark.parametrize(
    ("score", "text"),
    [
        (10, "I'm so sad it's over, I will really miss the group and our coach."),
        (9, "Bittersweet. I cried at the goodbye call."),
        (10, "Ya echo de menos nuestras llamadas, gracias por todo."),
        (9, "Die wöchentlichen Treffen fehlen mir jetzt schon."),
    ],
)
def test_sadness_that_it_is_over_is_praise(score, text):
    decision = classify(score=score, text=text)
    assert decision.route == "happy", decision.reasons


@pytest.mark.parametrize(
    "text",
    [
        "The coach never showed up to two calls and I never got my questions answered",
        "I paid for the printed workbook and it still hasn't arrived.",
        "I was charged twice in March.",
        "Emailed support four times about my login, zero replies so far.",
        "The masterclass from the sales page was never scheduled.",
        "Still waiting for my certificate.",
        "La coach nunca se conectó a dos de las sesiones y nadie me respondió los correos.",
        "Paguei pelo material impresso e até hoje não chegou nada.",
        "J'attends toujours le remboursement promis il y a deux mois.",
        "Der Coach ist zweimal nicht erschienen und meine Fragen blieben unbeantwortet.",
    ],
)
def test_an_unkept_promise_or_absent_service_is_a_complaint_even_with_a_9(text):
    decision = classify(score=9, text=text)
    assert decision.route == "unhappy", decision.reasons
    assert "routed unhappy" in decision.reasons[1]


@pytest.mark.parametrize(
    "text",
    [
        "Great course, it would have been perfect if the videos had subtitles.",
        "Loved the coaching. The only thing I didn't get was much guidance on nutrition.",
        "Muy bueno, aunque habría sido perfecto con más ejercicios prácticos.",
        "Sehr gut, allerdings hätte ich mir mehr Zeit für Fragen gewünscht.",
    ],
)
def test_conditional_praise_that_names_what_was_missing_is_neutral(text):
    decision = classify(score=10, text=text)
    assert decision.route == "neutral", decision.reasons
    assert "names what was missing" in decision.reasons[1]


def test_conditional_praise_whose_missing_thing_is_a_complaint_is_unhappy():
    decision = classify(score=10, text="Would have been a 10, but the coach never showed up to our last two calls.")
    assert decision.route == "unhappy", decision.reasons


def test_praise_shaped_like_a_failure_stays_happy():
    for text in (
        "Not a single question of mine went unanswered.",
        "I never missed a session, so useful.",
        "Mornings used to be a battle. Now we leave on time and nobody shouts.",
    ):
        assert classify(score=9, text=text).route == "happy", text


@pytest.mark.parametrize(
    ("text", "code", "name"),
    [
        ("Il corso è stato fantastico, grazie di cuore a tutti.", "it", "Italian"),
        ("Это было ужасно, тренер не пришёл", "ru", "Russian"),
    ],
)
def test_a_language_it_cannot_read_is_routed_by_the_score_and_the_reasons_say_so(text, code, name):
    decision = classify(score=9, text=text)
    assert decision.route == "happy"
    assert decision.language == code
    assert decision.sentiment == 0.0
    assert f"the text is in {name}" in decision.reasons[1] and "cannot read" in decision.reasons[1]
    assert "score alone decides" in decision.reasons[1]
    assert "positive" not in " ".join(decision.reasons)


def test_a_language_with_cue_lists_says_which_list_read_it():
    decision = classify(score=10, text="Ce programme m'a vraiment aidée, merci à toute l'équipe.")
    assert decision.route == "happy" and decision.language == "fr"
    assert any("read with the French cue list only" in reason for reason in decision.reasons)
    # VADER's 0.0 on French is not shown as if it meant "neutral".
    assert "sentiment" not in " ".join(decision.reasons)


def test_a_too_short_text_is_read_with_every_list():
    decision = classify(score=8, text="bof")
    assert decision.language == ""
    assert decision.route == "neutral"
    assert any("too short to tell its language" in reason for reason in decision.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "I liked the idea and the first video was nice, but honestly nothing changed for us.\nMaybe for others.",
        "The videos were lovely and the group was kind.\nI just could not keep up.\nThanks anyway",
    ],
)
def test_a_low_score_never_reads_positive_in_the_reasons(text):
    decision = classify(score=3, text=text)
    assert decision.route == "unhappy"
    assert "reads positive" not in " ".join(decision.reasons)


def test_a_complaint_the_lexicon_misses_says_the_cue_decided():
    decision = classify(score=3, text="The videos were nice but honestly nothing changed for us.")
    assert 'it says "nothing changed"' in decision.reasons[1]
    assert "a complaint the lexicon misses" in decision.reasons[1]


# --- The corpus: measured, not asserted --------------------------------------------------------


def _targets_met(report):
    return {
        "unhappy recall": report.recall("unhappy") >= 0.95,
        "happy precision": report.precision("happy") >= 0.95,
        "happy recall": report.recall("happy") >= 0.90,
    }


@pytest.mark.parametrize("path", [CORPUS, HOLDOUT], ids=["corpus", "holdout"])
def test_the_routing_meets_its_targets(path):
    from testimonials.routing_eval import evaluate, load

    report = evaluate(load(path))
    assert all(_targets_met(report).values()), (_targets_met(report), "\n".join(report.lines()))


def test_the_corpus_is_big_and_covers_every_route_and_five_languages():
    from testimonials.routing_eval import load
    from testimonials.routing_language import detect

    rows = load(CORPUS) + load(HOLDOUT)
    assert len(load(CORPUS)) >= 150 and len(load(HOLDOUT)) >= 40
    assert {row.expected for row in rows} == {"happy", "neutral", "unhappy"}
    languages = {detect(row.text).code for row in rows}
    assert {"en", "es", "pt", "fr", "de"} <= languages


def test_the_report_counts_precision_recall_and_confusion(tmp_path):
    from testimonials.routing_eval import evaluate, load

    path = tmp_path / "mine.tsv"
    path.write_text("score\texpected\ttext\n10\thappy\tLoved it\n9\thappy\tmeh\n2\tunhappy\t\n", encoding="utf-8")
    report = evaluate(load(path))
    assert report.confusion["happy"] == {"happy": 1, "neutral": 1, "unhappy": 0}
    assert report.precision("happy") == 1.0 and report.recall("happy") == 0.5
    assert report.precision("neutral") == 0.0 and report.recall("neutral") is None
    assert "line 3: score 9, expected happy, routed neutral" in "\n".join(report.lines())


@pytest.mark.backend_independent
def test_command_eval_prints_the_figures():
    result = _command("--eval", str(HOLDOUT))
    assert result.returncode == 0, result.stderr
    assert "precision" in result.stdout and "recall" in result.stdout
    assert "confusion (rows: expected, columns: routed)" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("score\texpected\ttext\n", "no feedback rows"),
        ("score\texpected\ttext\n10\thappy\tfine\n9\thappy\n", ":3: expected 3 tab-separated columns"),
        ("10\thappy\tfine\nnine\thappy\tok\n", ":2: score must be a whole number from 0 to 10, got 'nine'"),
        ("11\thappy\tok\n", ":1: score must be a whole number from 0 to 10, got 11"),
        ("9\tecstatic\tok\n", ":1: expected route must be happy, neutral or unhappy, got 'ecstatic'"),
        (b"9\thappy\t\xff\n", "not UTF-8 text"),
    ],
)
def test_a_bad_corpus_is_refused_with_the_line_number(tmp_path, content, message):
    from testimonials.routing_eval import CorpusError, load

    path = tmp_path / "bad.tsv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError, match=re.escape(message)):
        load(path)


@pytest.mark.backend_independent
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--eval", "/nonexistent/corpus.tsv"], "/nonexistent/corpus.tsv: no such file"),
        (["--eval", "x.tsv", "--score", "9"], "give either --score or --eval, not both"),
        ([], "give --score (one piece of feedback) or --eval FILE.tsv"),
        (["--eval", "x.tsv", "--happy-min", "5", "--neutral-min", "8"], "thresholds must satisfy"),
    ],
)
def test_command_eval_refuses_bad_input_with_exit_2_and_one_line(args, message):
    result = _command(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert message in result.stderr

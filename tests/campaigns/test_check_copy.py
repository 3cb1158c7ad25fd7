"""`manage.py check_copy`: one JSON object on stdout, exit 0 on any result, exit 2 on bad input."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from campaigns import copy_checks
from sharing_prompts import checks
from tests.conftest import subprocess_env

ROOT = Path(__file__).resolve().parents[2]

GOOD_ASK = """Subject: Three families, seven days
Your words: "{{ testimonial_quote }}"
We are out to help one million families overcome ADHD by 2030.
Think of 1–3 parents you know whose kids struggle with focus.
In the next 7 days, send them your special link: {{ special_link }}
Imagine the difference it could make.
"""
VALUES = {"testimonial_quote": "We got our mornings back.", "special_link": "https://focus.example/r/ANN"}


@pytest.fixture
def sharing_prompt_check():
    if "sharing_prompt" not in copy_checks.kinds():
        checks.register_checks()


def run(capsys, *args) -> dict:
    call_command("check_copy", *args)
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # exactly one JSON object, on one line
    return json.loads(out)


def manage(*args: str, stdin: str | bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=subprocess_env(DJANGO_SETTINGS_MODULE="cms.settings.test"),
        input=stdin.encode() if isinstance(stdin, str) else stdin,
        capture_output=True,
        timeout=120,
    )


def test_referral_ask_report_with_values(capsys, tmp_path):
    ask = tmp_path / "ask.txt"
    ask.write_text(GOOD_ASK, encoding="utf-8")
    values = tmp_path / "values.json"
    values.write_text(json.dumps(VALUES), encoding="utf-8")
    result = run(capsys, "--kind", "referral_ask", str(ask), "--values", str(values))
    assert result["kind"] == "referral_ask" and result["score"] == 6
    assert list(result["criteria"]) == [
        "specific",
        "measurable",
        "actionable",
        "relevant",
        "time_bound",
        "inspiring",
    ]
    assert all(set(c) == {"met", "reason"} for c in result["criteria"].values())


def test_referral_ask_without_program_assumes_the_engine_fields_filled(capsys, tmp_path):
    ask = tmp_path / "ask.txt"
    ask.write_text(GOOD_ASK, encoding="utf-8")
    result = run(capsys, "--kind", "referral_ask", str(ask))
    assert result["score"] == 6
    assert result["criteria"]["actionable"] == {
        "met": True,
        "reason": "Actionable: says what to do (“send”) and gives the link to share "
        "({{ special_link }}, assumed filled)",
    }
    assert result["assumed_filled"] == ["special_link"]
    assert result["note"].startswith("Without --program, {{ special_link }} counted as present")
    # {{ testimonial_quote }} is the graduate's own words: never assumed, still shown as absent.
    assert "testimonial_quote" not in result["assumed_filled"]


def test_referral_ask_values_beat_the_assumption(capsys, tmp_path):
    ask = tmp_path / "ask.txt"
    ask.write_text(GOOD_ASK + "Think of {{ ask_count }} of them.\n", encoding="utf-8")
    values = tmp_path / "values.json"
    values.write_text(json.dumps({"special_link": "https://focus.example/r/ANN"}), encoding="utf-8")
    result = run(capsys, "--kind", "referral_ask", str(ask), "--values", str(values))
    assert result["assumed_filled"] == ["ask_count"]
    assert result["criteria"]["actionable"]["reason"].endswith("gives the link to share")


def test_money_for_referring_is_reported_by_both_kinds(capsys, tmp_path, sharing_prompt_check):
    copy = tmp_path / "copy.txt"
    copy.write_text("Tell two friends how it felt. Earn $20 for every friend who joins!", encoding="utf-8")
    ask = run(capsys, "--kind", "referral_ask", str(copy))["criteria"]["relevant"]
    assert not ask["met"] and ask["reason"].startswith("Relevant: offers money (“Earn $20 for every friend”)")
    prompt = run(capsys, "--kind", "sharing_prompt", str(copy))
    assert prompt["findings"] == [
        {
            "phrase": "Earn $20 for every friend",
            "reason": "Money for bringing people (cash, commission, a payment per friend) buys the recommendation; "
            "the thank-you is never money.",
        }
    ]


def test_sharing_prompt_report(capsys, tmp_path, sharing_prompt_check):
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("Tell two friends how it felt — then sign up at shop.focus.example/x!", encoding="utf-8")
    result = run(capsys, "--kind", "sharing_prompt", str(prompt), "--checkout-url", "https://shop.focus.example/x")
    assert result["kind"] == "sharing_prompt" and result["salesy"] is True
    assert [f["phrase"] for f in result["findings"]] == ["sign up", "shop.focus.example/x"]
    assert "checkout link" in result["findings"][1]["reason"]

    prompt.write_text("Tell two friends how it felt to reach your first milestone.", encoding="utf-8")
    assert run(capsys, "--kind", "sharing_prompt", str(prompt)) == {
        "kind": "sharing_prompt",
        "salesy": False,
        "findings": [],
    }


def test_stdin(capsys, monkeypatch, sharing_prompt_check):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("Hurry — buy now!".encode())))
    result = run(capsys, "--kind", "sharing_prompt", "-")
    assert [f["phrase"] for f in result["findings"]] == ["Hurry", "buy now"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "nope", "{file}"], "unknown kind 'nope'; known kinds: "),
        (["--kind", "referral_ask", "{dir}/missing.txt"], "no such file"),
        (["--kind", "referral_ask", "{dir}"], "it is a directory"),
        (["--kind", "referral_ask", "{dir}/latin1.txt"], "is not UTF-8 text"),
        (["--kind", "referral_ask", "{dir}/empty.txt"], "is empty: nothing to check"),
        (["--kind", "referral_ask", "{file}", "--values", "{dir}/bad.json"], "is not valid JSON"),
        (["--kind", "referral_ask", "{file}", "--values", "{dir}/list.json"], "must hold a JSON object"),
        (["--kind", "referral_ask", "{file}", "--checkout-url", "x"], "--checkout-url does not apply"),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path, args, message):
    file = tmp_path / "ask.txt"
    file.write_text(GOOD_ASK, encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Café crème".encode("latin-1"))
    (tmp_path / "empty.txt").write_text(" \n\n", encoding="utf-8")
    (tmp_path / "bad.json").write_text("{nope", encoding="utf-8")
    (tmp_path / "list.json").write_text("[1, 2]", encoding="utf-8")
    args = [a.format(file=file, dir=tmp_path) for a in args]
    with pytest.raises(CommandError, match=message) as error:
        call_command("check_copy", *args)
    assert error.value.returncode == 2


@pytest.mark.backend_independent
def test_exit_codes_for_real(tmp_path):
    ask = tmp_path / "ask.txt"
    ask.write_text(GOOD_ASK, encoding="utf-8")

    done = manage("check_copy", "--kind", "referral_ask", str(ask))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["score"] == 6  # {{ special_link }} assumed filled

    vague = manage("check_copy", "--kind", "referral_ask", "-", stdin="Please help spread the word")
    assert vague.returncode == 0  # a low score is a result, not a failure
    assert json.loads(vague.stdout)["score"] == 0

    for args, stdin, message in [
        (["--kind", "nope", str(ask)], None, b"unknown kind 'nope'"),
        (["--kind", "referral_ask", str(tmp_path / "missing.txt")], None, b"no such file"),
        (["--kind", "referral_ask", str(tmp_path)], None, b"it is a directory"),
        (["--kind", "referral_ask", "-"], b"\xff\xfe not text", b"is not UTF-8 text"),
        (["--kind", "referral_ask", "-"], b"", b"is empty"),
    ]:
        failed = manage("check_copy", *args, stdin=stdin)
        assert failed.returncode == 2, (args, failed.stdout, failed.stderr)
        assert failed.stdout == b""
        assert failed.stderr.count(b"\n") == 1 and message in failed.stderr, failed.stderr


@pytest.mark.backend_independent
def test_sharing_prompt_for_real():
    # A fresh process: the kind is there because sharing_prompts registers it in ready().
    salesy = manage("check_copy", "--kind", "sharing_prompt", "-", stdin="Only $49 — join now!")
    assert salesy.returncode == 0
    assert json.loads(salesy.stdout) == {
        "kind": "sharing_prompt",
        "salesy": True,
        "findings": [
            {"phrase": "$49", "reason": "A price or cost; sharing prompts mention no prices."},
            {
                "phrase": "join now",
                "reason": "Asks people to sign up, enroll or register; sharing prompts never ask anyone to join.",
            },
        ],
    }


@pytest.mark.django_db
def test_referral_ask_with_program_values_agrees_with_the_editor(program, tmp_path, capsys):
    from referrals.models import ReferralPlan
    from tests.factories import referral_plan

    referral_plan(program=program)
    plan = ReferralPlan()
    ask = tmp_path / "ask.txt"
    ask.write_text(f"Subject: {plan.ask_subject}\n{plan.ask_body}", encoding="utf-8")
    call_command("check_copy", "--kind", "referral_ask", str(ask))
    without = json.loads(capsys.readouterr().out)
    call_command("check_copy", "--kind", "referral_ask", str(ask), "--program", program.slug)
    out = capsys.readouterr().out
    rendered = json.loads(out)
    assert rendered["score"] == without["score"] == 6
    # Without --program the engine's fields are assumed filled and said so; with it they are rendered.
    assert without["assumed_filled"] == [
        "ask_count",
        "ask_deadline",
        "mission_progress",
        "mission_statement",
        "special_link",
    ]
    assert "note" in without and "assumed_filled" not in rendered and "note" not in rendered
    assert rendered["criteria"]["measurable"]["reason"] == "Measurable: asks for 1–3 people"
    assert "1–3" in out  # readable, not \u2013
    with pytest.raises(CommandError, match="no live program with slug 'nope'"):
        call_command("check_copy", "--kind", "referral_ask", str(ask), "--program", "nope")

"""The copy checks measured on their corpora: agreement per kind, tuned and held-out.

The corpora (``tests/sharing_prompts/salesy_corpus.tsv``, ``tests/referrals/smarti_corpus.tsv``)
hold prompts and asks written for this purpose, one per line: split, kind, text. The tests fail
when a tuned case disagrees; the held-out cases were never tuned on and are reported, not asserted.

Re-run the README table with::

    .venv/bin/python -m tests.copy_corpus
"""

import csv
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SALESY_CORPUS = HERE / "sharing_prompts" / "salesy_corpus.tsv"
SMARTI_CORPUS = HERE / "referrals" / "smarti_corpus.tsv"


@dataclass(frozen=True)
class Case:
    split: str  # "tuned" or "held_out"
    kind: str
    text: str


@dataclass(frozen=True)
class Outcome:
    case: Case
    agrees: bool
    got: str  # what the check said, for a disagreement's message


def load(path: Path) -> list[Case]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    cases = [Case(split=row["split"], kind=row["kind"], text=row["text"]) for row in rows]
    for case in cases:
        if case.split not in {"tuned", "held_out"} or not case.text.strip():
            raise ValueError(f"{path.name}: bad row {case}")
    return cases


# The non-salesy corpus: these kinds must be flagged with a finding of the same kind; all others pass clean.
SALESY_FLAGGED = {"urgency", "perk", "cash"}


def salesy_outcome(case: Case) -> Outcome:
    from sharing_prompts import salesy

    findings = salesy.check_sharing_prompt(case.text)
    kinds = {salesy.reason_kind(finding.reason) for finding in findings}
    agrees = case.kind in kinds if case.kind in SALESY_FLAGGED else not findings
    got = "; ".join(f"{f.phrase!r} ({salesy.reason_kind(f.reason)})" for f in findings) or "no findings"
    return Outcome(case=case, agrees=agrees, got=got)


def smarti_outcome(case: Case) -> Outcome:
    from referrals import smarti

    report = smarti.check_referral_ask(subject="", body=case.text)
    specific, relevant = report.criteria["specific"], report.criteria["relevant"]
    money = relevant.reason.startswith(smarti.MONEY_PREFIX)
    expected = {
        "specific-with-qualifier": specific.met,
        "generic": not specific.met,
        "cash": money and not relevant.met,
        "no-money": not money,
    }
    if case.kind not in expected:
        raise ValueError(f"unknown SMART-I corpus kind {case.kind!r}")
    got = specific.reason if case.kind in {"specific-with-qualifier", "generic"} else relevant.reason
    return Outcome(case=case, agrees=expected[case.kind], got=got)


def evaluate(path: Path, judge) -> list[Outcome]:
    return [judge(case) for case in load(path)]


def _cell(outcomes: list[Outcome]) -> str:
    if not outcomes:
        return "—"
    agreed = sum(o.agrees for o in outcomes)
    return f"{agreed}/{len(outcomes)} ({agreed / len(outcomes):.0%})"


def table(title: str, outcomes: list[Outcome]) -> str:
    """A Markdown table: one row per kind, agreement on the tuned and the held-out cases, then a total."""
    kinds = list(dict.fromkeys(o.case.kind for o in outcomes))
    lines = [f"| {title}: kind | tuned | held-out |", "| --- | --- | --- |"]
    for kind in [*kinds, None]:
        rows = [o for o in outcomes if kind is None or o.case.kind == kind]
        tuned = [o for o in rows if o.case.split == "tuned"]
        held = [o for o in rows if o.case.split == "held_out"]
        lines.append(f"| {kind or '**all**'} | {_cell(tuned)} | {_cell(held)} |")
    return "\n".join(lines)


def disagreements(outcomes: list[Outcome]) -> list[str]:
    return [f"[{o.case.split}/{o.case.kind}] {o.case.text!r} -> {o.got}" for o in outcomes if not o.agrees]


def main() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    django.setup()
    for title, path, judge in (
        ("Non-salesy check", SALESY_CORPUS, salesy_outcome),
        ("SMART-I check", SMARTI_CORPUS, smarti_outcome),
    ):
        outcomes = evaluate(path, judge)
        print(table(title, outcomes))
        print()
        for line in disagreements(outcomes):
            print("disagrees:", line)
        print()


if __name__ == "__main__":
    main()

"""Measure the routing on labelled feedback: precision and recall per route, and the confusion matrix.

A corpus is a UTF-8 TSV file, one piece of feedback a line: ``score <TAB> expected route <TAB>
text``. A first line ``score<TAB>expected<TAB>text`` (any header starting with "score") is
skipped, and so are blank lines and lines starting with ``#``. In the text, ``\\n`` stands for a
line break (the answers to several questions) and ``\\t`` for a tab. A creator can export their
past feedback in this shape and check the routing against what they know of each student.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from testimonials.routing import HAPPY, NEUTRAL, UNHAPPY, Route, classify

ROUTES: tuple[Route, ...] = (HAPPY, NEUTRAL, UNHAPPY)


class CorpusError(ValueError):
    """A corpus that cannot be read; the message names the file and the line."""


@dataclass(frozen=True)
class Row:
    line: int
    score: int
    expected: Route
    text: str


@dataclass
class Report:
    """What the routing did on a corpus. ``confusion[expected][got]`` counts rows."""

    confusion: dict[str, dict[str, int]] = field(default_factory=lambda: {r: dict.fromkeys(ROUTES, 0) for r in ROUTES})
    misses: list[tuple[Row, str, tuple[str, ...]]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(sum(row.values()) for row in self.confusion.values())

    @property
    def correct(self) -> int:
        return sum(self.confusion[r][r] for r in ROUTES)

    def precision(self, route: str) -> float | None:
        predicted = sum(self.confusion[expected][route] for expected in ROUTES)
        return self.confusion[route][route] / predicted if predicted else None

    def recall(self, route: str) -> float | None:
        actual = sum(self.confusion[route].values())
        return self.confusion[route][route] / actual if actual else None

    def lines(self) -> list[str]:
        """The report as printed by ``classify_feedback --eval``."""

        def figure(value: float | None) -> str:
            return "   -" if value is None else f"{value:.2f}"

        out = [f"{self.total} pieces of feedback, {self.correct} routed as expected ({self.correct / self.total:.1%})"]
        out += ["", f"{'route':<10}{'precision':>10}{'recall':>8}{'count':>7}"]
        for route in ROUTES:
            count = sum(self.confusion[route].values())
            out.append(f"{route:<10}{figure(self.precision(route)):>10}{figure(self.recall(route)):>8}{count:>7}")
        out += ["", "confusion (rows: expected, columns: routed)", f"{'':<10}" + "".join(f"{r:>9}" for r in ROUTES)]
        for expected in ROUTES:
            out.append(f"{expected:<10}" + "".join(f"{self.confusion[expected][got]:>9}" for got in ROUTES))
        if self.misses:
            out += ["", "not as expected:"]
            for row, got, reasons in self.misses:
                out.append(
                    f"  line {row.line}: score {row.score}, expected {row.expected}, routed {got}: {row.text[:80]!r}"
                )
                out.append(f"    why: {reasons[1] if len(reasons) > 1 else reasons[0]}")
        return out


def load(path: str | Path) -> list[Row]:
    """The rows of a corpus file; :class:`CorpusError` with the line number on the first bad one."""
    path = Path(path)
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CorpusError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CorpusError(f"{path}: is a directory, not a TSV file") from None
    except UnicodeDecodeError as error:
        raise CorpusError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    rows = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip() or line.startswith("#") or (number == 1 and line.lower().startswith("score")):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise CorpusError(
                f"{path}:{number}: expected 3 tab-separated columns (score, expected route, text), got {len(parts)}"
            )
        score_text, expected, text = parts[0].strip(), parts[1].strip().lower(), parts[2]
        try:
            score = int(score_text)
        except ValueError:
            raise CorpusError(
                f"{path}:{number}: score must be a whole number from 0 to 10, got {score_text!r}"
            ) from None
        if not 0 <= score <= 10:
            raise CorpusError(f"{path}:{number}: score must be a whole number from 0 to 10, got {score}")
        if expected not in ROUTES:
            raise CorpusError(f"{path}:{number}: expected route must be happy, neutral or unhappy, got {parts[1]!r}")
        text = text.replace("\\n", "\n").replace("\\t", "\t")
        rows.append(Row(line=number, score=score, expected=expected, text=text))
    if not rows:
        raise CorpusError(f"{path}: no feedback rows (columns: score, expected route, text)")
    return rows


def evaluate(rows: list[Row], *, happy_min: int = 9, neutral_min: int = 7) -> Report:
    report = Report()
    for row in rows:
        decision = classify(score=row.score, text=row.text, happy_min=happy_min, neutral_min=neutral_min)
        report.confusion[row.expected][decision.route] += 1
        if decision.route != row.expected:
            report.misses.append((row, decision.route, decision.reasons))
    return report

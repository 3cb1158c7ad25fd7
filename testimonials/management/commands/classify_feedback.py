import json
import sys

from django.core.management.base import BaseCommand, CommandParser

from testimonials.routing import classify


class Command(BaseCommand):
    help = (
        "Route one piece of feedback (a 0-10 score and optional text) to happy, neutral or unhappy, "
        'and print {"route": ..., "reasons": [...]} as one JSON object. Exit status 2 on bad input.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # Strings, not type=int: a bad value must give our one-line error and exit 2, not argparse's usage.
        parser.add_argument("--score", required=True, help="the 0-10 score the student gave")
        parser.add_argument("--text", default="", help="what the student wrote (optional)")
        parser.add_argument("--happy-min", default="9", help="lowest happy score (default 9)")
        parser.add_argument("--neutral-min", default="7", help="lowest neutral score (default 7)")

    def handle(self, *args, score: str, text: str, happy_min: str, neutral_min: str, **options) -> None:
        try:
            decision = classify(
                score=_whole("--score", score),
                text=text,
                happy_min=_whole("--happy-min", happy_min),
                neutral_min=_whole("--neutral-min", neutral_min),
            )
        except ValueError as error:
            self.stderr.write(f"classify_feedback: {error}")
            sys.exit(2)
        self.stdout.write(json.dumps(decision.as_json(), ensure_ascii=False))


def _whole(option: str, value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ValueError(f"{option} must be a whole number from 0 to 10, got {value!r}") from None

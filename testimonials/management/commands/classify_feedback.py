import json
import sys

from django.core.management.base import BaseCommand, CommandParser

from testimonials.routing import classify
from testimonials.routing_eval import CorpusError, evaluate, load


class Command(BaseCommand):
    help = (
        "Route one piece of feedback (a 0-10 score and optional text) to happy, neutral or unhappy, "
        'and print {"route": ..., "reasons": [...]} as one JSON object; or, with --eval FILE.tsv '
        "(columns: score, expected route, text), print precision and recall per route and the "
        "confusion matrix. Exit status 2 on bad input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # Strings, not type=int: a bad value must give our one-line error and exit 2, not argparse's usage.
        parser.add_argument("--score", help="the 0-10 score the student gave")
        parser.add_argument("--text", default="", help="what the student wrote (optional)")
        parser.add_argument("--eval", dest="corpus", metavar="FILE.tsv", help="measure the routing on a labelled TSV")
        parser.add_argument("--happy-min", default="9", help="lowest happy score (default 9)")
        parser.add_argument("--neutral-min", default="7", help="lowest neutral score (default 7)")

    def handle(self, *args, score, text, corpus, happy_min: str, neutral_min: str, **options) -> None:
        try:
            thresholds = {
                "happy_min": _whole("--happy-min", happy_min),
                "neutral_min": _whole("--neutral-min", neutral_min),
            }
            if corpus is not None:
                if score is not None:
                    raise ValueError("give either --score or --eval, not both")
                classify(score=10, **thresholds)  # checks the thresholds before reading the file
                report = evaluate(load(corpus), **thresholds)
            elif score is None:
                raise ValueError("give --score (one piece of feedback) or --eval FILE.tsv (a labelled corpus)")
            else:
                decision = classify(score=_whole("--score", score), text=text, **thresholds)
        except (ValueError, CorpusError) as error:
            self.stderr.write(f"classify_feedback: {error}")
            sys.exit(2)
        if corpus is not None:
            self.stdout.write("\n".join(report.lines()))
        else:
            self.stdout.write(json.dumps(decision.as_json(), ensure_ascii=False))


def _whole(option: str, value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ValueError(f"{option} must be a whole number from 0 to 10, got {value!r}") from None

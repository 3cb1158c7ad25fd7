import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from campaigns import copy_checks

# Bad input exits 2 (like a usage error), never 1: a salesy prompt or a low score is a
# result (exit 0), not a failure, so scripts can tell "checked" from "could not check".
BAD_INPUT = 2


class Command(BaseCommand):
    help = (
        "Check creator copy from FILE (or - for stdin, UTF-8) and print one JSON object. "
        "--kind sharing_prompt: the non-salesy check, "
        '{"kind", "salesy", "findings": [{"phrase", "reason"}]}. '
        "--kind referral_ask: the SMART-I check, "
        '{"kind", "criteria": {specific, measurable, actionable, relevant, time_bound, inspiring}, "score"}; '
        "a first line 'Subject: ...' is the subject, the rest the body. Merge fields are rendered from "
        "--values (a JSON object, e.g. "
        '{"ask_count": "1-3", "ask_deadline": "in the next 7 days", "special_link": "https://…/r/ANN"}); '
        "without a value, a field the engine always fills ({{ special_link }}, {{ ask_deadline }}, "
        "{{ ask_count }}, {{ mission_statement }}, {{ mission_progress }}) counts as present and the report "
        "lists it under 'assumed_filled' with a 'note'; any other field counts as absent. "
        "values['mission_statement'] is also the mission the ask must relate to. "
        "--program SLUG renders them as the program editor does (its mission, its referral ask's count and "
        "window, sample personal values), so the command and the editor agree; --values then overrides. "
        "Exit 0 whatever the result; exit 2 with one line on stderr when the kind is unknown or FILE cannot "
        "be read, is not UTF-8, or is empty."
    )
    # A copy check needs no database and no system checks; it must answer fast in an editor's save hook.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, help="sharing_prompt or referral_ask (any registered check)")
        parser.add_argument("file", metavar="FILE", help="the copy to check; - reads stdin")
        parser.add_argument("--values", metavar="VALUES_JSON", help="referral_ask: JSON file of merge-field values")
        parser.add_argument(
            "--program", default="", help="referral_ask: render merge fields with this live program's values"
        )
        parser.add_argument("--checkout-url", default="", help="sharing_prompt: the program's checkout URL")
        parser.add_argument("--site-url", default="", help="sharing_prompt: the program's site URL")

    def handle(self, *args, kind, file, values, program, checkout_url, site_url, **options):
        if kind not in copy_checks.kinds():
            known = ", ".join(copy_checks.kinds()) or "none"
            raise CommandError(f"unknown kind {kind!r}; known kinds: {known}", returncode=BAD_INPUT)
        given = {"values": values or program, "checkout_url": checkout_url, "site_url": site_url}
        check_options = {name: value for name, value in given.items() if value}
        for name in check_options:
            if name not in copy_checks.options(kind):
                flag = "--" + name.replace("_", "-")
                raise CommandError(f"{flag} does not apply to --kind {kind}", returncode=BAD_INPUT)
        if program or values:
            check_options["values"] = {**_program_values(kind, program), **(_read_values(values) if values else {})}
        if not program and "assume_filled" in copy_checks.options(kind):
            # No program to render the engine's own fields with: they will be filled when it sends.
            check_options["assume_filled"] = True
        report = copy_checks.run(kind, _read_copy(file), **check_options)
        # Readable quotes and dashes (“…”, 1–3) rather than \u escapes; still one line of JSON.
        self.stdout.write(json.dumps(report, ensure_ascii=False))


def _program_values(kind: str, slug: str) -> dict:
    """The values the program editor's check of ``kind`` uses for this program."""
    if not slug:
        return {}
    from campaigns.models import ProgramPage

    page = ProgramPage.objects.live().filter(slug=slug).first()
    if page is None:
        raise CommandError(f"no live program with slug {slug!r}", returncode=BAD_INPUT)
    return copy_checks.program_values(kind, page)


def _read_bytes(path: str) -> bytes | str:
    if path == "-":
        stream = sys.stdin
        return stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
    return Path(path).read_bytes()


def _read_text(path: str, what: str) -> str:
    name = "stdin" if path == "-" else path
    try:
        data = _read_bytes(path)
    except FileNotFoundError:
        raise CommandError(f"cannot read {what} {name}: no such file", returncode=BAD_INPUT) from None
    except IsADirectoryError:
        raise CommandError(f"cannot read {what} {name}: it is a directory", returncode=BAD_INPUT) from None
    except OSError as error:
        raise CommandError(f"cannot read {what} {name}: {error.strerror or error}", returncode=BAD_INPUT) from None
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")  # tolerate the BOM some Windows editors write
    except UnicodeDecodeError as error:
        raise CommandError(
            f"{what} {name} is not UTF-8 text (invalid byte at position {error.start})", returncode=BAD_INPUT
        ) from None


def _read_copy(path: str) -> str:
    text = _read_text(path, "FILE")
    if not text.strip():
        # Checking nothing is almost always a wrong path or an empty pipe, not copy that passes.
        raise CommandError(f"FILE {'stdin' if path == '-' else path} is empty: nothing to check", returncode=BAD_INPUT)
    return text


def _read_values(path: str) -> dict:
    text = _read_text(path, "--values")
    try:
        values = json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(
            f"--values {path} is not valid JSON: {error.msg} (line {error.lineno})", returncode=2
        ) from None
    if not isinstance(values, dict):
        raise CommandError(f"--values {path} must hold a JSON object of merge-field values", returncode=BAD_INPUT)
    return values

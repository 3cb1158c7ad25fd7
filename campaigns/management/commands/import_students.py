import getpass
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from campaigns import imports
from campaigns.import_files import FIELD_LABELS, MAX_BYTES, ImportFileError
from campaigns.models import ImportStatus, ProgramPage


class Command(BaseCommand):
    help = (
        "Import students from a CSV FILE into a program, as the admin's import does: encoding and delimiter "
        "detected, columns guessed from the header (email required; first name, last name, time zone, "
        "marketing consent, cohort, start date, milestones reached), set-based in chunks, every enrollment "
        "journaled with source import:<id>. Progress on stderr, the summary on stdout. Importing the same "
        "file again changes nothing. Exit 0 when the file was imported (rows may be skipped, each with its "
        "reason); exit 1 on a fatal error: missing or unreadable file, unknown program, no email column."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--program", required=True, metavar="SLUG")
        parser.add_argument("--cohort", default="", metavar="NAME", help="for rows without a cohort column value")
        parser.add_argument("--rejected", metavar="OUT.csv", help="write the rejected rows (and why) to this file")
        parser.add_argument("--show", type=int, default=100, help="list at most this many skipped rows (default 100)")
        parser.add_argument("--chunk", type=int, default=imports.CHUNK, help=f"rows per transaction ({imports.CHUNK})")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MB; split it in parts.")
        programs = list(ProgramPage.objects.filter(slug=options["program"]))
        if len(programs) != 1:
            known = ", ".join(ProgramPage.objects.order_by("slug").values_list("slug", flat=True)) or "none"
            several = "several programs have" if programs else "no program has"
            raise CommandError(f"{several} the slug {options['program']!r} (programs: {known}).")
        try:
            student_import = imports.student_import_create(
                data=path.read_bytes(),
                file_name=path.name,
                program=programs[0],
                cohort=options["cohort"],
                actor=f"cli:{getpass.getuser()}",
            )
        except ImportFileError as exc:
            raise CommandError(f"{path}: {exc}") from None
        if "email" not in student_import.mapping:
            header = ", ".join(imports.parse(bytes(student_import.data)).header)
            student_import.delete()
            raise CommandError(f"{path}: no email column (the columns are: {header}).")
        guessed = ", ".join(f"{FIELD_LABELS[f]} = column {i + 1}" for f, i in student_import.mapping.items())
        self.stderr.write(
            f"{path.name}: {student_import.total_rows} rows, {student_import.encoding}, "
            f"{student_import.delimiter_label}-separated; {guessed}"
        )
        imports.student_import_start(
            student_import=student_import, mapping=student_import.mapping, in_task_runner=False
        )
        result = imports.student_import_run(
            student_import_id=student_import.pk, chunk=options["chunk"], progress=self._progress
        )
        self.stderr.write("")
        if result.status == ImportStatus.FAILED:
            raise CommandError(f"{path}: {result.error}")
        self._summary(result, options)

    def _progress(self, done: int, total: int) -> None:
        line = f"importing: {done}/{total} rows ({100 * done // max(total, 1)}%)"
        # A counter that rewrites itself on a terminal; one line per chunk into a log file.
        if getattr(self.stderr._out, "isatty", lambda: False)():
            self.stderr.write("\r" + line, ending="")
        else:
            self.stderr.write(line)

    def _summary(self, result, options) -> None:
        out = self.stdout
        out.write(
            f"Imported {result.file_name} into {result.program.title} (import {result.pk}, source {result.source}):"
        )
        out.write(f"  created: {result.created_count}")
        out.write(f"  updated: {result.updated_count}")
        out.write(f"  skipped: {result.skipped_count} (rejected: {result.rejected_count})")
        rows = list(result.rows.order_by("line")[: options["show"]])
        if rows:
            out.write("Skipped rows:")
            for row in rows:
                out.write(f"  row {row.line}: {row.reason}")
            if result.skipped_count > len(rows):
                out.write(f"  … and {result.skipped_count - len(rows)} more")
        if options["rejected"]:
            with open(options["rejected"], "w", encoding="utf-8", newline="") as target:
                for line in imports.rejected_rows_csv(student_import=result):
                    target.write(line)
            out.write(f"Rejected rows written to {options['rejected']}.")
        sys.stdout.flush()

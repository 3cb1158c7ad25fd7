"""``manage.py student_data export EMAIL [-o FILE]`` and ``manage.py student_data erase EMAIL --reason WHY``."""

import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cms import student_data


class Command(BaseCommand):
    help = "Export one student's data as JSON, or erase the student (data-rights requests)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Print (or write) the student's data as JSON.")
        export.add_argument("email")
        export.add_argument("-o", "--output", help="Write the JSON to this file instead of standard output.")
        erase = sub.add_parser("erase", help="Erase the student everywhere (one transaction; safe to repeat).")
        erase.add_argument("email")
        erase.add_argument("--reason", required=True, help="Why (the request it answers); kept in the audit entry.")
        erase.add_argument("--actor", default="", help='Who asked, for the audit entry (default: "cli:<user>").')

    def handle(self, *args, **options):
        try:
            student = student_data.find_student(options["email"])
        except student_data.UnknownStudent as exc:
            raise CommandError(str(exc)) from None
        if options["action"] == "export":
            text = student_data.student_export_json(student=student)
            if options.get("output"):
                with open(options["output"], "w", encoding="utf-8") as out:
                    out.write(text + "\n")
                self.stdout.write(f"Wrote student #{student.pk}'s data to {options['output']}.")
            else:
                self.stdout.write(text)
            return
        actor = options["actor"].strip() or f"cli:{getpass.getuser()}"
        try:
            outcome = student_data.student_erase(student=student, actor=actor, reason=options["reason"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if outcome.already_erased:
            self.stdout.write(
                f"Student #{student.pk} was already erased on {outcome.erasure.erased_at:%Y-%m-%d %H:%M} UTC "
                f"by {outcome.erasure.erased_by}; nothing changed."
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Erased student #{student.pk}; audit entry #{outcome.erasure.pk}."))

"""Data rights: export one student's data as JSON, or erase them, across every app.

Each app answers for its own tables (``<app>/erasure.py``: ``export_student`` and
``erase_student``); this module, at the top layer, composes them. An erasure is one
transaction: it anonymises the student (placeholder address, no names), removes or redacts
their personal data everywhere it lives, withdraws their testimonials, keeps every row that
counts or shapes the journey, remembers the address only as a one-way hash (never mailed
again), and writes a ``StudentErasure`` audit entry (who, when, why). Erasing an erased
student changes nothing and returns the first entry.

Tables that point at the student and that no app piece knows yet (a newer feature's) are
still covered: the export lists their rows and the erasure redacts their text fields.
"""

import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone
from wagtail.models import ModelLogEntry, PageLogEntry

from campaigns import erasure as campaigns_erasure
from campaigns.models import Student
from cms.models import StudentErasure
from integrations import erasure as integrations_erasure
from mailers import erasure as mailers_erasure
from referrals import erasure as referrals_erasure
from referrals.loops import NOBODY as FRIEND_UNNAMED
from referrals.models import FriendLead
from sharing_prompts import erasure as prompts_erasure
from testimonials import erasure as testimonials_erasure

# Tables an app piece exports and erases itself (app_label.model).
_HANDLED = {
    "campaigns.enrollment",
    "campaigns.journeyevent",
    "cms.studenterasure",
    "testimonials.feedbackresponse",
    "testimonials.supportcase",
    "testimonials.testimonial",
    "sharing_prompts.promptdelivery",
    "referrals.referrallink",
    "referrals.friendlead",
}


class UnknownStudent(LookupError):
    """No student has this address."""


def find_student(email: str) -> Student:
    student = Student.objects.filter(email__iexact=(email or "").strip()).first()
    if student is None:
        raise UnknownStudent(f"No student has the address {email!r}.")
    return student


# --- Export -----------------------------------------------------------------------------


def student_export(*, student: Student) -> dict:
    """Everything we hold about the student, as JSON-ready data (dates as ISO strings)."""
    data = {"exported_at": timezone.now(), "erased": campaigns_erasure.is_erased(student)}
    data.update(campaigns_erasure.export_student(student=student))
    data.update(mailers_erasure.export_address(email=student.email))
    data.update(testimonials_erasure.export_student(student=student))
    data.update(prompts_erasure.export_student(student=student))
    data.update(referrals_erasure.export_student(student=student))
    data.update(integrations_erasure.export_student(student=student, address=student.email))
    data["other_records"] = _other_records(student)
    # Round-trip through the encoder so callers get plain JSON types.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def student_export_json(*, student: Student) -> str:
    return json.dumps(student_export(student=student), indent=2, ensure_ascii=False)


def export_filename(student: Student) -> str:
    return f"student-{student.pk}-data.json"


def _unhandled_relations(student: Student):
    for relation in student._meta.related_objects:
        model = relation.related_model
        if relation.many_to_many or model._meta.label_lower in _HANDLED:
            continue
        yield model, relation.field.name


def _other_records(student: Student) -> dict:
    records = {}
    for model, field in _unhandled_relations(student):
        rows = []
        for row in model._default_manager.filter(**{field: student}).order_by("pk"):
            rows.append(
                {
                    f.name: (str(v) if isinstance(v := getattr(row, f.attname), models.Model) else v)
                    for f in model._meta.concrete_fields
                }
            )
        if rows:
            records[model._meta.label_lower] = rows
    return records


# --- Erasure ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureOutcome:
    erasure: StudentErasure
    already_erased: bool


def student_erase(*, student: Student, actor: str, reason: str, now=None) -> ErasureOutcome:
    """Erase the student everywhere, in one transaction; see the module docstring. A blank reason
    is refused (ValidationError) before anything changes."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this student is erased (e.g. the request it answers)."})
    now = now or timezone.now()
    with transaction.atomic():
        student = Student.objects.select_for_update().get(pk=student.pk)
        previous = StudentErasure.objects.filter(student=student).first()
        if previous is not None:
            return ErasureOutcome(erasure=previous, already_erased=True)
        address = student.email
        needles = campaigns_erasure.needles_of(student)
        # Others were told about them: the friends they referred ("Ann invited you") and the graduates
        # who referred them ("Ann joined", in the graduate's email and journey). Redact those too.
        friend_addresses = list(FriendLead.objects.filter(link__student=student).values_list("email", flat=True))
        own_leads = FriendLead.objects.filter(Q(student=student) | Q(email__iexact=address))
        referrer_ids = {
            pk
            for pair in own_leads.values_list("link__student_id", "via_link__student_id")
            for pk in pair
            if pk and pk != student.pk
        }
        referrer_addresses = list(Student.objects.filter(pk__in=referrer_ids).values_list("email", flat=True))
        friend_ids = set(
            FriendLead.objects.filter(link__student=student, student__isnull=False).values_list("student_id", flat=True)
        )
        counts = {}
        counts.update(testimonials_erasure.erase_student(student=student, needles=needles, now=now))
        counts.update(prompts_erasure.erase_student(student=student, needles=needles))
        counts.update(referrals_erasure.erase_student(student=student, address=address, needles=needles, now=now))
        counts.update(integrations_erasure.erase_student(student=student, address=address, needles=needles))
        counts.update(
            mailers_erasure.erase_address(
                email=address,
                placeholder=mailers_erasure.placeholder_address(student.pk),
                needles=needles,
                student_id=student.pk,
                quoted_in=[*friend_addresses, *referrer_addresses],
                quoted_as=FRIEND_UNNAMED,
                now=now,
            )
        )
        counts["other_rows_redacted"] = _redact_other_records(student, needles)
        counts["admin_log_entries_redacted"] = _redact_admin_log(student, needles)
        counts.update(
            campaigns_erasure.erase_student(
                student=student, needles=needles, also_journeys_of=referrer_ids | friend_ids, now=now
            )
        )
        erasure = StudentErasure.objects.create(
            student=student,
            erased_by=actor[:150],
            reason=mailers_erasure.redact(reason, needles),
            erased_at=now,
            counts=counts,
        )
    return ErasureOutcome(erasure=erasure, already_erased=False)


def _text_fields(model) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField, models.JSONField)) and not f.primary_key and f.editable
    ]


def _redact_other_records(student: Student, needles: list[str]) -> int:
    changed = 0
    for model, field in _unhandled_relations(student):
        fields = _text_fields(model)
        if not fields:
            continue
        for row in model._default_manager.filter(**{field: student}):
            values = {f.attname: mailers_erasure.redact(getattr(row, f.attname), needles) for f in fields}
            if any(getattr(row, name) != value for name, value in values.items()):
                model._default_manager.filter(pk=row.pk).update(**values)
                changed += 1
    return changed


def _redact_admin_log(student: Student, needles: list[str]) -> int:
    """Wagtail's action log labels each entry with the object's name (a student's is "Ann <ann@…>")."""
    matches = Q()
    for needle in needles:
        matches |= Q(label__icontains=needle) | Q(data_text__icontains=needle)
    changed = 0
    for log_model in (ModelLogEntry, PageLogEntry):
        entries = log_model.objects.annotate(data_text=Cast("data", models.TextField())).filter(matches)
        for entry in entries.only("pk", "label", "data"):
            log_model.objects.filter(pk=entry.pk).update(
                label=mailers_erasure.redact(entry.label, needles), data=mailers_erasure.redact(entry.data, needles)
            )
            changed += 1
    return changed

"""What a prompt's copy may contain and how it is checked: merge fields, and the non-salesy check.

One function, ``prompt_problems``, serves the editor's live check, the publish check and the
admin's preview, so they never disagree.
"""

from dataclasses import dataclass, field

from django.conf import settings

from mailers import merge
from sharing_prompts.salesy import check_sharing_prompt

# The merge fields a prompt's subject, ask and example may use.
PROMPT_FIELDS = {
    "first_name": "The student's first name",
    "full_name": "The student's full name",
    "program_title": "The program's title",
    "milestone_title": "The milestone the student just reached",
    "target_count": "How many people the prompt asks them to tell",
}
for _name, _description in PROMPT_FIELDS.items():
    if _name not in merge.KNOWN_FIELDS:
        merge.register_field(_name, _description)


@dataclass
class CopyReport:
    # field name -> problems with merge fields (these block publishing, no override)
    merge_problems: dict[str, list[str]] = field(default_factory=dict)
    # (phrase, reason) pairs that read as selling (these block publishing unless overridden)
    findings: list[tuple[str, str]] = field(default_factory=list)

    @property
    def salesy(self) -> bool:
        return bool(self.findings)

    def as_json(self) -> dict:
        return {
            "merge_problems": self.merge_problems,
            "salesy": self.salesy,
            "findings": [{"phrase": p, "reason": r} for p, r in self.findings],
        }


def prompt_problems(*, subject: str, ask: str, example: str, checkout_url: str = "") -> CopyReport:
    report = CopyReport()
    allowed = set(PROMPT_FIELDS)
    for name, text in (("email_subject", subject), ("ask", ask), ("example_reflection", example)):
        problems = merge.check(text or "", allowed=allowed)
        if problems:
            report.merge_problems[name] = problems
    seen: set[str] = set()
    for text in (subject, ask, example):
        for finding in check_sharing_prompt(
            text or "", checkout_url=checkout_url, site_url=settings.WAGTAILADMIN_BASE_URL
        ):
            if finding.phrase.lower() not in seen:
                seen.add(finding.phrase.lower())
                report.findings.append((finding.phrase, finding.reason))
    return report

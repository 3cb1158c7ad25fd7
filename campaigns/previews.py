"""The program editor's "Emails" preview: every email of the program's journey as a student would get
it, from the draft being edited, with the editor as the sample student — and "send this to me".

Each phase app writes a ``previews(page, user, links) -> list[EmailPreview]``; cms/program_editor.py
lists them in the order a student gets the emails. ``links`` (sample_values.SampleLinks) decides what the links are:
real-looking samples in the preview, "this is a test link" pages in a test email. Rendering errors
(unknown merge fields) show as problems, not 500s.
"""

from dataclasses import dataclass, field

from django.shortcuts import render

from campaigns.sample_values import PREVIEW_LINKS, SampleLinks
from mailers import kinds, merge, rendering


@dataclass
class EmailPreview:
    title: str
    when: str
    key: str = ""  # names the email for "send this to me"
    kind: str = ""
    context: dict = field(default_factory=dict)  # the merge values, with the copy as "subject"/"body"
    rendered: rendering.Rendered | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def copy(self) -> tuple[str, str]:
        """The subject and body copy this email is rendered from (the creator's, or the kind's own)."""
        kind = kinds.get(self.kind)
        return self.context.get("subject") or kind.subject, self.context.get("body") or kind.body


def sample_person(user) -> tuple[str, str]:
    name = (getattr(user, "get_full_name", lambda: "")() or getattr(user, "first_name", "") or "Sam Sample").strip()
    return (getattr(user, "email", "") or "you@example.com"), name


def render_email(*, title: str, when: str, kind: str, user, context: dict, key: str = "") -> EmailPreview:
    to_email, to_name = sample_person(user)
    preview = EmailPreview(title=title, when=when, key=key or kind, kind=kind, context=context)
    try:
        preview.rendered = rendering.render(kind_name=kind, to_email=to_email, to_name=to_name, context=context)
    except merge.MergeError as exc:
        preview.problems = exc.problems
    return preview


def email_previews(page, user, *, links: SampleLinks = PREVIEW_LINKS) -> list[EmailPreview]:
    emails: list[EmailPreview] = []
    for preview in type(page).editor.email_previews:
        emails.extend(preview(page, user, links))
    return emails


def render_preview(page, request):
    emails = email_previews(page, request.user)
    # Sent from the editor's preview (is_editing): the send uses the same unsaved form data.
    context = {"page": page, "emails": emails, "from_editor": getattr(request, "is_editing", False)}
    return render(request, "campaigns/email_previews.html", context)

"""The program editor's "Emails" preview: every email of the program's journey as a student would get
it, from the draft being edited, with the editor as the sample student.

Phase apps register a ``preview(page, user) -> list[EmailPreview]`` from AppConfig.ready(); the
referral half registers its own. Rendering errors (unknown merge fields) show as problems, not 500s.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.shortcuts import render

from mailers import merge, rendering


@dataclass
class EmailPreview:
    title: str
    when: str
    rendered: rendering.Rendered | None = None
    problems: list[str] = field(default_factory=list)


_PREVIEWS: list[tuple[int, Callable]] = []


def register(preview: Callable, *, order: int) -> None:
    if all(existing is not preview for _, existing in _PREVIEWS):
        _PREVIEWS.append((order, preview))
        _PREVIEWS.sort(key=lambda item: item[0])


def sample_person(user) -> tuple[str, str]:
    name = (getattr(user, "get_full_name", lambda: "")() or getattr(user, "first_name", "") or "Sam Sample").strip()
    return (getattr(user, "email", "") or "you@example.com"), name


def render_email(*, title: str, when: str, kind: str, user, context: dict) -> EmailPreview:
    to_email, to_name = sample_person(user)
    try:
        rendered = rendering.render(kind_name=kind, to_email=to_email, to_name=to_name, context=context)
    except merge.MergeError as exc:
        return EmailPreview(title=title, when=when, problems=exc.problems)
    return EmailPreview(title=title, when=when, rendered=rendered)


def render_preview(page, request):
    emails: list[EmailPreview] = []
    for _, preview in _PREVIEWS:
        emails.extend(preview(page, request.user))
    return render(request, "campaigns/email_previews.html", {"page": page, "emails": emails})

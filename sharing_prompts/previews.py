"""The program editor's "Sharing prompts" preview: each prompt's email and page as a student sees them.

Works on the draft in the editor (Wagtail hands us the unsaved page with its unsaved prompts),
with the editor as the sample student.
"""

from types import SimpleNamespace

from django.shortcuts import render
from django.urls import reverse

from campaigns.sample_values import PREVIEW_LINKS, SAMPLE_TOKEN, SampleLinks
from mailers import merge, rendering, test_links
from sharing_prompts.emails import PROMPT_BODY, PROMPT_EMAIL
from sharing_prompts.models import Channel
from sharing_prompts.prompt_copy import prompt_problems

PROMPT_LINK = test_links.register(
    "prompt-page", "the sharing prompt's page in the student's hub: how many people they told, and share buttons"
)


def sample_values(*, page, prompt, user, links: SampleLinks = PREVIEW_LINKS) -> dict[str, object]:
    """The prompt's merge values for the editor as the sample student; ``links`` as in a preview
    (real-looking samples) or a test email (test-link pages)."""
    milestone = next((m for m in page.milestones.all() if m.slug == prompt.milestone_slug), None)
    first = (getattr(user, "first_name", "") or "Sam").strip()
    full = (getattr(user, "get_full_name", lambda: "")() or first).strip()
    return {
        "first_name": first,
        "full_name": full,
        "program_title": page.title,
        "milestone_title": milestone.title if milestone else prompt.milestone_slug,
        "target_count": prompt.target_count,
        # A sample delivery: the token is not a signed one, so the address opens nobody's prompt.
        "prompt_url": links.link(PROMPT_LINK, reverse("sharing_prompts:prompt", args=[SAMPLE_TOKEN, 1])),
        "hub_url": links.hub(),
    }


def program_test_values(program) -> dict[str, object]:
    """*Send a test email*: {{ target_count }} as the program's first prompt asks."""
    prompt = program.sharing_prompts.order_by("sort_order", "pk").first()
    return {"target_count": prompt.target_count} if prompt else {}


def render_email(*, page, prompt, user) -> tuple[rendering.Rendered | None, list[str]]:
    """The prompt email for the sample student, or the problems that stop it rendering."""
    values = sample_values(page=page, prompt=prompt, user=user)
    context = {**values, "subject": prompt.email_subject, "body": PROMPT_BODY.format(ask=prompt.ask)}
    try:
        rendered = rendering.render(
            kind_name=PROMPT_EMAIL.name,
            to_email=getattr(user, "email", "") or "you@example.com",
            to_name=values["full_name"],
            context=context,
        )
    except merge.MergeError as exc:
        return None, exc.problems
    return rendered, []


def render_preview(page, request):
    prompts = []
    for prompt in page.sharing_prompts.all():
        values = sample_values(page=page, prompt=prompt, user=request.user)
        email, problems = render_email(page=page, prompt=prompt, user=request.user)
        report = prompt_problems(subject=prompt.email_subject, ask=prompt.ask, example=prompt.example_reflection)
        try:
            ask = merge.merge_text(prompt.ask, values)
            example = merge.merge_text(prompt.example_reflection, values)
        except merge.MergeError:
            ask, example = prompt.ask, prompt.example_reflection
        prompts.append(
            SimpleNamespace(
                prompt=prompt,
                values=values,
                email=email,
                problems=problems,
                report=report,
                ask=ask,
                example=example,
                channels=[label for value, label in Channel.choices if value in prompt.channels],
            )
        )
    return render(request, "sharing_prompts/preview.html", {"page": page, "prompts": prompts})

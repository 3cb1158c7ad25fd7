"""Admin: prompt statistics, the editor's live copy check, and "send this prompt to me"."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from campaigns.models import ProgramPage
from campaigns.sample_values import TEST_LINKS
from mailers import services as mail
from mailers.converters import parse_id
from mailers.merge import MergeError
from mailers.models import Status
from mailers.permissions import pages_user_can_edit
from sharing_prompts import previews, selectors
from sharing_prompts.emails import PROMPT_BODY
from sharing_prompts.models import SharingPrompt
from sharing_prompts.prompt_copy import prompt_problems

MAX_CHECK_CHARS = 20_000


def prompt_stats(request):
    """Completion rate, people reached and median time to complete, per program, milestone and cohort.

    Only of the programs the user may edit: admin access alone shows no program's figures.
    """
    programs = pages_user_can_edit(request.user, ProgramPage)
    allowed = list(programs.values_list("pk", flat=True))
    program_id = parse_id(request.GET.get("program"))
    if program_id is not None and program_id not in allowed:
        raise PermissionDenied("You can see the statistics of the programs you can edit.")
    cohort = request.GET.get("cohort", "")[:60]
    context = {
        "page_title": "Sharing prompts",
        "programs": programs,
        "program_id": program_id,
        "cohorts": selectors.cohorts(program_id=program_id, program_ids=allowed),
        "cohort": cohort,
        "rows": selectors.prompt_stats(program_id=program_id, program_ids=allowed, cohort=cohort),
    }
    return TemplateResponse(request, "sharing_prompts/admin/stats.html", context)


@require_POST
def check_copy(request):
    """The editor's live check: JSON in (subject, ask, example), findings and merge problems out."""
    try:
        data = json.loads(request.body[: MAX_CHECK_CHARS * 4] or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return HttpResponseBadRequest("expected a JSON object")
    if not isinstance(data, dict):
        return HttpResponseBadRequest("expected a JSON object")
    report = prompt_problems(
        subject=str(data.get("subject", ""))[:MAX_CHECK_CHARS],
        ask=str(data.get("ask", ""))[:MAX_CHECK_CHARS],
        example=str(data.get("example", ""))[:MAX_CHECK_CHARS],
    )
    return JsonResponse(report.as_json())


@require_POST
def send_test(request, page_id: int):
    """Send one prompt of the program's latest draft to the editor, as a student would get it."""
    page = get_object_or_404(ProgramPage, pk=page_id)
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    edit_url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    draft = page.get_latest_revision_as_object()
    slug = request.POST.get("milestone_slug", "")
    from_preview = request.POST.get("from_preview") == "1"
    prompt = next((p for p in draft.sharing_prompts.all() if p.milestone_slug == slug), None)
    if from_preview:
        # Sent from the preview panel: exactly the copy that was previewed, saved or not.
        prompt = SharingPrompt(
            program=draft,
            milestone_slug=slug,
            email_subject=request.POST.get("email_subject", "")[:150],
            ask=request.POST.get("ask", "")[:MAX_CHECK_CHARS],
            target_count=_target_count(request.POST.get("target_count")),
        )
    if prompt is None:
        messages.error(request, f"No sharing prompt for milestone {slug!r} in the latest draft; save it first.")
        return redirect(edit_url)
    if not request.user.email:
        return _done(
            request,
            from_preview,
            edit_url,
            "error",
            "Your account has no email address: add one under Account settings.",
        )
    # A test goes to a team member, not a student: its links open "this is a test link" pages.
    values = previews.sample_values(page=draft, prompt=prompt, user=request.user, links=TEST_LINKS)
    try:
        message = mail.message_send_test(
            to_email=request.user.email,
            to_name=request.user.get_full_name(),
            subject=prompt.email_subject,
            body=PROMPT_BODY.format(ask=prompt.ask),
            context=values,
        )
    except ValidationError as exc:
        return _done(request, from_preview, edit_url, "error", f"Not sent: {'; '.join(exc.messages)}")
    except MergeError as exc:
        return _done(request, from_preview, edit_url, "error", f"Not sent: {'; '.join(exc.problems)}")
    if message.status == Status.SENT:
        text = f"Sharing prompt for “{values['milestone_title']}” sent to {message.to_email}."
        return _done(request, from_preview, edit_url, "success", text)
    return _done(
        request,
        from_preview,
        edit_url,
        "warning",
        f"Test not sent ({message.get_status_display()}): {message.last_error}",
    )


def _target_count(raw) -> int:
    return int(raw) if str(raw).isdigit() and 1 <= int(raw) <= 10 else 3


def _done(request, from_preview: bool, edit_url: str, level: str, text: str):
    """From the preview panel (its own tab) a plain page says what happened; from the editor, a message."""
    if from_preview:
        return TemplateResponse(request, "sharing_prompts/admin/sent.html", {"level": level, "text": text})
    getattr(messages, level)(request, text)
    return redirect(edit_url)

"""The student's prompt page: what to share, how many people they told, ready share buttons."""

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from campaigns import links, ratelimit
from campaigns.student_pages import student_from_link
from mailers import merge
from sharing_prompts import selectors, services
from sharing_prompts.models import MAX_SHARED, MIN_SHARED
from sharing_prompts.share_buttons import share_links


class CompletionForm(forms.Form):
    people_count = forms.IntegerField(
        label="How many people did you tell?",
        min_value=MIN_SHARED,
        max_value=MAX_SHARED,
        error_messages={
            "required": f"Enter how many people you told ({MIN_SHARED}–{MAX_SHARED}).",
            "invalid": f"Enter a whole number from {MIN_SHARED} to {MAX_SHARED}.",
            "min_value": f"Enter a number from {MIN_SHARED} to {MAX_SHARED}.",
            "max_value": f"Enter a number from {MIN_SHARED} to {MAX_SHARED}.",
        },
    )
    reflection = forms.CharField(
        label="Your reflection or victory post (optional)",
        required=False,
        max_length=services.MAX_REFLECTION,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


def _values(delivery, student) -> dict[str, object]:
    return {
        "first_name": student.first_name or "there",
        "full_name": student.full_name or student.first_name or "there",
        "program_title": delivery.program.title,
        "milestone_title": delivery.milestone_title,
        "target_count": delivery.target_count,
    }


def _merged(text: str, values: dict) -> str:
    try:
        return merge.merge_text(text, values)
    except merge.MergeError:
        return text  # copy published before a field was renamed: show it as written


@require_http_methods(["GET", "POST"])
def prompt_page(request, token: str, delivery_id: int):
    student, problem = student_from_link(request, token)
    if problem:
        return problem
    hub_url = links.page_path(token)  # the incoming token: a page view mints nothing
    delivery = selectors.delivery_for_student(student_id=student.pk, delivery_id=delivery_id)
    if delivery is None:
        return render(request, "campaigns/student/not_found.html", {"hub_url": hub_url}, status=404)
    values = _values(delivery, student)
    status = 200
    if request.method == "POST":
        form = CompletionForm(request.POST)
        if not ratelimit.allow(scope="prompt", key=f"{student.pk}:{ratelimit.client_ip(request)}"):
            form.add_error(None, "Too many attempts in a short time; wait a few minutes and send again.")
            status = 429
        elif form.is_valid():
            try:
                services.delivery_complete(
                    delivery=delivery,
                    people_count=form.cleaned_data["people_count"],
                    reflection=form.cleaned_data["reflection"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                # Back to this very page (built by reverse, never from the request): no open redirect.
                return redirect(reverse("sharing_prompts:prompt", args=[token, delivery.pk]) + "?saved=1")
        if form.errors and status == 200:
            status = 400
    else:
        form = CompletionForm(initial={"people_count": delivery.people_count or "", "reflection": delivery.reflection})
    # The buttons share what the student wrote (kept in the box after a refused submit too). The
    # creator's example is a hint beside the box, never sent as if the student had said it; with
    # nothing written yet they share a neutral line (share.js keeps them in step as the student types).
    fallback = f"I just reached “{delivery.milestone_title}” and I wanted to tell you how it felt."
    share_text = str(form["reflection"].value() or "").strip() or fallback
    context = {
        "student": student,
        "delivery": delivery,
        "ask": _merged(delivery.ask, values),
        "form": form,
        "saved": request.GET.get("saved") == "1" and delivery.is_completed,
        "share_fallback": fallback,
        "example": _merged(delivery.example_reflection, values),
        "share": share_links(share_text, delivery.milestone_title),
        "share_subject": delivery.milestone_title,
        "hub_url": hub_url,
    }
    return render(request, "sharing_prompts/prompt_page.html", context, status=status)

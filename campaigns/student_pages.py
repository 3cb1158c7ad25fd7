"""What every page under a student's hub shares: reading its signed link, and the clear page (with a
way to get a fresh link by email) for a link that no longer works, never an error."""

from django import forms
from django.http import HttpResponse
from django.shortcuts import render

from campaigns import links
from campaigns.models import Student


def student_from_link(request, token: str) -> tuple[Student | None, HttpResponse | None]:
    """The link's student, or the page to show instead (expired, revoked, tampered, or erased)."""
    check = links.read_hub_token(token)
    student = Student.objects.filter(pk=check.student_id).first() if check.ok else None
    problem = check.problem or "invalid"
    if student is not None and check.version != student.link_version:
        # Signed out everywhere since this link was sent: the same page as an expired link (its holder
        # may be the student, who only needs a fresh one; it tells a finder nothing more).
        student, problem = None, "expired"
    if student is None:
        return None, link_problem(request, problem)
    return student, None


def link_problem(request, problem: str) -> HttpResponse:
    """The friendly "this link no longer works, email me a fresh one" page."""
    return render(
        request, "campaigns/student/link_problem.html", {"problem": problem, "form": NewLinkForm()}, status=403
    )


class NewLinkForm(forms.Form):
    email = forms.EmailField(label="Your email address", max_length=254)

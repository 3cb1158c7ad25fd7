"""Students' link handling shared by every page under their hub: a bad link gets a clear page
and a way to get a fresh one by email, never an error."""

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from campaigns import links, ratelimit, services
from campaigns.emails import HUB_LINK_EMAIL
from campaigns.models import Student
from mailers.rendering import absolute


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


@require_http_methods(["GET", "POST"])
def new_link(request):
    """Email a fresh hub link. The same answer whether or not the address is known (no enumeration)."""
    form = NewLinkForm(request.POST or None)
    if request.method == "POST":
        if not ratelimit.allow(scope="new-link", key=ratelimit.client_ip(request), limit=5):
            return render(request, "campaigns/student/too_many.html", status=429)
        if form.is_valid():
            email = form.cleaned_data["email"]
            student = Student.objects.filter(email__iexact=email.strip()).first()
            if student is not None and ratelimit.allow(scope="new-link-to", key=str(student.pk), limit=3):
                token = links.hub_token(student)  # an email: the one place a fresh link is minted
                services.student_email_queue(
                    student=student,
                    program=None,
                    kind=HUB_LINK_EMAIL.name,
                    idempotency_key=f"hub-link:{student.pk}:{token}",
                    context={"hub_url": absolute(reverse("hub", args=[token]))},
                )
            return render(request, "campaigns/student/new_link_sent.html", {"email": email})
    return render(request, "campaigns/student/new_link.html", {"form": form}, status=400 if form.errors else 200)

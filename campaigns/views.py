"""The "email me a fresh link" page, for a student whose personal link no longer works."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from campaigns import links, ratelimit, services
from campaigns.emails import HUB_LINK_EMAIL
from campaigns.models import Student
from campaigns.student_pages import NewLinkForm
from mailers.rendering import absolute

SENT_TAG = "new-link-sent"


@require_http_methods(["GET", "POST"])
def new_link(request):
    """Email a fresh hub link. The same answer whether or not the address is known (no enumeration).

    A post that is taken redirects to the "check your inbox" page (reloading it posts nothing again);
    the address typed reaches that page in the signed messages cookie, not in the URL."""
    if request.method == "GET" and request.GET.get("sent"):
        typed = [m.message for m in messages.get_messages(request) if SENT_TAG in m.tags]
        return render(request, "campaigns/student/new_link_sent.html", {"email": typed[-1] if typed else ""})
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
            messages.info(request, email, extra_tags=SENT_TAG)
            return redirect(f"{reverse('hub_new_link')}?sent=1")
    return render(request, "campaigns/student/new_link.html", {"form": form}, status=400 if form.errors else 200)

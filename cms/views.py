"""Pages that compose several apps: health check, the student's hub."""

from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """Liveness for load balancers (and the bare baseline view benchmarks compare against)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


def favicon(request):
    """Clients that ask for /favicon.ico without reading the page's <link rel="icon">."""
    from django.shortcuts import redirect
    from django.templatetags.static import static

    return redirect(static("img/favicon.svg"))  # 302: the hashed file name changes with the icon


def hub(request, token: str):
    """The student's personal page: where they are in each program and what is open for them."""
    from django.shortcuts import render

    from campaigns import links
    from campaigns.models import Enrollment
    from campaigns.selectors import program_mission_progress
    from campaigns.student_pages import student_from_link
    from sharing_prompts.selectors import student_prompts
    from testimonials.selectors import student_feedback_and_testimonials

    student, problem = student_from_link(request, token)
    if problem:
        return problem
    # Every link on this page carries the incoming token (the template uses ``token``) or, for the
    # feedback links, its timestamp: viewing the hub never extends a link's life.
    issued_at = links.read_hub_token(token).issued_at
    phases = student_feedback_and_testimonials(student_id=student.pk, issued_at=issued_at)
    enrollments = [
        (enrollment, program_mission_progress(program=enrollment.program), phases.get(enrollment.program_id))
        for enrollment in Enrollment.objects.filter(student=student).select_related("program")
    ]
    prompts = student_prompts(student_id=student.pk)
    from referrals.hub import referral_cards

    context = {
        "student": student,
        "token": token,
        "enrollments": enrollments,
        "open_prompts": [p for p in prompts if not p.is_completed],
        "done_prompts": [p for p in prompts if p.is_completed],
        "referrals": referral_cards(student=student, token=token),
    }
    return render(request, "cms/hub.html", context)


def link_shared(request, token: str, code: str):
    """The hub's copy/share buttons report a share (no reminder goes to a graduate who shared)."""
    from django.http import HttpResponse, HttpResponseNotAllowed

    from campaigns.student_pages import student_from_link
    from referrals import selectors, services

    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    student, problem = student_from_link(request, token)
    if problem:
        return problem
    link = selectors.link_by_code(code)
    if link is None or link.student_id != student.pk:
        return HttpResponse(status=404)
    services.link_mark_shared(link=link)
    return HttpResponse(status=204)

"""Students' pages: the one-click score, the follow-up questions, the vent page, the testimonial form."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from campaigns import bots, links, ratelimit
from campaigns.student_pages import NewLinkForm, student_from_link
from testimonials import feedback as feedback_services
from testimonials import submissions, support
from testimonials.models import SCORES, Consent, FeedbackResponse, Route, SupportCase, Testimonial

SCORE_CHOICES = [(s, str(s)) for s in SCORES]


def _response_from_token(request, token: str) -> tuple[FeedbackResponse | None, HttpResponse | None]:
    check = feedback_services.read_response_token(token)
    response = (
        FeedbackResponse.objects.select_related("program", "student", "enrollment").filter(pk=check.student_id).first()
        if check.ok
        else None
    )
    if response is None:
        context = {"problem": check.problem or "invalid", "form": NewLinkForm()}
        return None, render(request, "campaigns/student/link_problem.html", context, status=403)
    return response, None


class FeedbackForm(forms.Form):
    score = forms.TypedChoiceField(
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        label="How likely are you to recommend it to a friend?",
        error_messages={"required": "Choose a score from 0 to 10.", "invalid_choice": "Choose a score from 0 to 10."},
    )
    # Which question set the page showed: the answers belong to those questions.
    asked = forms.ChoiceField(choices=[("", ""), *Route.choices], required=False, widget=forms.HiddenInput)

    def __init__(self, *args, questions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for index, question in enumerate(questions):
            self.fields[f"answer_{index}"] = forms.CharField(
                label=question,
                required=False,
                max_length=feedback_services.MAX_ANSWER,
                widget=forms.Textarea({"rows": 4}),
            )

    def answer_fields(self):
        return [self[f"answer_{i}"] for i in range(len(self.questions))]


@require_http_methods(["GET", "HEAD"])
def score(request, token: str, value: str):
    """The email's 0–10 links. A person's click records the score and opens the questions.

    Link scanners (and HEAD requests) see the page but record nothing; a GET never routes on
    its own, so a replayed link cannot open a second case (routing waits for the form or a delay).
    """
    response, problem = _response_from_token(request, token)
    if problem:
        return problem
    # ASCII digits only: "²" passes isdigit() but int() refuses it (a 500), and int() reads "٣" as 3.
    value = int(value) if value.isascii() and value.isdigit() and len(value) <= 2 else -1
    if value not in SCORES:
        return render(request, "testimonials/bad_score.html", {"retry": _feedback_url(token)}, status=400)
    if not bots.is_bot(request):
        feedback_services.feedback_record_score(response=response, score=value)
        response.refresh_from_db()
    return _feedback_page(request, token, response, _feedback_form(response, value))


def _feedback_form(response: FeedbackResponse, value: int | None) -> FeedbackForm:
    """The questions the score points to (happy, neutral or unhappy); none before a score is chosen."""
    score = value if value is not None else response.score
    asked = feedback_services.score_route(response=response, score=score) if score is not None else ""
    questions = feedback_services.questions_for(response=response, route=asked)
    initial = {"score": score, "asked": asked}
    earlier = {a.get("question", ""): a.get("answer", "") for a in response.answers or []}
    for index, question in enumerate(questions):
        initial[f"answer_{index}"] = earlier.get(question, "")
    return FeedbackForm(initial=initial, questions=questions)


def _feedback_url(token: str) -> str:
    return reverse("testimonials:feedback", args=[token])


def _feedback_page(request, token, response, form, status=200):
    context = {"response": response, "form": form, "token": token, "scores": list(SCORES)}
    return render(request, "testimonials/feedback.html", context, status=status)


@require_http_methods(["GET", "POST"])
def feedback(request, token: str):
    """The follow-up: score (pre-set) and the creator's questions; sending it routes the feedback."""
    response, problem = _response_from_token(request, token)
    if problem:
        return problem
    if request.method == "GET":
        return _feedback_page(request, token, response, _feedback_form(response, None))
    asked = request.POST.get("asked")
    if asked not in ("", *Route.values):  # a page from before question sets, or a hand-made post
        raw = request.POST.get("score", "")
        asked = (
            feedback_services.score_route(response=response, score=int(raw))
            if raw.isdigit() and int(raw) in SCORES
            else ""
        )
    data = request.POST.copy()
    data["asked"] = asked
    form = FeedbackForm(data, questions=feedback_services.questions_for(response=response, route=asked))
    if not ratelimit.allow(scope="feedback", key=f"{response.pk}:{ratelimit.client_ip(request)}"):
        form.add_error(None, "Too many attempts in a short time; wait a few minutes and send again.")
        return _feedback_page(request, token, response, form, status=429)
    if not form.is_valid():
        return _feedback_page(request, token, response, form, status=400)
    chosen = form.cleaned_data["score"]
    answers = [form.cleaned_data.get(f"answer_{i}", "") for i in range(len(form.questions))]
    if asked != feedback_services.score_route(response=response, score=chosen) and not any(a.strip() for a in answers):
        # A score chosen (or changed) on this page, nothing written yet: ask the questions that
        # fit it before routing. Words already typed are sent as they are.
        try:
            feedback_services.feedback_record_score(response=response, score=chosen)
        except ValidationError as exc:
            form.add_error(None, exc)
            return _feedback_page(request, token, response, form, status=400)
        response.refresh_from_db()
        return _feedback_page(request, token, response, _feedback_form(response, chosen))
    try:
        feedback_services.feedback_submit(response=response, score=chosen, answers=answers, asked_route=asked)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _feedback_page(request, token, response, form, status=400)
    return redirect(reverse("testimonials:thanks", args=[token]))


@require_http_methods(["GET", "POST"])
def thanks(request, token: str):
    """After routing: unhappy → be heard (and say more); neutral → thank you; happy → the testimonial invitation."""
    response, problem = _response_from_token(request, token)
    if problem:
        return problem
    case = SupportCase.objects.filter(response=response).first()
    said_more = False
    posted = request.method == "POST" and case is not None
    if posted and ratelimit.allow(scope="vent", key=f"{case.pk}:{ratelimit.client_ip(request)}"):
        support.case_add_words(case=case, words=request.POST.get("words", ""))
        said_more = True
    context = {
        "response": response,
        "case": case,
        "said_more": said_more,
        "token": token,
        **_hub_links(response, token),
        "Route": Route,
    }
    return render(request, "testimonials/thanks.html", context)


def _hub_links(response: FeedbackResponse, token: str) -> dict[str, str]:
    """Links from a feedback page to the hub: pinned to the feedback link's own timestamp, so they
    expire with it (a page view never extends a link), and none for a feedback link sent before the
    student was signed out everywhere (they get the "email me a fresh link" page instead)."""
    student = response.student
    issued_at = links.issued_at(token, salt=feedback_services.TOKEN_SALT)
    revoked_at = student.links_revoked_at
    if issued_at is None or (revoked_at is not None and issued_at <= revoked_at.timestamp()):
        fresh = reverse("hub_new_link")
        return {"testimonial_url": fresh, "hub_url": fresh}
    hub_token = links.hub_token(student, issued_at=issued_at)
    return {
        "testimonial_url": links.page_path(hub_token, "testimonials:form", response.program_id),
        "hub_url": links.page_path(hub_token),
    }


# --- The testimonial form (under the student's hub) -------------------------------------------


class TestimonialForm(forms.Form):
    text = forms.CharField(
        label="Your testimonial",
        min_length=submissions.MIN_TEXT,
        max_length=submissions.MAX_TEXT,
        widget=forms.Textarea({"rows": 7}),
        help_text="In your own words. It is shown exactly as you write it, after a quick check by the team.",
    )
    consent = forms.ChoiceField(
        choices=Consent.choices,
        widget=forms.RadioSelect,
        label="How may we show it?",
        error_messages={"required": "Choose how your testimonial may be shown."},
    )
    photo = forms.FileField(
        required=False, label="A photo of you (optional, shown only with your full name)", widget=forms.FileInput
    )
    remove_photo = forms.BooleanField(required=False, label="Remove my photo")

    def __init__(self, *args, questions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        # One box, not a box per question: the creator's guided questions are hints beside it, and
        # the box starts from what the student already wrote (a form of several boxes read as a chore).
        self.questions = questions


@require_http_methods(["GET", "POST"])
def testimonial_form(request, token: str, program_id: int):
    student, problem = student_from_link(request, token)
    if problem:
        return problem
    enrollment = student.enrollments.select_related("program").filter(program_id=program_id).first()
    if enrollment is None:
        hub = links.page_path(token)
        return render(request, "campaigns/student/not_found.html", {"hub_url": hub}, status=404)
    plan = feedback_services.plans_for([program_id]).get(program_id)
    questions = plan.testimonial_question_list if plan else []
    testimonial = Testimonial.objects.filter(student=student, program_id=program_id).first()
    status = 200
    if request.method == "POST":
        form = TestimonialForm(request.POST, request.FILES, questions=questions)
        if not ratelimit.allow(scope="testimonial", key=f"{student.pk}:{ratelimit.client_ip(request)}"):
            form.add_error(None, "Too many attempts in a short time; wait a few minutes and send again.")
            status = 429
        elif form.is_valid():
            try:
                testimonial = submissions.testimonial_save(
                    student_id=student.pk,
                    program_id=program_id,
                    text=form.cleaned_data["text"],
                    consent=form.cleaned_data["consent"],
                    # Answers to the guided questions of an older form (several boxes) stay on record.
                    answers=testimonial.answers if testimonial else [],
                    photo=form.cleaned_data.get("photo"),
                    remove_photo=form.cleaned_data.get("remove_photo", False),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return redirect(reverse("testimonials:form", args=[token, program_id]) + "?saved=1")
        if form.errors and status == 200:
            status = 400
    else:
        initial = {"consent": testimonial.consent if testimonial else Consent.FIRST_NAME}
        if testimonial and not testimonial.withdrawn_at:
            initial["text"] = testimonial.text
        else:
            initial["text"] = submissions.prefill_text(student_id=student.pk, program_id=program_id)
        form = TestimonialForm(initial=initial, questions=questions)
    context = {
        "student": student,
        "program": enrollment.program,
        "testimonial": testimonial,
        "form": form,
        "saved": request.GET.get("saved") == "1",
        "hub_url": links.page_path(token),
        "withdraw_url": reverse("testimonials:withdraw", args=[token, program_id]),
        "own_photo_url": reverse("testimonials:own_photo", args=[token, program_id]),
    }
    return render(request, "testimonials/testimonial_form.html", context, status=status)


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error("photo" if getattr(exc, "code", "") else None, exc.messages)


@require_http_methods(["POST"])
def testimonial_withdraw(request, token: str, program_id: int):
    student, problem = student_from_link(request, token)
    if problem:
        return problem
    testimonial = Testimonial.objects.filter(student=student, program_id=program_id).first()
    if testimonial is not None:
        submissions.testimonial_withdraw(testimonial=testimonial)
    return redirect(reverse("testimonials:form", args=[token, program_id]) + "?withdrawn=1")


@require_http_methods(["GET", "HEAD"])
def testimonial_own_photo(request, token: str, program_id: int):
    """The student's own photo, for them only (behind their signed link), whatever its moderation
    state or consent: the public photo URL answers only once it is approved and consented, so
    without this a student could not see the photo they just uploaded."""
    student, problem = student_from_link(request, token)
    if problem:
        return problem
    testimonial = Testimonial.objects.filter(student=student, program_id=program_id, withdrawn_at__isnull=True).first()
    if testimonial is None or not testimonial.photo:
        return HttpResponse("No photo.", status=404, content_type="text/plain")
    try:
        with testimonial.photo.open("rb") as f:
            data = f.read()
    except (OSError, ValueError):
        return HttpResponse("No photo.", status=404, content_type="text/plain")
    response = HttpResponse(data, content_type="image/jpeg")
    # Private to this browser: never kept by a shared cache, and a new upload shows at once.
    response["Cache-Control"] = "private, no-store"
    return response

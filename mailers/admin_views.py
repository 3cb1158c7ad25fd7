"""Admin views of the mailer: a message's full record (with retry) and "send a test to me"."""

from django import forms
from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views.generic import CreateView, EditView, InspectView
from wagtail.log_actions import log

from mailers import merge, rendering, services
from mailers.converters import parse_id
from mailers.models import Contact, Message, Status
from mailers.permissions import pages_user_can_edit


class MessageInspectView(InspectView):
    template_name = "mailers/admin/message_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["events"] = self.object.events.order_by("occurred_at")
        context["can_retry"] = self.object.status == Status.FAILED
        try:
            # Rendered again from the stored merge values: bodies are not kept per message.
            context["preview"] = rendering.render(
                kind_name=self.object.kind,
                to_email=self.object.to_email,
                to_name=self.object.to_name,
                context=self.object.context,
            )
        except (merge.MergeError, KeyError) as exc:
            context["preview_error"] = str(exc)
        return context


class ContactForm(WagtailAdminModelForm):
    """The address identifies the contact: it is set once, when the team adds one by hand."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "email" in self.fields:
            self.fields["email"].disabled = True


def save_contact_form(*, form, user) -> Contact:
    """Admin edits of a contact go through the services, so queued mail follows at once."""
    data = form.cleaned_data
    email = services.normalize_address(data.get("email") or form.instance.email, field="email")
    services.contact_set_preferences(
        email=email, program_emails=data["wants_program_emails"], referral_asks=data["wants_referral_asks"]
    )
    reason = data.get("suppressed_reason", "")
    contact = Contact.objects.get(email__iexact=email)
    if reason and reason != contact.suppressed_reason:
        contact = services.contact_suppress(email=email, reason=reason)
    elif not reason and contact.suppressed_reason:
        contact = services.contact_clear_suppression(email=email)
    log(contact, "wagtail.edit", user=user)
    return contact


class ContactCreateView(CreateView):
    def save_instance(self):
        return save_contact_form(form=self.form, user=self.request.user)


class ContactEditView(EditView):
    def save_instance(self):
        return save_contact_form(form=self.form, user=self.request.user)


@require_POST
def message_retry(request, pk: int):
    if not request.user.has_perm("mailers.change_message"):
        raise PermissionDenied
    message = services.message_retry(message=get_object_or_404(Message, pk=pk))
    messages.success(request, f"Message to {message.to_email} queued again.")
    return redirect(reverse("mailers_message:inspect", args=[pk]))


# The program page type, named rather than imported: ``mailers`` is the bottom layer and refers to
# programs softly, as ``Message.program_id`` does.
PROGRAM_MODEL = "campaigns.ProgramPage"


# Upper layers fill the merge fields of a chosen program (mission, progress, offer, links…): this
# bottom layer cannot read programs itself. ``provider(program) -> dict``, registered from ready().
_PROGRAM_VALUES: list = []


def register_program_values(provider) -> None:
    if provider not in _PROGRAM_VALUES:
        _PROGRAM_VALUES.append(provider)


def program_sample_values(program) -> dict[str, object]:
    """Every known field: the program's own values where an app provides them, "[field]" otherwise."""
    values: dict[str, object] = {"program_title": program.title}
    for provider in _PROGRAM_VALUES:
        values.update(provider(program))
    return merge.sample_values(**{k: v for k, v in values.items() if k in merge.KNOWN_FIELDS})


def programs_user_can_edit(user):
    return pages_user_can_edit(user, apps.get_model(PROGRAM_MODEL))


class SendTestForm(forms.Form):
    program = forms.ModelChoiceField(
        queryset=None, empty_label=None, help_text="The test is sent as this program's email would be."
    )
    subject = forms.CharField(max_length=200, initial="Hello {{ first_name }}")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        initial="Hi {{ first_name }},\n\nThis is how your email will look.\n\nSee you soon!",
        help_text="Merge fields: " + ", ".join(f"{{{{ {name} }}}}" for name in sorted(merge.KNOWN_FIELDS)),
    )

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
        self.fields["program"].initial = programs.first()

    def clean(self):
        cleaned = super().clean()
        for field in ("subject", "body"):
            for problem in merge.check(cleaned.get(field, "")):
                self.add_error(field, problem)
        return cleaned


def send_test(request):
    """Write a subject and body with merge fields, and get it in your own inbox as a student would.

    Only for a program the user may edit: admin access alone does not let anyone mail in a
    program's name.
    """
    programs = programs_user_can_edit(request.user)
    if not programs.exists():
        raise PermissionDenied("You can send a test only for a program you can edit.")
    if request.method == "POST":
        named = request.POST.get("program", "")
        # A program the user may not edit is refused outright (not a form error): 403, nothing sent.
        if named and not programs.filter(pk=parse_id(named) or 0).exists():
            raise PermissionDenied("You can send a test only for a program you can edit.")
    if not request.user.email:
        messages.error(request, "Your account has no email address: add one under Account settings.")
    form = SendTestForm(request.POST or None, programs=programs)
    if request.method == "POST" and form.is_valid() and request.user.email:
        try:
            message = services.message_send_test(
                to_email=request.user.email,
                to_name=request.user.get_full_name(),
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                context=program_sample_values(form.cleaned_data["program"]),
            )
        except (ValidationError, merge.MergeError) as exc:
            form.add_error(None, exc)
        else:
            if message.status == Status.SENT:
                messages.success(request, f"Test sent to {message.to_email}.")
            else:
                messages.warning(request, f"Test not sent ({message.get_status_display()}): {message.last_error}")
            return redirect("mailers_send_test")
    return TemplateResponse(request, "mailers/admin/send_test.html", {"form": form, "page_title": "Send a test email"})

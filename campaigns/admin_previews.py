"""Admin: "Send this to me" from the program editor's *Preview → Emails*.

The email is rebuilt from exactly what was previewed — the editor's unsaved form data that Wagtail
keeps for this user's preview (``FormState``), else the latest draft — and sent to the team
member through the outbox as a test (``[Test]`` subject, sent at once, outside the contact
budget), with links that open "this is a test link" pages.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from wagtail.admin.views.pages.preview import PreviewOnEditView

from campaigns.models import ProgramPage
from campaigns.previews import email_previews
from campaigns.sample_values import TEST_LINKS
from mailers import services as mail
from mailers.merge import MergeError
from mailers.models import Status
from mailers.permissions import pages_user_can_edit


class SendEmailPreviewView(PreviewOnEditView):
    """POST ``email`` (an EmailPreview key) and ``from_editor`` ("1" when previewed from the editor)."""

    http_method_names = ("post",)

    def get_object(self):
        # Wagtail's own check (can_edit on the page) and ours: the programs this user may edit.
        if not pages_user_can_edit(self.request.user, ProgramPage).filter(pk=self.kwargs["page_id"]).exists():
            raise PermissionDenied("You can send a test only for a program you can edit.")
        return super().get_object()

    def post(self, request, *args, **kwargs):
        page = self.object.specific if not isinstance(self.object, ProgramPage) else self.object
        if request.POST.get("from_editor") == "1":
            form_state = self._get_form_state()
            if form_state is not None:
                form = self.get_form(self._get_form_data(form_state))
                if not self.validate_form(form):
                    return self._done("error", "Not sent: the editor's form has errors; fix them and preview again.")
                page = form.save(commit=False)
        key = request.POST.get("email", "")
        email = next((e for e in email_previews(page, request.user, links=TEST_LINKS) if e.key == key), None)
        if email is None:
            raise Http404("No such email in this program's preview.")
        if not request.user.email:
            return self._done("error", "Your account has no email address: add one under Account settings.")
        subject, body = email.copy
        try:
            message = mail.message_send_test(
                to_email=request.user.email,
                to_name=request.user.get_full_name(),
                subject=subject,
                body=body,
                context={k: v for k, v in email.context.items() if k not in ("subject", "body")},
            )
        except ValidationError as exc:
            return self._done("error", f"Not sent: {'; '.join(exc.messages)}")
        except MergeError as exc:
            return self._done("error", f"Not sent: {'; '.join(exc.problems)}")
        if message.status == Status.SENT:
            return self._done("success", f"“{email.title}” sent to {message.to_email} as a test.")
        return self._done("warning", f"Test not sent ({message.get_status_display()}): {message.last_error}")

    def _done(self, level: str, text: str):
        # Opened in its own tab from the preview: a plain page says what happened.
        return TemplateResponse(self.request, "campaigns/admin/test_sent.html", {"level": level, "text": text})

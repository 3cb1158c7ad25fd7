"""The program editor, composed in one place that reads top to bottom.

A program is one Wagtail page (``campaigns.ProgramPage``). Each app above the engine owns its part
of it: its tab's panels (``<app>/editor.py: PANELS``), the check its part must pass before the
program is published, its preview and the previews of its emails. This module says which parts
the editor has, in the method's order (sow, feedback and testimonials, harvest), and installs them
on the page type when the site starts (``CmsConfig.ready()``).
"""

from campaigns import previews as email_previews
from campaigns.models import ProgramEditor, ProgramPage
from integrations import editor as integrations_editor
from referrals import editor as referral_editor
from referrals import previews as referral_previews
from referrals import registration_views
from sharing_prompts import editor as prompt_editor
from sharing_prompts import forms as prompt_forms
from sharing_prompts import previews as prompt_previews
from testimonials import editor as feedback_editor
from testimonials import forms as feedback_forms
from testimonials import previews as feedback_previews

PROGRAM_EDITOR = ProgramEditor(
    # Between Wagtail's Content tab (the program, its mission and milestones) and Promote/Settings.
    tabs=(
        ("Sharing prompts", prompt_editor.PANELS),
        ("Feedback & testimonials", feedback_editor.PANELS),
        ("Referral ask", referral_editor.PANELS),
        # Which of the course platform's ids mean this program, and which lessons its milestones.
        ("Integrations", integrations_editor.PANELS),
    ),
    # Publishing runs every check (drafts may hold unfinished copy; see ProgramPageForm.is_publishing).
    publish_checks=(
        prompt_forms.check_program_form,
        feedback_forms.check_program_form,
        referral_editor.check_program_form,
        integrations_editor.check_program_form,
    ),
    # The editor's Preview menu, after the program page itself.
    preview_modes=(
        ("sharing_prompts", "Sharing prompts (as a student sees them)", prompt_previews.render_preview),
        ("emails", "Emails (as a student gets them)", email_previews.render_preview),
    ),
    # The "Emails" preview, in the order a student gets them.
    email_previews=(feedback_previews.previews, referral_previews.previews),
    # The public page's form: registration while open, "tell me when it opens" while closed.
    serve_form=registration_views.serve_program_page,
)


def install() -> None:
    ProgramPage.editor = PROGRAM_EDITOR

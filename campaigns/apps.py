from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Programs and journeys"

    def ready(self) -> None:
        from wagtail.admin.panels import HelpPanel, InlinePanel

        from campaigns import (
            copy_checks,
            email_previews,
            emails,
            engine,
            events,
            forms,
            referral_forms,
            referral_previews,
            referrals,
            registration,  # noqa: F401  (its email kinds register on import)
            sample_values,
            smarti,
        )
        from campaigns.models import programs
        from campaigns.referral_events import ReferralEvent
        from mailers import admin_views as mailer_admin
        from mailers import kinds

        kinds.register_all(emails.KINDS)
        events.register(ReferralEvent)
        engine.register_foundation_handlers()
        referrals.register_referral_engine()
        forms.register_form_check(referral_forms.check_program_form)
        email_previews.register(referral_previews.previews, order=30)
        programs.register_preview_mode("emails", "Emails (as a student gets them)", email_previews.render_preview)
        programs.register_editor_tab(
            "Referral ask",
            [
                HelpPanel(
                    content="<p>Only happy graduates who wrote a testimonial are asked, and never while a "
                    "support case is open. Make the ask SMART-I: Specific people, a Measurable number, an "
                    "Actionable step (their special link), Relevant to your mission, Time-bound, Inspiring. "
                    "The report updates as you type and is checked again when you publish.</p>"
                ),
                InlinePanel("referral_plans", heading="Referral ask", label="Referral ask", min_num=0, max_num=1),
            ],
            order=30,
        )
        copy_checks.register("referral_ask", smarti.referral_ask_report)
        mailer_admin.register_program_values(sample_values.program_test_values)

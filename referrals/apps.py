from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    """Phases 5–6 of the method (harvest): the SMART-I ask, special links and clicks, friends and leads,
    the friend's landing page, and the program page's registration (a pending lead too)."""

    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from wagtail.admin.panels import HelpPanel

        from campaigns import copy_checks, email_previews, engine, events, selectors, simulation
        from campaigns import forms as campaign_forms
        from campaigns.models import programs
        from mailers import admin_views as mailer_admin
        from mailers import kinds
        from referrals import editor, emails, previews, receivers, registration_views, services, smarti  # noqa: F401
        from referrals import selectors as referral_selectors
        from referrals import simulation as referral_simulation
        from referrals.events import ReferralEvent

        events.register(ReferralEvent)
        kinds.register_all(emails.KINDS)
        simulation.register_behaviour(referral_simulation.graduates_share_links)
        simulation.register_brought_people(referral_simulation.friends_brought)
        engine.register_action_handler(services.ACTION_ASK, services.handle_ask_actions)
        engine.register_action_handler(services.ACTION_REMINDER, services.handle_reminder_actions)
        selectors.register_funnel_step("asked", ReferralEvent.ASKED, position=40)
        selectors.register_funnel_step("link clicks", position=41, counter=referral_selectors.clicks_for_enrollments)
        selectors.register_funnel_step("friends registered", ReferralEvent.FRIEND_REGISTERED, position=42)
        campaign_forms.register_form_check(editor.check_program_form)
        email_previews.register(previews.previews, order=30)
        programs.register_page_form(registration_views.serve_program_page)
        programs.register_editor_tab(
            "Referral ask",
            [
                HelpPanel(
                    content="<p>Only happy graduates who wrote a testimonial are asked, and never while a "
                    "support case is open. Make the ask SMART-I: Specific people, a Measurable number, an "
                    "Actionable step (their special link), Relevant to your mission, Time-bound, Inspiring. "
                    "The report updates as you type and is checked again when you publish.</p>"
                ),
                editor.ReferralPlanInlinePanel(
                    "referral_plans", heading="Referral ask", label="Referral ask", min_num=0, max_num=1
                ),
            ],
            order=30,
        )
        copy_checks.register("referral_ask", smarti.referral_ask_report, program_values=editor.program_check_values)
        mailer_admin.register_program_values(previews.program_test_values)

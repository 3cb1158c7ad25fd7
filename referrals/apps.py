from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    """Phases 5–6 of the method (harvest): the SMART-I ask, special links and clicks, friends and leads,
    the friend's landing page, and the program page's registration (a pending lead too)."""

    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:

        from campaigns import copy_checks, engine, events, selectors, simulation
        from mailers import admin_views as mailer_admin
        from mailers import kinds
        from referrals import editor, emails, previews, receivers, registration_views, services, smarti  # noqa: F401
        from referrals import selectors as referral_selectors
        from referrals import simulation as referral_simulation
        from referrals.events import ReferralEvent
        from referrals.rewards import receivers as reward_receivers  # noqa: F401

        events.register(ReferralEvent)
        kinds.register_all(emails.KINDS)
        simulation.register_behaviour(referral_simulation.graduates_share_links)
        simulation.register_brought_people(referral_simulation.friends_brought)
        simulation.register_brought_people(referral_simulation.buyers_brought)
        simulation.register_extra_days(referral_simulation.extra_days)
        simulation.register_report(referral_simulation.conversions_report)
        engine.register_action_handler(services.ACTION_ASK, services.handle_ask_actions)
        engine.register_action_handler(services.ACTION_REMINDER, services.handle_reminder_actions)
        selectors.register_funnel_step("asked", ReferralEvent.ASKED, position=40)
        selectors.register_funnel_step("link clicks", position=41, counter=referral_selectors.clicks_for_enrollments)
        selectors.register_funnel_step("friends registered", ReferralEvent.FRIEND_REGISTERED, position=42)
        copy_checks.register("referral_ask", smarti.referral_ask_report, program_values=editor.program_check_values)
        mailer_admin.register_program_values(previews.program_test_values)

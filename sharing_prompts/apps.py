from django.apps import AppConfig


class SharingPromptsConfig(AppConfig):
    """Phase 1 of the method (sow): non-salesy sharing prompts at program milestones."""

    name = "sharing_prompts"
    verbose_name = "Sharing prompts"

    def ready(self) -> None:
        from wagtail.admin.panels import HelpPanel, InlinePanel

        from campaigns import engine, events, forms, selectors, simulation
        from campaigns.models import programs
        from mailers import admin_views as mailer_admin
        from mailers import kinds
        from sharing_prompts import checks, emails, previews, receivers, services  # noqa: F401
        from sharing_prompts import forms as prompt_forms
        from sharing_prompts import simulation as prompt_simulation
        from sharing_prompts.events import PromptEvent

        events.register(PromptEvent)
        kinds.register_all(emails.KINDS)
        programs.register_editor_tab(
            "Sharing prompts",
            [
                HelpPanel(
                    content="<p>At each milestone where students get a real win, ask them to tell a few people "
                    "close to them how it felt. No links, prices, offers or sign-up calls: the non-salesy "
                    "check lists anything that reads as selling, as you type and again when you publish.</p>"
                ),
                InlinePanel("sharing_prompts", heading="Sharing prompts", label="Sharing prompt"),
            ],
            order=10,
        )
        programs.register_preview_mode(
            "sharing_prompts", "Sharing prompts (as a student sees them)", previews.render_preview
        )
        forms.register_form_check(prompt_forms.check_program_form)
        engine.register_action_handler(services.ACTION_PROMPT, services.handle_prompt_actions)
        engine.register_action_handler(services.ACTION_REMINDER, services.handle_reminder_actions)
        selectors.register_funnel_step("prompted", PromptEvent.PROMPTED, position=10)
        selectors.register_funnel_step("prompt completed", PromptEvent.COMPLETED, position=11)
        simulation.register_behaviour(prompt_simulation.students_complete_prompts)
        checks.register_checks()
        mailer_admin.register_program_values(previews.program_test_values)

from django.apps import AppConfig


class SharingPromptsConfig(AppConfig):
    """Phase 1 of the method (sow): non-salesy sharing prompts at program milestones."""

    name = "sharing_prompts"
    verbose_name = "Sharing prompts"

    def ready(self) -> None:

        from campaigns import engine, events, selectors, simulation
        from mailers import admin_views as mailer_admin
        from mailers import kinds
        from sharing_prompts import checks, emails, previews, receivers, services  # noqa: F401
        from sharing_prompts import simulation as prompt_simulation
        from sharing_prompts.events import PromptEvent

        events.register(PromptEvent)
        kinds.register_all(emails.KINDS)
        engine.register_action_handler(services.ACTION_PROMPT, services.handle_prompt_actions)
        engine.register_action_handler(services.ACTION_REMINDER, services.handle_reminder_actions)
        selectors.register_funnel_step("prompted", PromptEvent.PROMPTED, position=10)
        selectors.register_funnel_step("prompt completed", PromptEvent.COMPLETED, position=11)
        simulation.register_behaviour(prompt_simulation.students_complete_prompts)
        checks.register_checks()
        mailer_admin.register_program_values(previews.program_test_values)

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Programs and journeys"

    def ready(self) -> None:
        from campaigns import email_previews, emails, engine
        from campaigns.models import programs
        from mailers import kinds

        kinds.register_all(emails.KINDS)
        engine.register_foundation_handlers()
        programs.register_preview_mode("emails", "Emails (as a student gets them)", email_previews.render_preview)

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Programs and journeys"

    def ready(self) -> None:
        from campaigns import emails, engine
        from mailers import kinds

        kinds.register_all(emails.KINDS)
        engine.register_foundation_handlers()

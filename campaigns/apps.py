from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Programs and journeys"

    def ready(self) -> None:
        from campaigns import engine

        engine.register_foundation_handlers()

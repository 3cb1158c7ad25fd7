from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Programs and journeys"

    def ready(self) -> None:
        from campaigns import copy_checks, engine, smarti

        engine.register_foundation_handlers()
        copy_checks.register("referral_ask", smarti.referral_ask_report)

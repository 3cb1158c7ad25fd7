from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Programs and journeys"

    def ready(self) -> None:
        from campaigns import copy_checks, engine, referrals, smarti

        engine.register_foundation_handlers()
        referrals.register_referral_engine()
        copy_checks.register("referral_ask", smarti.referral_ask_report)

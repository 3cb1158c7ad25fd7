from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    """Phases 5–6 of the method (harvest): the SMART-I ask, special links and clicks, friends and leads."""

    name = "referrals"
    verbose_name = "Referrals"

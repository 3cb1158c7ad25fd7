from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MailersConfig(AppConfig):
    name = "mailers"
    verbose_name = "Mail"

    def ready(self) -> None:
        from mailers import runner

        # django-q2 keeps its periodic schedule in the database: make it match settings.
        post_migrate.connect(runner.sync_periodic_schedule, sender=self)

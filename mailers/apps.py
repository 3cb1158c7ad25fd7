from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class MailersConfig(AppConfig):
    name = "mailers"
    verbose_name = "Mail"

    def ready(self) -> None:
        from mailers import emails, kinds, runner, webhooks  # noqa: F401 - webhooks connects the tracking receiver

        kinds.register_all(emails.KINDS)

        # django-q2 keeps its periodic schedule in its own table: make it match settings
        # each time that app's migrations have run (this app has no models to send the signal).
        post_migrate.connect(runner.sync_periodic_schedule, sender=apps.get_app_config("django_q"))

from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Site"

    def ready(self) -> None:
        from django.conf import settings

        from cms import admin_values, program_editor
        from cms.staff_emails import emails
        from mailers import kinds

        program_editor.install()
        admin_values.install()
        kinds.register_all(emails.KINDS)

        if settings.TASK_RUNNER == "celery":
            # Makes our Celery app the current one, so enqueue() sends to its broker.
            import cms.celery  # noqa: F401

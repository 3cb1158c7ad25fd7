"""The Celery application, used when TASK_RUNNER=celery (`celery -A cms worker` / `celery -A cms beat`)."""

from celery import Celery

from cms.startup import load_settings_or_exit

load_settings_or_exit()

from django.conf import settings  # noqa: E402

app = Celery("cms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The same periodic tick that django-q2's scheduler runs in the embedded default.
app.conf.beat_schedule = {
    name: {"task": name, "schedule": float(seconds)} for name, seconds in settings.PERIODIC_TASKS.items()
}

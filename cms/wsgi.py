"""WSGI entry point (gunicorn cms.wsgi)."""

from cms.startup import load_settings_or_exit

# 3 is gunicorn's "worker failed to boot": the master stops, instead of starting workers forever.
load_settings_or_exit(exit_code=3)

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

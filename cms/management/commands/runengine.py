import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run the web server and the django-q2 worker (with its scheduler) together; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        if settings.TASK_RUNNER != "q2":
            raise CommandError(
                "runengine runs the embedded django-q2 engine; with TASK_RUNNER=celery start "
                "`celery -A cms worker` and `celery -A cms beat` beside your web server (see README)."
            )
        manage = Path(settings.BASE_DIR) / "manage.py"
        worker = subprocess.Popen([sys.executable, str(manage), "qcluster"])
        # Ctrl-C and `kill` (SIGTERM) both stop the worker too. SIGINT is restored explicitly:
        # a shell that starts us in the background leaves it ignored.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        self.stdout.write(f"engine: web on http://{addrport}/ (admin at /admin/), worker pid {worker.pid}")
        try:
            # No autoreloader: it would restart this command and start a second worker.
            call_command("runserver", addrport, use_reloader=False)
        finally:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()

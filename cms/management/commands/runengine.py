import contextlib
import os
import signal
import socket
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
        _check_port_free(addrport)  # before the worker starts: a failed runserver must not orphan it
        manage = Path(settings.BASE_DIR) / "manage.py"
        # The worker gets its own process group: a terminal's Ctrl-C reaches only this command, which
        # then stops the worker's whole group (its cluster, pusher, monitor and workers) itself.
        # The worker runs on this command's own settings, named explicitly: there is no default.
        worker = subprocess.Popen(
            [sys.executable, str(manage), "qcluster"],
            env={**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE},
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        # Ctrl-C and `kill` (SIGTERM) both stop the worker too. SIGINT is restored explicitly:
        # a shell that starts us in the background leaves it ignored.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        self.stdout.write(f"engine: web on http://{addrport}/ (admin at /admin/), worker pid {worker.pid}")
        try:
            # No autoreloader: it would restart this command and start a second worker.
            call_command("runserver", addrport, use_reloader=False)
        finally:
            _stop_group(worker)


def _die_with_parent() -> None:
    """In the worker, before it starts: if this command dies without cleaning up (runserver exits with
    os._exit on some errors), Linux sends the worker SIGTERM, so it is never left running alone."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _check_port_free(addrport: str) -> None:
    host, _, port = addrport.rpartition(":")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As runserver binds: a port whose last connections linger in TIME_WAIT is free to listen on.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host or "127.0.0.1", int(port)))
        except OSError:
            raise CommandError(
                f"{addrport} is already in use: stop what runs there (another `make run`?) or pass another "
                "address, e.g. `manage.py runengine 127.0.0.1:8001`."
            ) from None


def _stop_group(worker: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM the worker's group (django-q2 finishes the task in hand), then SIGKILL what is left."""
    try:
        os.killpg(worker.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        worker.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)  # stragglers of the group, e.g. a worker stuck in a task
    worker.wait(timeout=5)

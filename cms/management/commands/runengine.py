import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
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
        # Links in the summary and in the emails the worker sends point where this server listens,
        # unless BASE_URL says otherwise (its default names port 8000).
        base_url = os.environ.get("BASE_URL") or local_base_url(addrport)
        settings.WAGTAILADMIN_BASE_URL = base_url
        manage = Path(settings.BASE_DIR) / "manage.py"
        # The worker gets its own process group: a terminal's Ctrl-C reaches only this command, which
        # then stops the worker's whole group (its cluster, pusher, monitor and workers) itself.
        # The worker runs on this command's own settings, named explicitly: there is no default.
        # Its output (logs, console emails) comes through this command, so the summary can wait
        # until it has settled and be the last thing on the screen.
        worker = subprocess.Popen(
            [sys.executable, "-u", str(manage), "qcluster"],
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
                "BASE_URL": base_url,
                # Four lines per periodic task every minute would push the summary off the screen;
                # warnings, errors and console emails still show. LOG_LEVEL=INFO shows every task.
                "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
            },
            start_new_session=True,
            preexec_fn=_die_with_parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        relay = _Relay(worker.stdout, self.stdout)
        relay.start()
        # Ctrl-C and `kill` (SIGTERM) both stop the worker too. SIGINT is restored explicitly:
        # a shell that starts us in the background leaves it ignored.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        self.stdout.write(f"engine: web on http://{addrport}/ (admin at /admin/), worker pid {worker.pid}")
        server_out = _Announcing(sys.stdout)
        threading.Thread(target=self._summary_when_up, args=(addrport, worker, relay, server_out), daemon=True).start()
        try:
            # No autoreloader: it would restart this command and start a second worker.
            call_command("runserver", addrport, use_reloader=False, stdout=server_out)
        finally:
            _stop_group(worker)

    def _summary_when_up(
        self,
        addrport: str,
        worker: subprocess.Popen,
        relay: "_Relay",
        server_out: "_Announcing",
        settle: float = 2.0,
        limit: float = 90.0,
    ) -> None:
        """Once the web server has announced itself and the worker has started and sent what was
        waiting (its output quiet for ``settle`` seconds): where to go and how to sign in, last on the
        screen."""
        started = time.monotonic()
        while (waited := time.monotonic() - started) < limit:
            # The cluster is up once it has forked its processes (or, if ps cannot tell, after a while).
            worker_up = _has_children(worker.pid) or waited > 30
            # runserver prints its banner after it starts listening (Django 5's on_bind): listening
            # alone let the banner land below the credentials.
            server_up = server_out.announced.is_set() and server_out.quiet_for() >= 0.5 and _listening(addrport)
            if worker_up and server_up and relay.quiet_for() >= settle and _queue_empty():
                break
            time.sleep(0.25)
        try:
            lines = summary_lines(addrport)
        finally:
            from django.db import connection

            connection.close()  # this thread's own connection
        self.stdout.write("\n".join(lines))
        self.stdout.flush()


def local_base_url(addrport: str) -> str:
    """``http://host:port`` of runserver's address ("9000", "0.0.0.0:9000" or "[::]:9000" reach this
    machine as 127.0.0.1)."""
    host, _, port = addrport.rpartition(":")
    if not host or host in ("0.0.0.0", "[::]", "0"):  # noqa: S104 - an address to print, not to bind
        host = "127.0.0.1"
    return f"http://{host}:{port}"


def summary_lines(addrport: str) -> list[str]:
    """The block `make run` ends with: the admin, its credentials, the demo's personal links."""
    from cms.demo import demo_links
    from cms.management.commands.ensure_admin import credentials

    username, password = credentials()
    rule = "-" * 72
    lines = [
        "",
        rule,
        "The engine is running (Ctrl-C stops it).",
        f"  admin:    http://{addrport}/admin/",
        f"  username: {username}",
        f"  password: {password}",
    ]
    demo = demo_links()
    if demo:
        lines += ["", "The demo, as its students and their friends see it:"] + [f"  {line}" for line in demo]
    lines += [
        "",
        "Emails the engine sends from now on are printed below as they go; each is also in the admin's "
        "Mail > Message log.",
        rule,
    ]
    return lines


class _Announcing:
    """runserver's output, passed on as it comes; notes when its start-up banner has gone out ("Quit
    the server with …", with the development-server warning right after it) and when it last wrote."""

    BANNER_END = "Quit the server with"

    def __init__(self, out):
        self.out = out
        self.announced = threading.Event()
        self.last = time.monotonic()

    def write(self, text: str) -> int:
        written = self.out.write(text)
        self.last = time.monotonic()
        if self.BANNER_END in text:
            self.announced.set()
        return written

    def quiet_for(self) -> float:
        return time.monotonic() - self.last

    def __getattr__(self, name):  # flush, isatty, encoding … as the stream's own
        return getattr(self.out, name)


class _Relay(threading.Thread):
    """Copies the worker's output to ours, line by line, and remembers when it last spoke."""

    def __init__(self, stream, out):
        super().__init__(daemon=True)
        self.stream, self.out = stream, out
        self.last = time.monotonic()

    def run(self) -> None:
        for line in self.stream:
            self.last = time.monotonic()
            self.out.write(line.rstrip("\n"))
            self.out.flush()

    def quiet_for(self) -> float:
        return time.monotonic() - self.last


def _listening(addrport: str) -> bool:
    host, _, port = addrport.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=1):
            return True
    except OSError:
        return False


def _has_children(pid: int) -> bool:
    """Linux lists a process's children in /proc; elsewhere this says no and the grace period decides."""
    try:
        return bool(Path(f"/proc/{pid}/task/{pid}/children").read_text().strip())
    except OSError:
        return False


def _queue_empty() -> bool:
    """Nothing left in django-q2's queue: what load_demo queued has been sent (and printed)."""
    from django.db import DatabaseError
    from django_q.models import OrmQ

    try:
        return not OrmQ.objects.exists()
    except DatabaseError:
        return True  # a broker table we cannot read must not hold the summary back


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
    """SIGTERM the worker (django-q2 finishes the task in hand and stops its own processes in order),
    then SIGKILL what is left of its group. Not SIGTERM to the whole group: its processes then each
    stopped on their own, the cluster waited on the ones gone, and every Ctrl-C took the full grace
    (about 12 s, against under 3 s)."""
    try:
        os.kill(worker.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        worker.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)  # stragglers of the group, e.g. a worker stuck in a task
    worker.wait(timeout=5)

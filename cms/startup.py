"""Loading settings before anything else, so a bad environment ends start-up in one clear line.

There is no default settings module: a process started without ``DJANGO_SETTINGS_MODULE``
(``gunicorn cms.wsgi``, ``manage.py``, ``celery -A cms``, ``manage.py qcluster``) would otherwise
run on the development settings — DEBUG on and the key from the repository, with which anyone can
sign a student's hub, feedback and preference links. ``make run`` names the development settings
itself; the test suite names its own (pyproject.toml).
"""

import importlib
import os
import sys

SETTINGS_HELP = (
    "DJANGO_SETTINGS_MODULE is not set: set DJANGO_SETTINGS_MODULE=cms.settings.production "
    "(or cms.settings.dev on your own machine; `make run` does that for you)."
)


def load_settings_or_exit(argv: list[str] | None = None, *, exit_code: int = 2) -> None:
    """Import the named settings (``--settings`` in ``argv`` wins, as Django's own option does)."""
    from cms.settings.env import ConfigError

    named = _settings_option(argv or [])
    if named:
        os.environ["DJANGO_SETTINGS_MODULE"] = named
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "").strip()
    try:
        if not module:
            raise ConfigError(SETTINGS_HELP)
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module.startswith(exc.name):
                raise  # the settings exist but import something missing: a real bug, with its traceback
            raise ConfigError(
                f"DJANGO_SETTINGS_MODULE={module!r} does not exist: set it to cms.settings.production "
                "(or cms.settings.dev)."
            ) from None
    except ConfigError as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        raise SystemExit(exit_code) from None


def _settings_option(argv: list[str]) -> str:
    for index, arg in enumerate(argv):
        if arg.startswith("--settings="):
            return arg.split("=", 1)[1]
        if arg == "--settings" and index + 1 < len(argv):
            return argv[index + 1]
    return ""

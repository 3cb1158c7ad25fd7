"""Loading settings before anything else, so a bad environment ends start-up in one clear line."""

import importlib
import os
import sys

DEFAULT_SETTINGS = "cms.settings.dev"


def load_settings_or_exit() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    from cms.settings.env import ConfigError

    try:
        importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    except ConfigError as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        raise SystemExit(2) from None

"""Local development: the embedded default (SQLite + django-q2), debug on."""

from .base import *  # noqa: F403
from .env import env_bool, env_str

DEBUG = env_bool("DEBUG", True)
# A fixed key is fine on a developer's machine; production refuses to start without one.
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")

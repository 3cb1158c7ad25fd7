"""Local development: the embedded default (SQLite + django-q2), debug on."""

from .base import *  # noqa: F403
from .env import DEV_SECRET_KEY, env_bool, env_str

DEBUG = env_bool("DEBUG", True)
# A fixed key is fine on a developer's machine; production refuses it (and starting without a key).
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)

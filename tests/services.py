"""Is a local service reachable? Used by the Makefile and the test suite (exit 0 = yes).

python tests/services.py postgres|redis
"""

import os
import socket
import sys
from urllib.parse import urlparse

DEFAULTS = {
    "postgres": os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/test"),
    "redis": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
}


def reachable(name: str, timeout: float = 1.0) -> bool:
    url = urlparse(DEFAULTS[name])
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 0), timeout=timeout):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(0 if reachable(sys.argv[1]) else 1)

"""A redis-server of a test's own, on a free port, that the test can stop and start again.

No shared Redis is needed (nor touched), so the outage drills run in every pass; where the
redis-server binary is missing they skip locally and fail under CI=true (tests.conftest.need).
"""

import shutil
import socket
import subprocess
import time

from tests.conftest import need


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """``redis-server --port N --save "" --appendonly no``: nothing written to disk, nothing kept."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        need(binary is not None, "needs the redis-server binary (apt-get install -y redis-server)")
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

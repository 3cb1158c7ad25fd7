"""A creator's webhook receiver for the tests: a real local HTTP server that answers as the test says.

The endpoint's URL stays public https (``https://hooks.example.com/...``, resolved by a fake DNS to a
public address, checked as in production); only the connection to the checked address goes to this
server instead, over plain HTTP on 127.0.0.1.
"""

import http.client
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from testimonials import outbound

PUBLIC_IP = "93.184.215.14"
DNS = {
    "hooks.example.com": [PUBLIC_IP],
    "sneaky.example.com": ["10.0.0.5"],
    "metadata.example.com": ["169.254.169.254"],
}
URL = "https://hooks.example.com/webhooks/in"


def fake_resolve(host, port):
    if host not in DNS:
        raise outbound.Refused(f"{host} does not resolve (test DNS)")
    return DNS[host]


@dataclass
class Reply:
    status: int = 204
    headers: dict = field(default_factory=dict)
    body: str = ""
    delay: float = 0.0


@dataclass
class Received:
    path: str
    headers: dict
    body: str


class Receiver:
    """What came in, and what to answer next (the last reply repeats)."""

    def __init__(self):
        self.received: list[Received] = []
        self.replies: list[Reply] = [Reply()]
        self.addresses: list[str] = []

    def answer(self, *replies: Reply) -> None:
        self.replies = list(replies)

    def next_reply(self) -> Reply:
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


def make_handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            reply = receiver.next_reply()
            time.sleep(reply.delay)
            payload = reply.body.encode()
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender gave up waiting (the timeout test)

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def dns(monkeypatch):
    monkeypatch.setattr(outbound, "resolve", fake_resolve)


@pytest.fixture
def receiver(monkeypatch, dns):
    """The creator's receiver, listening on 127.0.0.1 (a fresh one per test)."""
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def local(target, address, timeout):
        state.addresses.append(address)
        return http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=timeout)

    monkeypatch.setattr(outbound, "connection", local)
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_connection(monkeypatch, dns):
    opened = []

    def refuse(target, address, timeout):
        opened.append(address)
        raise AssertionError("a refused URL must not be connected to")

    monkeypatch.setattr(outbound, "connection", refuse)
    return opened

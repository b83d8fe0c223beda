"""A web service on 127.0.0.1 that receives status-handler callbacks, as a user's would."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class Received:
    """One request: its method, its form (body or query) and its headers."""

    method: str
    form: dict[str, str]
    headers: dict[str, str]


class CallbackReceiver:
    """Records every callback; ``answer(received) -> status`` decides the HTTP status of each
    (200 unless told). ``wait_for(n)`` waits until ``n`` requests came."""

    def __init__(self, answer: Callable[[Received], int] = lambda _: 200) -> None:
        self.answer = answer
        self.received: list[Received] = []
        self._condition = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                self._record(body)

            def do_GET(self) -> None:
                self._record(self.path.partition("?")[2])

            def _record(self, encoded: str) -> None:
                received = Received(
                    self.command,
                    dict(parse_qsl(encoded, keep_blank_values=True)),
                    dict(self.headers.items()),
                )
                status = receiver.answer(received)
                with receiver._condition:
                    receiver.received.append(received)
                    receiver._condition.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, format: str, *args: object) -> None:
                pass  # the test's output stays the test's

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}/v1/callbacks/smsc/demo"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        with self._condition:
            self._condition.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)

    @contextmanager
    def running(self) -> Iterator[CallbackReceiver]:
        # A short poll: shutdown() waits for it, and tests stop a receiver each.
        thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(5)

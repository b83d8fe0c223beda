"""The sandbox in a process of its own, counting the error 9 replies it gives.

``python -m bench.sandbox_server MESSAGES LATENCY_MS [STATUS]`` serves a book of MESSAGES
messages (phone 79990000001, ids 0 to MESSAGES - 1, in STATUS: 1, delivered, unless told) and
prints its base URL. ``GET
/bench/refusals`` answers how many requests it has refused with error 9, by the rule that
refused them, and ``GET /bench/requests`` how many status requests it has answered: counted
where the service counts them, not by a client that retries.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from smsc_soap.sandbox import BookMessage, MessageBook, Sandbox, SandboxApp, SandboxOptions
from smsc_soap.sandbox.enforced_limits import EnforcedLimits
from smsc_soap.serving.http_reply import StartResponse

PHONE = "79990000001"
REFUSALS_PATH = "/bench/refusals"
REQUESTS_PATH = "/bench/requests"


class CountedLimits(EnforcedLimits):
    """The sandbox's own limits, with a count of every refusal."""

    def __init__(self) -> None:
        super().__init__(clock=time.monotonic)
        self.refused: Counter[str] = Counter()
        self._count_lock = threading.Lock()

    def admit_lookup(self, login: str, phone: str, message_id: str) -> bool:
        return self._counted(super().admit_lookup(login, phone, message_id), "per message")

    def admit_mass(self, login: str) -> bool:
        return self._counted(super().admit_mass(login), "mass requests")

    @contextmanager
    def request(self, login: str) -> Iterator[bool]:
        with super().request(login) as admitted:
            yield self._counted(admitted, "in flight")

    def total(self) -> int:
        """Requests refused so far, by every rule."""
        with self._count_lock:
            return sum(self.refused.values())

    def _counted(self, admitted: bool, rule: str) -> bool:
        if not admitted:
            with self._count_lock:
                self.refused[rule] += 1
        return admitted


class CountingSandbox(SandboxApp):
    def __init__(self, book: MessageBook, options: SandboxOptions) -> None:
        super().__init__(book, options)
        self.limits = self.counted = CountedLimits()
        self.requests = 0
        self._count_lock = threading.Lock()

    def __call__(
        self, environ: dict[str, object], start_response: StartResponse
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path in (REFUSALS_PATH, REQUESTS_PATH):
            count = dict(self.counted.refused) if path == REFUSALS_PATH else self.requests
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(count).encode()]
        with self._count_lock:
            self.requests += 1
        return super().__call__(environ, start_response)


def main(messages: int, latency_ms: float, status: int = 1) -> None:
    book = MessageBook(BookMessage(id=str(n), phone=PHONE, status=status) for n in range(messages))
    server = Sandbox(CountingSandbox(book, SandboxOptions(latency_ms=latency_ms)))
    print(server.url, flush=True)
    try:
        server.serve_forever()
    finally:
        server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]), *(int(status) for status in sys.argv[3:4]))

"""A counting stand-in of the service: the sandbox, each request taking ``latency_ms`` at the
server whatever its caller does (a caller that gives up does not end it), counting the most
requests in flight at once and the lookups of each message."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from smsc_soap.sandbox import BookMessage, MessageBook, SandboxApp, SandboxOptions
from smsc_soap.serving.field_orders import ReplyFields

PHONE = "79990000001"


class CountingService(SandboxApp):
    """``most_in_flight``: the most requests it was serving at once; ``lookups``: requests
    for each message id; ``arrived``: requests received."""

    def __init__(
        self, *, latency_ms: float = 0.0, messages: int = 100, password: str = "demo"
    ) -> None:
        book = MessageBook(BookMessage(id=str(n), phone=PHONE, status=1) for n in range(messages))
        # Its own limits off: it counts what arrives rather than answering error 9.
        options = SandboxOptions(latency_ms=latency_ms, enforce_limits=False, password=password)
        super().__init__(book, options)
        self.most_in_flight = 0
        self.arrived = 0
        self.lookups: Counter[str] = Counter()
        self._in_flight = 0
        self._counting = threading.Lock()

    @property
    def in_flight_now(self) -> int:
        with self._counting:
            return self._in_flight

    @contextmanager
    def in_flight(self, login: str) -> Iterator[bool]:
        with self._counting:
            self.arrived += 1
            self._in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self._in_flight)
        try:
            with super().in_flight(login) as admitted:
                yield admitted
        finally:
            with self._counting:
                self._in_flight -= 1

    def look_up(
        self,
        login: str,
        phone: str,
        message_id: str,
        order: tuple[str, ...],
        *,
        counted: bool = True,
    ) -> ReplyFields | int | None:
        with self._counting:
            self.lookups[message_id] += 1
        return super().look_up(login, phone, message_id, order, counted=counted)

    def wait_for(self, arrived: int, within: float = 30.0) -> None:
        """Until ``arrived`` requests have come (a test's safety net: ``within`` seconds)."""
        give_up = time.monotonic() + within
        while self.arrived < arrived:
            assert time.monotonic() < give_up, f"{self.arrived} of {arrived} requests came"
            time.sleep(0.01)

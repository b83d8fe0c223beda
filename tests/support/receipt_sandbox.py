"""A sandbox whose SMPP face pushes receipts when the test moves its clock, for the receipt
receiver's and holder's tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from smsc_soap import StatusCode
from smsc_soap.sandbox import BookMessage, MessageBook, SandboxApp, SmppServer

PHONE = "79991234567"


def moving(count: int, *, every: int = 10) -> list[BookMessage]:
    """``count`` messages, ids 1.., delivered ``every``, ``2 * every``, ... seconds in."""
    return [
        BookMessage(
            id=str(number),
            phone=PHONE,
            status=StatusCode.TRANSFERRED,
            then_status=StatusCode.DELIVERED,
            then_after=number * every,
        )
        for number in range(1, count + 1)
    ]


class SandboxTime:
    """The sandbox's clock: still until ``advance``."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class ReceiptSandbox:
    """An SMPP server pushing the receipts of ``messages`` as ``advance`` makes them due."""

    def __init__(self, server: SmppServer, time_: SandboxTime) -> None:
        self.server = server
        self._time = time_

    @property
    def port(self) -> int:
        return int(self.server.port)

    def advance(self, seconds: float) -> None:
        self._time.now += seconds
        self.server.push_now()


@contextmanager
def receipt_sandbox(
    messages: list[BookMessage], *, idle_timeout: float = 300.0
) -> Iterator[ReceiptSandbox]:
    time_ = SandboxTime()
    app = SandboxApp(MessageBook(messages), clock=time_)
    server = SmppServer(app, idle_timeout=idle_timeout).start()
    try:
        yield ReceiptSandbox(server, time_)
    finally:
        server.close()


def eventually(check: Callable[[], bool], *, within: float = 5.0) -> None:
    """Wait (real time, polling) until ``check()`` holds; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within} s: {check.__doc__ or check}")
        time.sleep(0.01)


class Collected:
    """A receipt callback that keeps what it is given; ``fail_first`` raises for the first
    receipts of those ids, once each."""

    def __init__(self, *, fail_first: set[str] | None = None) -> None:
        self.ids: list[str] = []
        self.failing = set(fail_first or ())
        self._lock = threading.Lock()

    def __call__(self, status: object) -> None:
        message_id = str(getattr(status, "message_id", ""))
        with self._lock:
            self.ids.append(message_id)
            if message_id in self.failing:
                self.failing.discard(message_id)
                raise OSError("the store is away")

"""``FakeTransport``: an in-memory SMSC for the tests of code that uses ``StatusClient``."""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime

from smsc_soap.errors import RequestTimeoutError, SmscError
from smsc_soap.models import MOSCOW_TIME
from smsc_soap.runtime.clock import SYSTEM_CLOCK, Clock
from smsc_soap.service.credentials import Credentials
from smsc_soap.service.request import StatusRequest
from smsc_soap.transports.base import Fields

__all__ = ["FakeTransport", "ScriptedAnswer"]

ScriptedAnswer = SmscError | int | None
"""A scripted answer: an error to raise, a service error code to reply with, or None for the
message's normal reply."""

_WRONG_CREDENTIALS = 2
_NOT_FOUND = 3
_NOT_DELETED = 5


class FakeTransport:
    """Answers status requests from messages seeded in memory, the way the service would.

    ``add`` seeds a message; ``script`` queues answers for one message ahead of its normal
    reply (errors to raise, error codes to reply with). An unknown message is answered with
    error 3, wrong credentials (when ``login``/``password`` are given) with error 2. Each
    request takes ``delay`` seconds on ``clock``; one that does not fit the client's timeout
    raises ``RequestTimeoutError`` when the timeout has passed. ``requests`` records every
    request asked, in order, ``deleted`` every deletion. Thread-safe.

    >>> fake = FakeTransport()
    >>> fake.add("79991234567", "1", status=1, cost="1.50")
    >>> client = StatusClient("login", "password", transport=fake)
    """

    def __init__(
        self,
        *,
        login: str | None = None,
        password: str | None = None,
        delay: float = 0.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.delay = delay
        self.requests: list[StatusRequest] = []
        self.deleted: list[tuple[str, str]] = []
        self.closed = False
        self._login = login
        self._password = password
        self._clock = clock
        self._lock = threading.Lock()
        self._messages: dict[tuple[str, str], dict[str, str]] = {}
        self._scripts: dict[tuple[str, str], deque[ScriptedAnswer]] = {}

    def add(
        self,
        phone: str,
        message_id: str | int,
        *,
        status: int | str = 1,
        err: int | str = 0,
        last_timestamp: int = 1_700_000_000,
        **fields: object,
    ) -> None:
        """Seed a message; ``fields`` are further reply fields (``cost``, ``sms_cnt``, ...).

        Values are sent as text, as the service sends them, so a test can seed a broken one.
        """
        last_date = datetime.fromtimestamp(last_timestamp, MOSCOW_TIME)
        reply = {
            "status": str(status),
            "last_date": last_date.strftime("%d.%m.%Y %H:%M:%S"),
            "last_timestamp": str(last_timestamp),
            "err": str(err),
            **{name: str(value) for name, value in fields.items()},
        }
        with self._lock:
            self._messages[(phone, str(message_id))] = reply

    def script(self, phone: str, message_id: str | int, *outcomes: ScriptedAnswer) -> None:
        """Queue answers for the next requests about one message, before its normal reply."""
        with self._lock:
            self._scripts.setdefault((phone, str(message_id)), deque()).extend(outcomes)

    def fetch(self, credentials: Credentials, request: StatusRequest, *, timeout: float) -> Fields:
        with self._lock:
            self.requests.append(request)
            key = (request.phone, request.message_id)
            script = self._scripts.get(key)
            outcome = script.popleft() if script else None
            reply = self._messages.get(key)
        if self.delay > timeout:
            self._clock.sleep(timeout)
            raise RequestTimeoutError(f"the fake takes {self.delay:g} s; {timeout:g} s were left")
        if self.delay:
            self._clock.sleep(self.delay)
        if isinstance(outcome, SmscError):
            raise outcome
        if isinstance(outcome, int):
            return {"error": str(outcome)}
        if not self._accepts(credentials):
            return {"error": str(_WRONG_CREDENTIALS)}
        return {"error": str(_NOT_FOUND)} if reply is None else dict(reply)

    def delete(
        self, credentials: Credentials, phone: str, message_id: str, *, timeout: float
    ) -> Fields:
        """Forget a seeded message; error 5 if there is none, 2 for wrong credentials."""
        if not self._accepts(credentials):
            return {"error": str(_WRONG_CREDENTIALS)}
        with self._lock:
            self.deleted.append((phone, message_id))
            if self._messages.pop((phone, message_id), None) is None:
                return {"error": str(_NOT_DELETED)}
        return {"result": "OK"}

    def _accepts(self, credentials: Credentials) -> bool:
        return (self._login is None or credentials.login == self._login) and (
            self._password is None or credentials.secret == self._password
        )

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> FakeTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"FakeTransport(messages={len(self._messages)}, requests={len(self.requests)})"

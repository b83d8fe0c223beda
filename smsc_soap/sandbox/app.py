"""The sandbox as a WSGI application: answers from its message book, the service's rules, and
the knobs for tests."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from smsc_soap.models import MOSCOW_TIME
from smsc_soap.sandbox.book import MessageBook
from smsc_soap.sandbox.enforced_limits import EnforcedLimits
from smsc_soap.sandbox.faults import Fault, FaultyReply, send_faulty
from smsc_soap.sandbox.reply_fields import message_fields
from smsc_soap.sandbox.soap_face import soap_reply_from_book
from smsc_soap.sandbox.status_php_face import status_reply_from_book
from smsc_soap.service import phones
from smsc_soap.serving.app import ServiceApp
from smsc_soap.serving.field_orders import ReplyFields
from smsc_soap.serving.http_reply import HttpReply, StartResponse
from smsc_soap.serving.soap import SoapRequest
from smsc_soap.serving.status_php import StatusForm

__all__ = ["SandboxApp", "SandboxOptions"]


@dataclass(frozen=True)
class SandboxOptions:
    """Who may log in, and the knobs that make the sandbox as rough as the real service."""

    login: str = "demo"
    password: str = "demo"  # noqa: S105 - the sandbox's published demo credentials
    api_key: str | None = None
    latency_ms: float = 0.0
    """Added to every request, while it counts as in flight."""
    soap_charset: str = "utf-8"
    """The charset of SOAP replies, e.g. windows-1251."""
    undeclared: tuple[tuple[str, str], ...] = ()
    """Elements the WSDL does not declare, added to every SOAP status reply."""
    undeclared_at: Literal["start", "middle", "end"] = "end"
    faults: Mapping[str, Fault] = field(default_factory=dict)
    """Faults answered for these message ids."""
    fault_rate: float = 0.0
    """The share of other requests answered with ``fault_kind``."""
    fault_kind: Fault = "http_500"
    enforce_limits: bool = True
    callback_url: str | None = None
    """Where to POST each status change of the book, as the service's status handler does."""
    callback_secret: str | None = field(default=None, repr=False)
    """The status handler's secret: the callbacks are signed (md5 and sha1) with it."""
    callback_current: bool = False
    """Also push each message's status at start, before the changes that come due."""


class SandboxApp(ServiceApp):
    """Answers ``/sys/soap.php`` (and its ``?wsdl``) and ``/sys/status.php`` from ``book``."""

    logger = logging.getLogger("smsc_soap.sandbox")
    name = "sandbox"

    def __init__(
        self,
        book: MessageBook,
        options: SandboxOptions | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        seed: int | None = None,
        started: datetime | None = None,
    ) -> None:
        super().__init__()
        self.book = book
        self.options = options or SandboxOptions()
        self.limits = EnforcedLimits(clock=clock, enabled=self.options.enforce_limits)
        self._clock = clock
        self._clock_at_start = clock()
        self.started = started or datetime.now(MOSCOW_TIME)
        """The moment the book's times count from: now, unless a test fixes it."""
        self._random = random.Random(seed)  # noqa: S311 - fault injection, not security

    def now(self) -> datetime:
        return self.started + timedelta(seconds=self._clock() - self._clock_at_start)

    def answer_soap(self, request: SoapRequest) -> HttpReply:
        return soap_reply_from_book(self, request)

    def answer_status(self, form: StatusForm) -> HttpReply:
        return status_reply_from_book(self, form)

    def send(self, reply: HttpReply, start_response: StartResponse) -> Iterable[bytes]:
        if isinstance(reply, FaultyReply):
            return send_faulty(reply, start_response)
        return super().send(reply, start_response)

    def authorised(self, params: Mapping[str, str]) -> bool:
        options = self.options
        if options.api_key and params.get("apikey") == options.api_key:
            return True
        return params.get("login") == options.login and params.get("psw") == options.password

    @contextmanager
    def in_flight(self, login: str) -> Iterator[bool]:
        """While a request is served: False if it is one too many at once for the login."""
        with self.limits.request(login) as admitted:
            if self.options.latency_ms:
                time.sleep(self.options.latency_ms / 1000)
            yield admitted

    def look_up(
        self,
        login: str,
        phone: str,
        message_id: str,
        order: tuple[str, ...],
        *,
        counted: bool = True,
    ) -> ReplyFields | int | None:
        """The message's fields, None if the book does not hold it, or error 9 over the
        per-message limit (items of a mass request count against the mass limit instead)."""
        # One message however its phone is written, as the service counts it.
        if counted and not self.limits.admit_lookup(login, phones.normalised(phone), message_id):
            return 9
        message = self.book.find(phone, message_id)
        if message is None:
            return None
        return message_fields(message, order, started=self.started, now=self.now())

    def fault_for(self, message_ids: Iterable[str]) -> Fault | None:
        for message_id in message_ids:
            if message_id in self.options.faults:
                return self.options.faults[message_id]
        if self.options.fault_rate and self._random.random() < self.options.fault_rate:
            return self.options.fault_kind
        return None

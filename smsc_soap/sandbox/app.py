"""The sandbox as a WSGI application: routing, the service's rules, and the knobs for tests."""

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
from smsc_soap.sandbox.fields import message_fields
from smsc_soap.sandbox.limits import ServiceLimits
from smsc_soap.sandbox.soap_endpoint import answer_soap
from smsc_soap.sandbox.status_endpoint import answer_status
from smsc_soap.serving.body import RefusedBody, read_body
from smsc_soap.serving.fields import Fields
from smsc_soap.serving.reply import Fault, Reply
from smsc_soap.serving.soap import fault_reply
from smsc_soap.serving.status_php import read_status_form
from smsc_soap.serving.wsdl import SOAP_PATH, soap_location, wsdl_reply

__all__ = ["SandboxApp", "SandboxOptions"]

logger = logging.getLogger("smsc_soap.sandbox")

StartResponse = Callable[[str, list[tuple[str, str]]], object]


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


class SandboxApp:
    """Answers ``/sys/soap.php`` (and its ``?wsdl``) and ``/sys/status.php``."""

    def __init__(
        self,
        book: MessageBook,
        options: SandboxOptions | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        seed: int | None = None,
        started: datetime | None = None,
    ) -> None:
        self.book = book
        self.options = options or SandboxOptions()
        self.limits = ServiceLimits(clock=clock, enabled=self.options.enforce_limits)
        self._clock = clock
        self._clock_at_start = clock()
        self.started = started or datetime.now(MOSCOW_TIME)
        """The moment the book's times count from: now, unless a test fixes it."""
        self._random = random.Random(seed)  # noqa: S311 - fault injection, not security

    def now(self) -> datetime:
        return self.started + timedelta(seconds=self._clock() - self._clock_at_start)

    def __call__(
        self, environ: dict[str, object], start_response: StartResponse
    ) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        try:
            reply = self._answer(path, environ)
        except Exception as error:
            # A bug in the sandbox: answered (and logged) here rather than left to the server's
            # own error page, and the server goes on serving.
            logger.exception("the sandbox failed to answer %s", path)
            reply = _internal_error(path, error)
        return _send(reply, start_response)

    def _answer(self, path: str, environ: Mapping[str, object]) -> Reply:
        method = str(environ.get("REQUEST_METHOD", "GET"))
        query = str(environ.get("QUERY_STRING", ""))
        try:
            body = read_body(environ)
        except RefusedBody as refused:
            return Reply(refused.status, "text/plain; charset=utf-8", str(refused).encode())
        if path == SOAP_PATH and method == "GET" and query == "wsdl":
            return self._wsdl(environ)
        if path == SOAP_PATH and method == "POST":
            return answer_soap(self, body, str(environ.get("CONTENT_TYPE") or "") or None)
        if path == "/sys/status.php" and method in ("GET", "POST"):
            return answer_status(self, read_status_form(query, body))
        return Reply("404 Not Found", "text/plain", b"not found")

    def _wsdl(self, environ: Mapping[str, object]) -> Reply:
        return wsdl_reply("smsc.ru", soap_location(environ, None, "127.0.0.1"))

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
    ) -> Fields | int | None:
        """The message's fields, None if the book does not hold it, or error 9 over the
        per-message limit (items of a mass request count against the mass limit instead)."""
        if counted and not self.limits.admit_lookup(login, phone, message_id):
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


def _internal_error(path: str, error: Exception) -> Reply:
    if path == SOAP_PATH:
        return fault_reply("SOAP-ENV:Server", f"Internal Server Error ({type(error).__name__})")
    return Reply(
        "500 Internal Server Error",
        "text/plain; charset=utf-8",
        f"the sandbox failed: {type(error).__name__}; see its log".encode(),
    )


_ERROR_PAGE = (
    b"<html><head><title>500 Internal Server Error</title></head><body>nginx</body></html>"
)


def _send(reply: Reply, start_response: StartResponse) -> Iterable[bytes]:
    if reply.fault == "http_500":
        reply = Reply("500 Internal Server Error", "text/html", _ERROR_PAGE)
    body = reply.body
    if reply.fault == "truncated":
        body = body[: len(body) // 2]
    start_response(
        reply.status,
        [("Content-Type", reply.content_type), ("Content-Length", str(len(body)))],
    )
    if reply.fault == "reset":
        return _dropped_midway(body)
    return [body]


def _dropped_midway(body: bytes) -> Iterator[bytes]:
    # Content-Length promises the whole body; the connection closes after half of it.
    yield body[: len(body) // 2]
    raise ConnectionAbortedError("sandbox fault: connection dropped mid-body")

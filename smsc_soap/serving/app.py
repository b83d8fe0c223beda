"""The WSGI application the sandbox and the gateway both are, less where their answers come
from; ``serving.server`` serves it on uvicorn through ``serving.asgi``, which reads the body
before a thread is taken.

It reads a request's body within its cap (413 over it), routes ``/sys/soap.php`` (POST, and
GET with ``?wsdl``) and ``/sys/status.php`` (GET or POST) to its subclass's answers, answers
a wrong method there with 405 and any other path with the subclass's ``route`` (404 unless it
knows it), and answers a bug with an error reply of its own rather than the server's page. It
counts the requests being answered, so that a server can stop without cutting one off.
"""

from __future__ import annotations

import logging
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from dataclasses import replace
from typing import Any, ClassVar

from smsc_soap.serving.body import RefusedBody, read_body
from smsc_soap.serving.http_reply import HttpReply, StartResponse, text_reply
from smsc_soap.serving.soap import SoapRequest, fault_reply, read_soap_request
from smsc_soap.serving.status_php import (
    STATUS_PATH,
    StatusForm,
    read_status_form,
    status_reply,
)
from smsc_soap.serving.wsdl import SOAP_PATH, checked_public_url, soap_location, wsdl_reply

__all__ = ["NeedsThread", "ServiceApp", "StreamedRoute", "on_the_loop", "printable"]

StreamedRoute = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]
"""An ASGI application (scope, receive, send) that answers a route of its own."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LOOP = threading.local()


class NeedsThread(Exception):
    """Raised by an answer worked out on the event loop that would have to wait (for the
    service, a lock held long, a store): the server works it out again in a worker thread."""


def on_the_loop() -> bool:
    """Whether the answer being worked out is on the server's event loop, where nothing may
    wait: see ``ServiceApp.answers_on_loop``."""
    return bool(getattr(_LOOP, "active", False))


class answering_on_the_loop:  # a context manager, named as one
    """Marks the answer worked out in the block as on the event loop."""

    def __enter__(self) -> None:
        _LOOP.active = True

    def __exit__(self, *exc_info: object) -> None:
        _LOOP.active = False


class ServiceApp(ABC):
    """Answers the service's SOAP and status.php interfaces; a subclass gives the answers.

    ``host`` is the service's host, whose namespace the served WSDL carries; ``public_url``
    the base URL clients reach the server at, which the WSDL sends them to (by default the
    Host they asked with, else ``listening``, which the server sets once it is bound).
    """

    answers_on_loop: ClassVar[bool] = False
    """Whether the server first tries each answer on its event loop, saving the hand-over to
    a worker thread, the app raising ``NeedsThread`` where it would wait (``on_the_loop``)."""
    logger: ClassVar[logging.Logger]
    """Where a bug in answering is logged."""
    name: ClassVar[str]
    """What the server is called in its error replies."""

    def streamed(self, path: str) -> StreamedRoute | None:
        """The ASGI application that answers ``path`` itself, streaming (the gateway's
        events), or None for a path answered by this app."""
        return None

    def __init__(self, *, host: str = "smsc.ru", public_url: str | None = None) -> None:
        self.host = host
        self.public_url = None if public_url is None else checked_public_url(public_url)
        self.listening = "127.0.0.1"
        """The host and port the server listens on, for a WSDL asked for without a Host."""
        self._answering = 0
        self._lock = threading.Lock()

    @property
    def answering(self) -> int:
        """Requests being answered now."""
        return self._answering

    @abstractmethod
    def answer_soap(self, request: SoapRequest) -> HttpReply:
        """The reply to a readable SOAP status request."""

    @abstractmethod
    def answer_status(self, form: StatusForm) -> HttpReply:
        """The reply to a status.php request."""

    def wsdl(self, location: str) -> HttpReply:
        """The WSDL, with ``location`` (from ``soap_location``) as its address: the service's
        published one, which the sandbox serves as the service would."""
        return wsdl_reply(self.host, location)

    def refused_soap(self, fault: HttpReply) -> HttpReply:
        """The reply to a SOAP request that cannot be read: ``fault``, the Fault refusing it."""
        return fault

    def route(
        self, path: str, method: str, query: str, body: bytes, environ: Mapping[str, object]
    ) -> HttpReply:
        """The reply on a path other than the service's."""
        return text_reply("404 Not Found", "not found")

    def refusal(self, path: str, query: str, status: str, text: str) -> HttpReply:
        """A request the server refuses before answering it (its body too large or too slow,
        too many requests at once), told in the format of the face ``path`` is: a SOAP Fault,
        status.php's error 1 (the request's fault) or 9 (try again later), else text."""
        if path == SOAP_PATH:
            side = "SOAP-ENV:Server" if status.startswith("5") else "SOAP-ENV:Client"
            return replace(fault_reply(side, f"refused by the {self.name}: {text}"), status=status)
        if path == STATUS_PATH:
            code = 9 if status.startswith("5") else 1
            return replace(status_reply(read_status_form(query, b""), code), status=status)
        return text_reply(status, f"refused by the {self.name}: {text}")

    def internal_error(self, path: str) -> HttpReply:
        """The reply to a request whose answer failed with a bug: a Fault on the SOAP path."""
        if path == SOAP_PATH:
            return fault_reply("SOAP-ENV:Server", "Internal Server Error")
        return text_reply("500 Internal Server Error", f"the {self.name} failed; see its log")

    def __call__(
        self, environ: dict[str, object], start_response: StartResponse
    ) -> Iterable[bytes]:
        return self.send(self.reply_to(environ), start_response)

    def reply_to(self, environ: Mapping[str, object]) -> HttpReply:
        """The reply to a request, never an exception."""
        path = str(environ.get("PATH_INFO", ""))
        with self._lock:
            self._answering += 1
        try:
            return self._routed(path, environ)
        except NeedsThread:
            raise
        except Exception:
            # A bug: answered (and logged) here rather than left to the server's own error
            # page, and the server goes on serving.
            self.logger.exception("the %s failed to answer %s", self.name, printable(path))
            return self.internal_error(path)
        finally:
            with self._lock:
                self._answering -= 1

    def send(self, reply: HttpReply, start_response: StartResponse) -> Iterable[bytes]:
        start_response(reply.status, reply.head())
        return [reply.body]

    def _routed(self, path: str, environ: Mapping[str, object]) -> HttpReply:
        method = str(environ.get("REQUEST_METHOD", "GET"))
        query = str(environ.get("QUERY_STRING", ""))
        try:
            body = read_body(environ)
        except RefusedBody as refused:
            query = str(environ.get("QUERY_STRING", ""))
            return self.refusal(path, query, refused.status, str(refused))
        if path == SOAP_PATH and method == "GET" and query.lower() == "wsdl":
            return self.wsdl(soap_location(environ, self.public_url, self.listening))
        if path == SOAP_PATH and method == "POST":
            request = read_soap_request(body, str(environ.get("CONTENT_TYPE") or "") or None)
            if isinstance(request, HttpReply):
                return self.refused_soap(request)
            return self.answer_soap(request)
        if path == SOAP_PATH:
            text = "POST a SOAP request here; GET ?wsdl for the WSDL"
            return text_reply("405 Method Not Allowed", text, (("Allow", "POST"),))
        if path == STATUS_PATH and method in ("GET", "POST"):
            return self.answer_status(read_status_form(query, body))
        if path == STATUS_PATH:
            return text_reply("405 Method Not Allowed", "GET or POST", (("Allow", "GET, POST"),))
        return self.route(path, method, query, body, environ)


def printable(text: str) -> str:
    """``text`` with control characters escaped: a path's %0A must not start a log line."""
    return _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)

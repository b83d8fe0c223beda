"""The ASGI application a ``ServiceApp`` is served as: the request's body read on the event
loop within its cap and the read deadline, the answer worked out in a worker thread, the
reply sent back on the loop.

Reading on the loop is what lets thousands of idle or slow connections cost memory, not
threads: a thread is taken only once a whole request is in, and not even then by an app that
answers on the loop what it can answer at once (the gateway's cached statuses, its pages).
What the server refuses before that is answered in the face's own format
(``ServiceApp.refusal``): a body over the cap (413), one that does not arrive within the read
deadline (408, and the connection closed), and a request over the cap of requests at once
(503 with ``Retry-After``). HEAD is answered
as GET is, without the body.
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from smsc_soap.serving.app import NeedsThread, ServiceApp, answering_on_the_loop
from smsc_soap.serving.body import MAX_BODY_BYTES
from smsc_soap.serving.http_reply import HttpReply

__all__ = ["RETRY_AFTER_SECONDS", "AsgiBridge"]

RETRY_AFTER_SECONDS = 1
"""What a request refused for being over the cap of requests at once is told to wait."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _Sent:
    """What a WSGI answer gave: its status line, headers and body, up to where it broke."""

    def __init__(self) -> None:
        self.status = "500 Internal Server Error"
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.broken = False

    def start_response(self, status: str, headers: list[tuple[str, str]]) -> None:
        self.status, self.headers = status, headers


class AsgiBridge:
    """``app`` as an ASGI application. ``threads`` answer requests at once (more wait for a
    thread, costing memory only); ``max_in_flight`` requests may be in at once, being read or
    answered, before more are refused with 503; a body must arrive within ``read_timeout``
    seconds of its request's headers."""

    def __init__(
        self, app: ServiceApp, *, threads: int, max_in_flight: int, read_timeout: float
    ) -> None:
        self.app = app
        self.read_timeout = read_timeout
        self.max_in_flight = max_in_flight
        self._threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self.in_flight = 0
        """Requests being read or answered now."""
        self.cut_off = 0
        """Requests whose answer was cancelled, by a stop whose grace ran out."""

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # no lifespan nor websockets: the server is told not to use them
        streamed = self.app.streamed(scope["path"])
        if streamed is not None:  # a stream of its own, not counted in flight: it lasts
            await streamed(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if self.in_flight >= self.max_in_flight:
            reply = self._refusal(scope, "503 Service Unavailable", "many requests at once")
            retry = ("Retry-After", str(RETRY_AFTER_SECONDS))
            reply = _with_headers(reply, retry)
            await _send(send, _as_sent(reply), head)
            return
        self.in_flight += 1
        try:
            sent = await self._answer(scope, receive)
        except asyncio.CancelledError:
            self.cut_off += 1
            raise
        finally:
            self.in_flight -= 1
        await _send(send, sent, head)

    async def _answer(self, scope: Scope, receive: Receive) -> _Sent:
        environ, length, chunked = _environ(scope)
        body = await self._body(scope, receive, length, chunked)
        if isinstance(body, HttpReply):
            return _as_sent(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.input"] = io.BytesIO(body)
        if self.app.answers_on_loop:
            try:
                with answering_on_the_loop():
                    return self._call_app(environ)
            except NeedsThread:
                environ["wsgi.input"] = io.BytesIO(body)  # it would wait: again, in a thread
        loop = asyncio.get_running_loop()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._threads, f"{self.app.name}-worker")
        return await loop.run_in_executor(self._pool, self._call_app, environ)

    def _call_app(self, environ: dict[str, object]) -> _Sent:
        sent = _Sent()
        chunks: Iterable[bytes] = self.app(environ, sent.start_response)
        try:
            for chunk in chunks:
                sent.chunks.append(chunk)
        except ConnectionError:
            sent.broken = True  # the sandbox's fault of a connection dropped mid-body
        return sent

    async def _body(
        self, scope: Scope, receive: Receive, declared: str | None, chunked: bool
    ) -> bytes | HttpReply:
        """The request's body, ``declared`` long or ``chunked``; or the refusal of one over
        the cap or too slow to arrive."""
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return self._too_large(scope)
        if declared in (None, "0") and not chunked:
            return b""  # no body to wait for (a GET): no timer either
        try:
            return await _within(self._read(scope, receive), self.read_timeout)
        except asyncio.TimeoutError:
            text = f"the body did not arrive within {self.read_timeout:g} s"
            return _with_headers(self._refusal(scope, "408 Request Timeout", text), _CLOSE)

    async def _read(self, scope: Scope, receive: Receive) -> bytes | HttpReply:
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            body += message.get("body", b"")
            if len(body) > MAX_BODY_BYTES:
                return self._too_large(scope)
            if not message.get("more_body", False):
                break
        return bytes(body)

    def _too_large(self, scope: Scope) -> HttpReply:
        text = f"the body is over {MAX_BODY_BYTES} bytes"
        # Closed after it: the rest of the body is not read.
        return _with_headers(self._refusal(scope, "413 Request Entity Too Large", text), _CLOSE)

    def _refusal(self, scope: Scope, status: str, text: str) -> HttpReply:
        query = scope.get("query_string", b"").decode("latin-1")
        return self.app.refusal(scope["path"], query, status, text)


_CLOSE = ("Connection", "close")

_Read = TypeVar("_Read")


async def _within(reading: Coroutine[Any, Any, _Read], seconds: float) -> _Read:
    """``reading`` awaited for ``seconds`` at most (``asyncio.TimeoutError`` after): in the
    task itself where Python has ``asyncio.timeout`` (3.11), which saves the task and the
    turns of the loop ``wait_for`` takes on every body."""
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await reading
    return await asyncio.wait_for(reading, seconds)


def _with_headers(reply: HttpReply, *headers: tuple[str, str]) -> HttpReply:
    return HttpReply(reply.status, reply.content_type, reply.body, (*reply.headers, *headers))


def _as_sent(reply: HttpReply) -> _Sent:
    sent = _Sent()
    sent.start_response(reply.status, reply.head())
    sent.chunks.append(reply.body)
    return sent


async def _send(send: Send, sent: _Sent, head: bool) -> None:
    headers = [
        (_header_name(name), value.encode("latin-1"))
        for name, value in sent.headers
        # The server checks a body against its length, and a reply to HEAD has none.
        if not (head and name.lower() == "content-length")
    ]
    status = int(sent.status.split(" ", 1)[0])
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if head:
        await send({"type": "http.response.body", "body": b""})
        return
    for chunk in sent.chunks:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    if not sent.broken:
        await send({"type": "http.response.body", "body": b""})
    # A broken reply is left unfinished: the server closes the connection mid-body.


def _header_name(name: str) -> bytes:
    """A header's name as ASGI sends it; the few names replies carry, written once."""
    written = _HEADER_NAMES.get(name)
    if written is None:
        written = name.lower().encode("latin-1")
        if len(_HEADER_NAMES) < 64:
            _HEADER_NAMES[name] = written
    return written


_HEADER_NAMES: dict[str, bytes] = {}


def _environ(scope: Scope) -> tuple[dict[str, object], str | None, bool]:
    """The WSGI environ of a request, less its body; its Content-Length, and whether its body
    is chunked."""
    method = scope["method"]
    environ: dict[str, object] = {
        "REQUEST_METHOD": "GET" if method == "HEAD" else method,
        "PATH_INFO": scope["path"],
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "wsgi.url_scheme": scope["scheme"],
    }
    length: str | None = None
    chunked = False
    for key, value in scope["headers"]:
        text = value.decode("latin-1")
        if key == b"content-length":
            length = text.strip()
            continue
        if key == b"transfer-encoding":
            chunked = True
            continue
        name = _CGI_NAMES.get(key) or "HTTP_" + key.decode("latin-1").upper().replace("-", "_")
        earlier = environ.get(name)
        environ[name] = text if earlier is None else f"{earlier},{text}"
    return environ, length, chunked


_CGI_NAMES = {
    b"content-type": "CONTENT_TYPE",
    b"host": "HTTP_HOST",
    b"authorization": "HTTP_AUTHORIZATION",
}

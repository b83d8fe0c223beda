"""uvicorn's HTTP protocol with a deadline for a request's headers, the idle timeout from the
moment a connection opens (uvicorn's starts only after a first reply), and a reply's head and
body written to the socket at once (uvicorn writes each as it comes: two system calls)."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["with_read_deadline"]


def with_read_deadline(read_timeout: float) -> type[HttpToolsProtocol]:
    """The protocol, giving a request's headers ``read_timeout`` seconds from its first byte."""
    return type("DeadlineProtocol", (_DeadlineProtocol,), {"read_timeout": read_timeout})


class _DeadlineProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol with a deadline for a request's headers, and the idle timeout
    from the moment a connection opens."""

    read_timeout: ClassVar[float]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._headers_due: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_Coalescing(transport, self.loop))  # type: ignore[arg-type]
        # A connection that never sends a request is idle like one between requests.
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._cancel_headers_due()
        self._headers_due = self.loop.call_later(self.read_timeout, self._headers_late)

    def on_headers_complete(self) -> None:
        self._cancel_headers_due()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_headers_due()
        super().connection_lost(exc)

    def _cancel_headers_due(self) -> None:
        if self._headers_due is not None:
            self._headers_due.cancel()
            self._headers_due = None

    def _headers_late(self) -> None:
        self._headers_due = None
        if self.transport.is_closing():
            return
        text = f"the request's headers did not arrive within {self.read_timeout:g} s".encode()
        self.transport.write(
            b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(text), text)
        )
        self.transport.close()


class _Coalescing:
    """A transport whose writes made in one turn of the loop go out as one."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(data)

    def close(self) -> None:
        self._flush()  # what was written goes before the close
        self._transport.close()

    def _flush(self) -> None:
        if self._pending and not self._transport.is_closing():
            self._transport.write(b"".join(self._pending))
        self._pending.clear()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

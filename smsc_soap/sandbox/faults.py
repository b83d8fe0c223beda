"""The faults the sandbox answers with for the tests' sake, and how each is sent: an HTML
error page, a SOAP Fault, half a body, or a connection dropped mid-body."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Literal

from smsc_soap.serving.http_reply import HttpReply, StartResponse

__all__ = ["Fault", "FaultyReply", "send_faulty", "with_fault"]

Fault = Literal["http_500", "soap_fault", "truncated", "reset"]
"""An HTML error page, a SOAP Fault, half a body, or a connection dropped mid-body."""

_ERROR_PAGE = (
    b"<html><head><title>500 Internal Server Error</title></head><body>nginx</body></html>"
)


@dataclass(frozen=True)
class FaultyReply(HttpReply):
    """A reply to be sent with ``fault`` rather than as it is."""

    fault: Fault = "http_500"


def with_fault(reply: HttpReply, fault: Fault | None) -> HttpReply:
    """``reply``, marked to be sent with ``fault`` if there is one."""
    if fault is None:
        return reply
    return FaultyReply(reply.status, reply.content_type, reply.body, reply.headers, fault)


def send_faulty(reply: FaultyReply, start_response: StartResponse) -> Iterable[bytes]:
    """``reply`` sent with its fault; a ``soap_fault`` is the Fault its face wrote."""
    half = reply.body[: len(reply.body) // 2]
    if reply.fault == "http_500":
        reply = replace(
            reply, status="500 Internal Server Error", content_type="text/html", body=_ERROR_PAGE
        )
    elif reply.fault == "truncated":
        reply = replace(reply, body=half)  # a whole reply, of half a body
    start_response(reply.status, reply.head())
    if reply.fault == "reset":
        return _dropped_midway(half)
    return [reply.body]


def _dropped_midway(half: bytes) -> Iterator[bytes]:
    # Content-Length promises the whole body; the server closes the connection after half of
    # it. Ending short, not raising: a raised error would print the server's traceback.
    yield half

"""The interface between ``StatusClient`` and the wire: one method, two optional ones.

Every transport has ``fetch`` and ``close``. One that can ask for many messages in one
request (the HTTP API's comma lists) also has ``fetch_many``; one that can delete a message
has ``delete``. The client checks for them with ``isinstance``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from ..errors import SmscError
from ..request import Credentials, StatusRequest

__all__ = ["DeletingTransport", "MassLookupTransport", "StatusTransport"]


@runtime_checkable
class StatusTransport(Protocol):
    """Sends one status request and returns the reply's fields as text.

    ``fetch`` returns the reply fields (``status``, ``last_date``, ``error``, ... and any
    undeclared ones) exactly as the service sent them, or raises an ``SmscError`` (usually a
    ``TransportError``). It has ``timeout`` seconds, what is left of the client's deadline
    for the call; the client cannot interrupt a transport, so one that overruns it delays
    the caller. Reading the fields, mapping error codes, retries and limits belong to the
    client, so every transport gives the caller identical results.
    """

    def fetch(
        self, credentials: Credentials, request: StatusRequest, *, timeout: float
    ) -> Mapping[str, str]: ...

    def close(self) -> None: ...


@runtime_checkable
class MassLookupTransport(StatusTransport, Protocol):
    """A transport that asks for many messages in one request (one a minute, the service says).

    ``fetch_many`` answers each request in order: its reply fields, or the error for that
    item alone. An error of the whole request is raised.
    """

    def fetch_many(
        self, credentials: Credentials, requests: Sequence[StatusRequest], *, timeout: float
    ) -> list[Mapping[str, str] | SmscError]: ...


@runtime_checkable
class DeletingTransport(StatusTransport, Protocol):
    """A transport that can delete a sent message; raises the service's error if it cannot."""

    def delete(
        self, credentials: Credentials, phone: str, message_id: str, *, timeout: float
    ) -> None: ...

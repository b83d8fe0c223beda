"""The one interface between ``StatusClient`` and the wire."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from ..request import Credentials, StatusRequest

__all__ = ["StatusTransport"]


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

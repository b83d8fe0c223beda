"""The interface between ``StatusClient`` and the wire: one method, two optional ones.

Every transport has ``fetch`` and ``close``. One that can ask for many messages in one
request (the HTTP API's comma lists) also has ``fetch_many``; one that can delete a message
has ``delete``. The client checks for them with ``isinstance``.

Transports hand back what the service answered, as text fields, error codes included
(``{"error": "3"}``); they raise only when no answer could be had or read. Turning fields
into a ``MessageStatus`` and codes into ``ApiError``s is the client's (``reply``), so every
transport gives the caller identical results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from smsc_soap.errors import SmscError
from smsc_soap.service.credentials import Credentials
from smsc_soap.service.request import StatusRequest

__all__ = ["DeletingTransport", "Fields", "MassLookupTransport", "MassReply", "StatusTransport"]

Fields = Mapping[str, str]
"""An answer's fields by name, as text: ``status``, ``last_date``, ``err``, ... or ``error``."""

MassReply = Fields | list[Fields | SmscError]
"""A mass answer: one item per message asked, in order (its fields, or the error for that
item alone); or, for an error of the whole request, that answer's fields."""


@runtime_checkable
class StatusTransport(Protocol):
    """Sends one status request and returns the reply's fields as text.

    ``fetch`` returns the reply fields (``status``, ``last_date``, ``error``, ... and any
    undeclared ones) exactly as the service sent them, or raises an ``SmscError`` (usually a
    ``TransportError``). It has ``timeout`` seconds, what is left of the client's deadline
    for the call; the client cannot interrupt a transport, so one that overruns it delays
    the caller. Reading the fields, mapping error codes, retries and limits belong to the
    client.
    """

    def fetch(
        self, credentials: Credentials, request: StatusRequest, *, timeout: float
    ) -> Fields: ...

    def close(self) -> None: ...


@runtime_checkable
class MassLookupTransport(StatusTransport, Protocol):
    """A transport that asks for many messages in one request (one a minute, the service says)."""

    def fetch_many(
        self, credentials: Credentials, requests: Sequence[StatusRequest], *, timeout: float
    ) -> MassReply: ...


@runtime_checkable
class DeletingTransport(StatusTransport, Protocol):
    """A transport that can delete a sent message; returns the answer's fields
    (``{"result": "OK"}`` or ``{"error": "5"}``)."""

    def delete(
        self, credentials: Credentials, phone: str, message_id: str, *, timeout: float
    ) -> Fields: ...

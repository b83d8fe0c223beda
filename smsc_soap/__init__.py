"""smsc-soap: typed delivery-status lookups against SMS Center (SMSC) over SOAP.

Every public name is loaded when it is first used (PEP 562), so that a process pays only for
what it uses: ``import smsc_soap`` loads nothing heavy, the client loads requests and pydantic,
zeep comes only with the SOAP transport and smpplib only with the SMPP one, at its first bind.
"""

import logging
import typing

from . import lazy

if typing.TYPE_CHECKING:
    from .async_client import AsyncStatusClient
    from .client import StatusClient
    from .clock import Clock, InstantClock, SystemClock
    from .codes import EmailError, MessageType, Outcome, SmsError, StatusCode, TemplateKind
    from .credentials import Credentials
    from .errors import (
        ApiError,
        AuthenticationError,
        ConnectionFailedError,
        DeleteError,
        HostNotFoundError,
        HTTPStatusError,
        InvalidParametersError,
        IPBlockedError,
        LimitStoreError,
        MalformedResponseError,
        MessageNotFoundError,
        RateLimitError,
        ReceiptError,
        RequestTimeoutError,
        SmscError,
        SoapFaultError,
        TLSError,
        TransportError,
        UnsupportedOperationError,
    )
    from .hosts import KNOWN_HOSTS
    from .models import MOSCOW_TIME, HlrInfo, LookupResult, MessageFlag, MessageStatus
    from .options import ClientOptions
    from .query import build_query
    from .receipts import parse_receipt
    from .request import StatusRequest
    from .retries import RetryPolicy
    from .transports.base import StatusTransport
    from .transports.fake import FakeTransport
    from .transports.http import HttpStatusTransport
    from .transports.options import SmppOptions, SoapOptions, WireOptions
    from .transports.smpp import SmppStatusTransport
    from .transports.soap import SoapStatusTransport


# Records go wherever the application sends them; with no handlers configured, nowhere
# (rather than to stderr through logging's last resort).
logging.getLogger("smsc_soap").addHandler(logging.NullHandler())

__all__ = [
    "KNOWN_HOSTS",
    "MOSCOW_TIME",
    "ApiError",
    "AsyncStatusClient",
    "AuthenticationError",
    "ClientOptions",
    "Clock",
    "ConnectionFailedError",
    "Credentials",
    "DeleteError",
    "EmailError",
    "FakeTransport",
    "HTTPStatusError",
    "HlrInfo",
    "HostNotFoundError",
    "HttpStatusTransport",
    "IPBlockedError",
    "InstantClock",
    "InvalidParametersError",
    "LimitStoreError",
    "LookupResult",
    "MalformedResponseError",
    "MessageFlag",
    "MessageNotFoundError",
    "MessageStatus",
    "MessageType",
    "Outcome",
    "RateLimitError",
    "ReceiptError",
    "RequestTimeoutError",
    "RetryPolicy",
    "SmppOptions",
    "SmppStatusTransport",
    "SmsError",
    "SmscError",
    "SoapFaultError",
    "SoapOptions",
    "SoapStatusTransport",
    "StatusClient",
    "StatusCode",
    "StatusRequest",
    "StatusTransport",
    "SystemClock",
    "TLSError",
    "TemplateKind",
    "TransportError",
    "UnsupportedOperationError",
    "WireOptions",
    "build_query",
    "parse_receipt",
]

_MODULES = {
    "async_client": ("AsyncStatusClient",),
    "client": ("StatusClient",),
    "clock": ("Clock", "InstantClock", "SystemClock"),
    "codes": ("EmailError", "MessageType", "Outcome", "SmsError", "StatusCode", "TemplateKind"),
    "credentials": ("Credentials",),
    "errors": (
        "ApiError",
        "AuthenticationError",
        "ConnectionFailedError",
        "DeleteError",
        "HTTPStatusError",
        "HostNotFoundError",
        "IPBlockedError",
        "InvalidParametersError",
        "LimitStoreError",
        "MalformedResponseError",
        "MessageNotFoundError",
        "RateLimitError",
        "ReceiptError",
        "RequestTimeoutError",
        "SmscError",
        "SoapFaultError",
        "TLSError",
        "TransportError",
        "UnsupportedOperationError",
    ),
    "hosts": ("KNOWN_HOSTS",),
    "models": ("MOSCOW_TIME", "HlrInfo", "LookupResult", "MessageFlag", "MessageStatus"),
    "options": ("ClientOptions",),
    "query": ("build_query",),
    "receipts": ("parse_receipt",),
    "request": ("StatusRequest",),
    "retries": ("RetryPolicy",),
    "transports.base": ("StatusTransport",),
    "transports.fake": ("FakeTransport",),
    "transports.http": ("HttpStatusTransport",),
    "transports.options": ("SmppOptions", "SoapOptions", "WireOptions"),
    "transports.smpp": ("SmppStatusTransport",),
    "transports.soap": ("SoapStatusTransport",),
}

_public_name, __dir__ = lazy.lazy_names(__name__, _MODULES)


def __getattr__(name: str) -> object:
    # The version is read from the installed package's metadata when asked for, not at import.
    if name == "__version__":
        from importlib.metadata import version

        return version("smsc-soap")
    return _public_name(name)

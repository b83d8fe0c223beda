"""smsc-soap: typed delivery-status lookups against SMS Center (SMSC) over SOAP."""

import logging

from .client import StatusClient
from .clock import Clock, InstantClock, SystemClock
from .codes import EmailError, MessageType, Outcome, SmsError, StatusCode, TemplateKind
from .credentials import Credentials
from .errors import (
    ApiError,
    AuthenticationError,
    ConnectionFailedError,
    DeleteError,
    HTTPStatusError,
    InvalidParametersError,
    IPBlockedError,
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
from .transports import (
    FakeTransport,
    HttpStatusTransport,
    SoapStatusTransport,
    StatusTransport,
)
from .transports.options import SoapOptions, WireOptions


def __getattr__(name: str) -> str:
    # The version is read from the installed package's metadata when asked for, not at import.
    if name == "__version__":
        from importlib.metadata import version

        return version("smsc-soap")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Records go wherever the application sends them; with no handlers configured, nowhere
# (rather than to stderr through logging's last resort).
logging.getLogger("smsc_soap").addHandler(logging.NullHandler())

__all__ = [
    "KNOWN_HOSTS",
    "MOSCOW_TIME",
    "ApiError",
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
    "HttpStatusTransport",
    "IPBlockedError",
    "InstantClock",
    "InvalidParametersError",
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

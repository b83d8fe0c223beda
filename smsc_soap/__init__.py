"""smsc-soap: typed delivery-status lookups against SMS Center (SMSC) over SOAP."""

from .client import StatusClient
from .codes import EmailError, MessageType, Outcome, SmsError, StatusCode, TemplateKind
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
    RequestTimeoutError,
    SmscError,
    SoapFaultError,
    TransportError,
)
from .hosts import KNOWN_HOSTS
from .models import MOSCOW_TIME, HlrInfo, MessageFlag, MessageStatus
from .query import build_query

__all__ = [
    "KNOWN_HOSTS",
    "MOSCOW_TIME",
    "ApiError",
    "AuthenticationError",
    "ConnectionFailedError",
    "DeleteError",
    "EmailError",
    "HTTPStatusError",
    "HlrInfo",
    "IPBlockedError",
    "InvalidParametersError",
    "MalformedResponseError",
    "MessageFlag",
    "MessageNotFoundError",
    "MessageStatus",
    "MessageType",
    "Outcome",
    "RateLimitError",
    "RequestTimeoutError",
    "SmsError",
    "SmscError",
    "SoapFaultError",
    "StatusClient",
    "StatusCode",
    "TemplateKind",
    "TransportError",
    "build_query",
]

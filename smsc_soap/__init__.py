"""smsc-soap: typed delivery-status lookups against SMS Center (SMSC) over SOAP.

Every public name is loaded when it is first used (PEP 562), so that a process pays only for
what it uses: ``import smsc_soap`` loads nothing heavy, the client loads requests and pydantic,
zeep comes only with the SOAP transport and smpplib only with the SMPP one, at its first bind.
"""

import logging
import typing

from smsc_soap.runtime import lazy

if typing.TYPE_CHECKING:
    from smsc_soap import callbacks as callbacks
    from smsc_soap.async_client import AsyncStatusClient as AsyncStatusClient
    from smsc_soap.callbacks import (
        CallConfirmation as CallConfirmation,
    )
    from smsc_soap.callbacks import (
        IncomingMessage as IncomingMessage,
    )
    from smsc_soap.callbacks import (
        StatusCallback as StatusCallback,
    )
    from smsc_soap.calls.retries import RetryPolicy as RetryPolicy
    from smsc_soap.client import StatusClient as StatusClient
    from smsc_soap.errors import (
        ApiError as ApiError,
    )
    from smsc_soap.errors import (
        AuthenticationError as AuthenticationError,
    )
    from smsc_soap.errors import (
        CallbackError as CallbackError,
    )
    from smsc_soap.errors import (
        CallbackSignatureError as CallbackSignatureError,
    )
    from smsc_soap.errors import (
        ConnectionFailedError as ConnectionFailedError,
    )
    from smsc_soap.errors import (
        DeleteError as DeleteError,
    )
    from smsc_soap.errors import (
        HostNotFoundError as HostNotFoundError,
    )
    from smsc_soap.errors import (
        HTTPStatusError as HTTPStatusError,
    )
    from smsc_soap.errors import (
        InvalidParametersError as InvalidParametersError,
    )
    from smsc_soap.errors import (
        IPBlockedError as IPBlockedError,
    )
    from smsc_soap.errors import (
        LimitStoreError as LimitStoreError,
    )
    from smsc_soap.errors import (
        MalformedResponseError as MalformedResponseError,
    )
    from smsc_soap.errors import (
        MessageNotFoundError as MessageNotFoundError,
    )
    from smsc_soap.errors import (
        RateLimitError as RateLimitError,
    )
    from smsc_soap.errors import (
        ReceiptError as ReceiptError,
    )
    from smsc_soap.errors import (
        RequestTimeoutError as RequestTimeoutError,
    )
    from smsc_soap.errors import (
        SmscError as SmscError,
    )
    from smsc_soap.errors import (
        SoapFaultError as SoapFaultError,
    )
    from smsc_soap.errors import (
        StatusStoreError as StatusStoreError,
    )
    from smsc_soap.errors import (
        TLSError as TLSError,
    )
    from smsc_soap.errors import (
        TransportError as TransportError,
    )
    from smsc_soap.errors import (
        UnsupportedOperationError as UnsupportedOperationError,
    )
    from smsc_soap.models import (
        MOSCOW_TIME as MOSCOW_TIME,
    )
    from smsc_soap.models import (
        HlrInfo as HlrInfo,
    )
    from smsc_soap.models import (
        LookupResult as LookupResult,
    )
    from smsc_soap.models import (
        MessageFlag as MessageFlag,
    )
    from smsc_soap.models import (
        MessageStatus as MessageStatus,
    )
    from smsc_soap.options import ClientOptions as ClientOptions
    from smsc_soap.runtime.clock import (
        Clock as Clock,
    )
    from smsc_soap.runtime.clock import (
        InstantClock as InstantClock,
    )
    from smsc_soap.runtime.clock import (
        SystemClock as SystemClock,
    )
    from smsc_soap.service.codes import (
        EmailError as EmailError,
    )
    from smsc_soap.service.codes import (
        MessageType as MessageType,
    )
    from smsc_soap.service.codes import (
        Outcome as Outcome,
    )
    from smsc_soap.service.codes import (
        SmsError as SmsError,
    )
    from smsc_soap.service.codes import (
        StatusCode as StatusCode,
    )
    from smsc_soap.service.codes import (
        TemplateKind as TemplateKind,
    )
    from smsc_soap.service.credentials import Credentials as Credentials
    from smsc_soap.service.hosts import KNOWN_HOSTS as KNOWN_HOSTS
    from smsc_soap.service.query import build_query as build_query
    from smsc_soap.service.request import StatusRequest as StatusRequest
    from smsc_soap.smpp.receipts import parse_receipt as parse_receipt
    from smsc_soap.transports.base import StatusTransport as StatusTransport
    from smsc_soap.transports.fake import FakeTransport as FakeTransport
    from smsc_soap.transports.http import HttpStatusTransport as HttpStatusTransport
    from smsc_soap.transports.options import SmppOptions as SmppOptions
    from smsc_soap.transports.options import SoapOptions as SoapOptions
    from smsc_soap.transports.smpp import SmppStatusTransport as SmppStatusTransport
    from smsc_soap.transports.soap import SoapStatusTransport as SoapStatusTransport
    from smsc_soap.wire.options import WireOptions as WireOptions


# Records go wherever the application sends them; with no handlers configured, nowhere
# (rather than to stderr through logging's last resort).
logging.getLogger("smsc_soap").addHandler(logging.NullHandler())

_MODULES = {
    "smsc_soap.async_client": ("AsyncStatusClient",),
    "smsc_soap.calls.retries": ("RetryPolicy",),
    "smsc_soap.callbacks": ("CallConfirmation", "IncomingMessage", "StatusCallback"),
    "smsc_soap.client": ("StatusClient",),
    "smsc_soap.errors": (
        "ApiError",
        "AuthenticationError",
        "CallbackError",
        "CallbackSignatureError",
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
        "StatusStoreError",
        "TLSError",
        "TransportError",
        "UnsupportedOperationError",
    ),
    "smsc_soap.models": ("MOSCOW_TIME", "HlrInfo", "LookupResult", "MessageFlag", "MessageStatus"),
    "smsc_soap.options": ("ClientOptions",),
    "smsc_soap.runtime.clock": ("Clock", "InstantClock", "SystemClock"),
    "smsc_soap.service.codes": (
        "EmailError",
        "MessageType",
        "Outcome",
        "SmsError",
        "StatusCode",
        "TemplateKind",
    ),
    "smsc_soap.service.credentials": ("Credentials",),
    "smsc_soap.service.hosts": ("KNOWN_HOSTS",),
    "smsc_soap.service.query": ("build_query",),
    "smsc_soap.service.request": ("StatusRequest",),
    "smsc_soap.smpp.receipts": ("parse_receipt",),
    "smsc_soap.transports.base": ("StatusTransport",),
    "smsc_soap.transports.fake": ("FakeTransport",),
    "smsc_soap.transports.http": ("HttpStatusTransport",),
    "smsc_soap.transports.options": ("SmppOptions", "SoapOptions"),
    "smsc_soap.transports.smpp": ("SmppStatusTransport",),
    "smsc_soap.transports.soap": ("SoapStatusTransport",),
    "smsc_soap.wire.options": ("WireOptions",),
}
"""Where each public name lives; ``__all__`` is read from it."""

__all__ = sorted(name for names in _MODULES.values() for name in names)

_public_name, __dir__ = lazy.lazy_names(__name__, _MODULES)


def __getattr__(name: str) -> object:
    # The callbacks module, for smsc_soap.callbacks.parse(...) after a bare import smsc_soap.
    if name == "callbacks":
        from importlib import import_module

        return import_module("smsc_soap.callbacks")
    # The version is read from the installed package's metadata when asked for, not at import.
    if name == "__version__":
        from importlib.metadata import version

        return version("smsc-soap")
    return _public_name(name)

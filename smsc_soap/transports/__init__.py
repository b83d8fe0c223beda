"""Transports: how a status request reaches the service and its reply fields come back.

Each name is loaded when first used (PEP 562): the SOAP transport brings zeep with it; the
SMPP one loads smpplib at its first bind.
"""

import typing

from .. import lazy

if typing.TYPE_CHECKING:
    from .base import DeletingTransport, MassLookupTransport, StatusTransport
    from .fake import FakeTransport
    from .http import HttpStatusTransport
    from .smpp import SmppStatusTransport
    from .soap import SoapStatusTransport

__all__ = [
    "DeletingTransport",
    "FakeTransport",
    "HttpStatusTransport",
    "MassLookupTransport",
    "SmppStatusTransport",
    "SoapStatusTransport",
    "StatusTransport",
]

__getattr__, __dir__ = lazy.lazy_names(
    __name__,
    {
        "base": ("DeletingTransport", "MassLookupTransport", "StatusTransport"),
        "fake": ("FakeTransport",),
        "http": ("HttpStatusTransport",),
        "smpp": ("SmppStatusTransport",),
        "soap": ("SoapStatusTransport",),
    },
)

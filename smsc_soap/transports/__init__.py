"""Transports: how a status request reaches the service and its reply fields come back.

Each name is loaded when first used (PEP 562): the SOAP transport brings zeep with it; the
SMPP one loads smpplib at its first bind.
"""

import typing

from smsc_soap.runtime import lazy

if typing.TYPE_CHECKING:
    from smsc_soap.transports.base import DeletingTransport, MassLookupTransport, StatusTransport
    from smsc_soap.transports.fake import FakeTransport
    from smsc_soap.transports.http import HttpStatusTransport
    from smsc_soap.transports.smpp import SmppStatusTransport
    from smsc_soap.transports.soap import SoapStatusTransport

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
        "smsc_soap.transports.base": (
            "DeletingTransport",
            "MassLookupTransport",
            "StatusTransport",
        ),
        "smsc_soap.transports.fake": ("FakeTransport",),
        "smsc_soap.transports.http": ("HttpStatusTransport",),
        "smsc_soap.transports.smpp": ("SmppStatusTransport",),
        "smsc_soap.transports.soap": ("SoapStatusTransport",),
    },
)

"""Transports: how a status request reaches the service and its reply fields come back."""

from .base import DeletingTransport, MassLookupTransport, StatusTransport
from .fake import FakeTransport
from .http import HttpStatusTransport
from .soap import SoapStatusTransport

__all__ = [
    "DeletingTransport",
    "FakeTransport",
    "HttpStatusTransport",
    "MassLookupTransport",
    "SoapStatusTransport",
    "StatusTransport",
]

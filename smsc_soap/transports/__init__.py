"""Transports: how a status request reaches the service and its reply fields come back."""

from .base import StatusTransport
from .fake import FakeTransport
from .soap import SoapStatusTransport

__all__ = ["FakeTransport", "SoapStatusTransport", "StatusTransport"]

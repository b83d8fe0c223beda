"""The status gateway: SMSC's SOAP interface served locally, on top of ``StatusClient``.

Callers that cannot import Python (1C, clients generated from SMSC's WSDL, middleware) point
their endpoint at it; it keeps the service's limits for all of them, coalesces identical
lookups, serves statuses that cannot change from a cache and answers a stale password itself.
``smsc-soap serve`` runs it.
"""

from .app import GatewayApp
from .lookups import Answer, Lookups
from .server import Gateway
from .upstream import Upstream

__all__ = ["Answer", "Gateway", "GatewayApp", "Lookups", "Upstream"]

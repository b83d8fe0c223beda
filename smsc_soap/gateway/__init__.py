"""The status gateway: SMSC's SOAP interface served locally, on top of ``StatusClient``.

Callers that cannot import Python (1C, clients generated from SMSC's WSDL, middleware) point
their endpoint at it; it keeps the service's limits for all of them, coalesces identical
lookups, keeps what it learns (by lookups, the service's callbacks and SMPP receipts) in a
status store its replicas share, and answers a stale password itself.
``smsc-soap serve`` runs it.
"""

from smsc_soap.gateway.app import GatewayApp
from smsc_soap.gateway.lookups import Answer, Lookups
from smsc_soap.gateway.server import Gateway
from smsc_soap.gateway.upstream import Upstream

__all__ = ["Answer", "Gateway", "GatewayApp", "Lookups", "Upstream"]

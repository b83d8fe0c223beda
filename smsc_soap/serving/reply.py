"""A reply as the service would send it; the sandbox can mark one to be turned into a fault."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Fault", "Reply"]

Fault = Literal["http_500", "soap_fault", "truncated", "reset"]
"""An HTML error page, a SOAP Fault, half a body, or a connection dropped mid-body."""


@dataclass(frozen=True)
class Reply:
    status: str
    content_type: str
    body: bytes
    fault: Fault | None = None

"""The sending step of a call: a request goes out only with time left before its deadline."""

from __future__ import annotations

from smsc_soap.errors import RequestTimeoutError
from smsc_soap.runtime import cancellation
from smsc_soap.runtime.clock import Clock

__all__ = ["time_to_send"]


def time_to_send(deadline: float, clock: Clock) -> float:
    """The seconds a request about to be sent may take: what is left of the call's
    ``deadline`` (a reading of ``clock``). Raises ``Cancelled`` for a call given up on, and
    ``RequestTimeoutError`` when the deadline passed before the request could be sent."""
    cancellation.check()
    time_left = deadline - clock.monotonic()
    if time_left <= 0:
        raise RequestTimeoutError("the call's deadline passed before the request could be sent")
    return time_left

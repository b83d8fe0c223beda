"""The sending step of a call: a request goes out only with time left before its deadline,
and one that failed is known as reaching the service or not."""

from __future__ import annotations

from smsc_soap.errors import RequestTimeoutError, SmscError, TLSError
from smsc_soap.runtime import cancellation
from smsc_soap.runtime.clock import Clock
from smsc_soap.runtime.foreign_errors import never_connected

__all__ = ["reached_the_service", "time_to_send"]


def time_to_send(deadline: float, clock: Clock) -> float:
    """The seconds a request about to be sent may take: what is left of the call's
    ``deadline`` (a reading of ``clock``). Raises ``Cancelled`` for a call given up on, and
    ``RequestTimeoutError`` when the deadline passed before the request could be sent."""
    cancellation.check()
    time_left = deadline - clock.monotonic()
    if time_left <= 0:
        raise RequestTimeoutError("the call's deadline passed before the request could be sent")
    return time_left


def reached_the_service(error: BaseException) -> bool:
    """Whether a request that failed with ``error`` may have reached the service: not when
    no connection was made (refused, a name that does not resolve, a connect timeout) nor
    when TLS was never set up. Anything else, a cancel included, may have."""
    return not (
        isinstance(error, SmscError) and (never_connected(error) or isinstance(error, TLSError))
    )

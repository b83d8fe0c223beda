"""``StatusClient``'s options: one frozen, typed value, checked when the client is built.

``ClientOptions`` is the transports' ``SoapOptions`` (where and how requests go) and what the
client adds: the deadline, retries, the limits, the lockout, the clock and the transport.
``ClientOptionArgs`` is the same set as keyword arguments; a test holds the two equal.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from smsc_soap.calls.retries import DEFAULT_DEADLINE, RetryPolicy
from smsc_soap.errors import InvalidParametersError
from smsc_soap.limits.limiter import LEASE_MARGIN
from smsc_soap.limits.lockout import DEFAULT_COOLDOWN
from smsc_soap.limits.stores import LimitStore
from smsc_soap.runtime.clock import SYSTEM_CLOCK, Clock
from smsc_soap.transports.base import StatusTransport
from smsc_soap.transports.options import WIRE_OPTIONS, SoapOptionArgs, SoapOptions
from smsc_soap.wire.options import Seconds

__all__ = ["ClientOptionArgs", "ClientOptions"]

TransportChoice = Literal["soap", "http"] | StatusTransport


class ClientOptions(SoapOptions):
    deadline: Seconds = DEFAULT_DEADLINE
    retry: RetryPolicy = RetryPolicy()
    wait_for_limits: bool = True
    lockout_cooldown: float = Field(default=DEFAULT_COOLDOWN, ge=0, allow_inf_nan=False)
    clock: Clock = SYSTEM_CLOCK
    transport: TransportChoice = "soap"
    limits: str | LimitStore = "memory://"
    lease_margin: float = Field(default=LEASE_MARGIN, ge=0, allow_inf_nan=False)

    def check(self) -> None:
        if not isinstance(self.transport, str):
            # The wire options shape the built-in transports; a transport object was built
            # with its own, so these would be ignored without a word.
            ignored = sorted(self.model_fields_set & WIRE_OPTIONS)
            if ignored:
                raise InvalidParametersError(
                    f"option {ignored[0]!r} is for the built-in transports; give it to the"
                    " transport object instead",
                    option=ignored[0],
                )
            return
        if self.transport == "http" and self.wsdl is not None:
            raise InvalidParametersError(
                "option 'wsdl' is for the SOAP transport; the HTTP transport has no WSDL",
                option="wsdl",
            )
        super().check()


class ClientOptionArgs(SoapOptionArgs, total=False):
    deadline: float
    retry: RetryPolicy
    wait_for_limits: bool
    lockout_cooldown: float
    clock: Clock
    transport: TransportChoice
    limits: str | LimitStore
    lease_margin: float

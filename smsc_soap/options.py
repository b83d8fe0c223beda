"""``StatusClient``'s options: one frozen, typed value, checked when the client is built.

``ClientOptions`` are the SOAP transport's fields (where and how requests go, declared once
in ``SoapFields``) and what the client adds: the deadline, retries, the limits, the lockout,
the clock and the transport. They are not a transport's options: a built-in transport gets
its own alone (``for_http``, ``for_soap``). ``ClientOptionArgs`` is the same set as keyword
arguments, held to it by mypy (``keywords_of``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from typing_extensions import Unpack

from smsc_soap.calls.retries import DEFAULT_DEADLINE, RetryPolicy
from smsc_soap.errors import InvalidParametersError
from smsc_soap.limits.limiter import LEASE_MARGIN
from smsc_soap.limits.lockout import DEFAULT_COOLDOWN
from smsc_soap.limits.stores import LimitStore
from smsc_soap.runtime.checked_options import Options, keywords_of
from smsc_soap.runtime.clock import SYSTEM_CLOCK, Clock
from smsc_soap.transports.base import StatusTransport
from smsc_soap.transports.options import (
    WIRE_OPTIONS,
    SoapFields,
    SoapOptionArgs,
    SoapOptions,
    soap_options,
)
from smsc_soap.wire.options import Seconds, WireOptions, wire_options

__all__ = ["ClientOptionArgs", "ClientOptions", "client_options"]

TransportChoice = Literal["soap", "http"] | StatusTransport


class ClientOptions(SoapFields):
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
        # Refuses a bad endpoint or backup now, not at the first lookup.
        if self.transport == "http":
            self.for_http()
        else:
            self.for_soap()

    def for_http(self) -> WireOptions:
        """The HTTP transport's options: the wire's, and no others."""
        return wire_options(**self._given(WireOptions))

    def for_soap(self) -> SoapOptions:
        """The SOAP transport's options: the wire's and the WSDL, and no others."""
        return soap_options(**self._given(SoapOptions))

    def _given(self, options: type[Options]) -> dict[str, Any]:
        """The values given for the fields of ``options``; the others keep its defaults."""
        given = self.model_fields_set & options.model_fields.keys()
        return {name: getattr(self, name) for name in given}


class ClientOptionArgs(SoapOptionArgs, total=False):
    deadline: float
    retry: RetryPolicy
    wait_for_limits: bool
    lockout_cooldown: float
    clock: Clock
    transport: TransportChoice
    limits: str | LimitStore
    lease_margin: float


@keywords_of(ClientOptions)
def client_options(**given: Unpack[ClientOptionArgs]) -> ClientOptions:
    """``ClientOptions`` from keyword arguments, checked."""
    return ClientOptions(**given)

"""The built-in transports' options, one frozen value each, checked when it is made.

``SoapOptions`` are the wire's options (``smsc_soap.wire.options``) and the WSDL;
``SmppOptions`` are the SMPP transport's own. Each comes with a ``TypedDict`` of the same
names, the keyword arguments that build it, held to the options by mypy (``keywords_of``).
"""

from __future__ import annotations

from os import PathLike
from typing import TypedDict

from pydantic import Field, SkipValidation, field_validator
from typing_extensions import Unpack

from smsc_soap.runtime.checked_options import Options, keywords_of
from smsc_soap.wire.options import Seconds, WireFields, WireOptionArgs, WireOptions

__all__ = [
    "DEFAULT_MAX_PDU_BYTES",
    "WIRE_OPTIONS",
    "SmppOptionArgs",
    "SmppOptions",
    "SoapFields",
    "SoapOptionArgs",
    "SoapOptions",
    "smpp_options",
    "soap_options",
]

DEFAULT_MAX_PDU_BYTES = 1 << 16
"""A QUERY_SM_RESP is a few dozen bytes; an SMPP PDU claiming more than 64 KiB is not one."""


class SoapFields(WireFields):
    """The SOAP transport's options, each checked on its own: the wire's and the WSDL."""

    wsdl: SkipValidation[str | PathLike[str] | None] = None
    """A copy of the WSDL (a path or URL) instead of the one shipped in the package."""

    @field_validator("wsdl", mode="before")
    @classmethod
    def _path_or_url(cls, wsdl: object) -> object:
        if wsdl is not None and not isinstance(wsdl, str | PathLike):
            raise ValueError("must be a path or a URL")
        return wsdl


class SoapOptions(SoapFields, WireOptions):
    """The options the SOAP transport sends with: the wire's, and the WSDL it reads."""


class SmppOptions(Options):
    """Where the SMPP server is, the address the messages were sent from, and the session's
    timings. Over SMPP a message is named by its id and its sender (``source_addr``, with
    its ``ton`` and ``npi``), exactly as they were given when it was submitted."""

    host: str = Field(min_length=1, max_length=253, pattern=r"^[^\s/:]+$")
    port: int = Field(ge=1, le=65535)
    source_addr: str = Field(
        min_length=1, max_length=20, pattern=r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$"
    )
    source_addr_ton: int = Field(default=0, ge=0, le=255)
    source_addr_npi: int = Field(default=0, ge=0, le=255)
    system_type: str = Field(default="", max_length=12, pattern=r"^[\x20-\x7e]*$")
    timeout: Seconds = 10.0
    """Seconds to connect and bind, and to wait for each answer; a call's deadline can only
    shorten it."""
    enquire_link_interval: Seconds = 30.0
    """Seconds of quiet after which an enquire_link keeps the session alive; one left
    unanswered for as long ends the session, and the next lookup binds again."""
    max_pdu_bytes: int = Field(default=DEFAULT_MAX_PDU_BYTES, ge=64)


WIRE_OPTIONS = frozenset(SoapOptions.model_fields)
"""The options that say how a built-in transport sends: meaningless with a transport object."""


class SoapOptionArgs(WireOptionArgs, total=False):
    wsdl: str | PathLike[str] | None


class SmppOptionArgs(TypedDict, total=False):
    host: str
    port: int
    source_addr: str
    source_addr_ton: int
    source_addr_npi: int
    system_type: str
    timeout: float
    enquire_link_interval: float
    max_pdu_bytes: int


@keywords_of(SoapOptions)
def soap_options(**given: Unpack[SoapOptionArgs]) -> SoapOptions:
    """``SoapOptions`` from keyword arguments, checked."""
    return SoapOptions(**given)


@keywords_of(SmppOptions)
def smpp_options(**given: Unpack[SmppOptionArgs]) -> SmppOptions:
    """``SmppOptions`` from keyword arguments, checked."""
    return SmppOptions(**given)

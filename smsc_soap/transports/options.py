"""The built-in transports' options, one frozen value, checked when it is made.

``WireOptions`` says where requests go and what the wire may spend on them; ``SoapOptions``
adds the WSDL; ``SmppOptions`` are the SMPP transport's own. ``StatusClient``'s own options
extend these (``smsc_soap.options``). Each comes with a ``TypedDict`` of the same names, the
keyword arguments that build it.
"""

from __future__ import annotations

from collections.abc import Mapping
from os import PathLike
from typing import Annotated, TypedDict, TypeVar

import requests
from pydantic import BaseModel, ConfigDict, Field, SkipValidation, ValidationError, field_validator

from ..errors import InvalidParametersError
from ..hosts import DEFAULT_BACKUP_HOSTS, KNOWN_HOSTS, backup_url, endpoint_url

__all__ = [
    "DEFAULT_MAX_PDU_BYTES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "WIRE_OPTIONS",
    "SmppOptionArgs",
    "SmppOptions",
    "SoapOptionArgs",
    "SoapOptions",
    "Timeout",
    "WireOptionArgs",
    "WireOptions",
]

Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
"""A positive, finite number of seconds."""
Timeout = float | tuple[float, float]
DEFAULT_TIMEOUT: Timeout = (10.0, 30.0)
"""Seconds to connect, and to wait for each read of the reply."""
DEFAULT_MAX_RESPONSE_BYTES = 1 << 20
"""A status reply is a few hundred bytes; anything past 1 MiB is not one."""

DEFAULT_MAX_PDU_BYTES = 1 << 16
"""A QUERY_SM_RESP is a few dozen bytes; an SMPP PDU claiming more than 64 KiB is not one."""

_O = TypeVar("_O", bound="Options")


class Options(BaseModel):
    """Frozen, strict: ``True`` is not a number here, nor ``"10"`` a timeout."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", strict=True, arbitrary_types_allowed=True
    )

    @classmethod
    def of(cls: type[_O], given: Mapping[str, object]) -> _O:
        """Options from keyword arguments; ``InvalidParametersError`` naming the first one at
        fault. The input is never quoted: an option may hold a URL with a secret in it."""
        try:
            options = cls.model_validate(dict(given))
        except ValidationError as error:
            raise _invalid(error) from None
        options.check()
        return options

    @classmethod
    def resolve(cls: type[_O], options: Options | None, given: Mapping[str, object]) -> _O:
        """``options`` made already, or options from the keywords ``given``; not both."""
        if options is None:
            return cls.of(given)
        if given:
            raise InvalidParametersError(
                f"give options as one value or as keywords, not both ({', '.join(given)})"
            )
        if not isinstance(options, cls):
            raise InvalidParametersError(f"options must be {cls.__name__}, not {options!r}")
        return options

    def check(self) -> None:
        """Checks across options, after each one is valid on its own."""


class WireOptions(Options):
    host: str = "smsc.ru"
    endpoint: str | None = None
    backup_hosts: tuple[str, ...] | None = None
    """Host names (``www2.smsc.ru``) or whole URLs, tried in turn when no connection to the
    main one can be made; ``None``: ``("www2.smsc.ru",)`` for smsc.ru, none for the other
    hosts or with ``endpoint``."""
    allow_insecure_http: bool = False
    timeout: Seconds | tuple[Seconds, Seconds] = DEFAULT_TIMEOUT
    max_response_bytes: int = Field(default=DEFAULT_MAX_RESPONSE_BYTES, ge=1)
    session: requests.Session | None = None

    @field_validator("host")
    @classmethod
    def _known_host(cls, host: str) -> str:
        if host not in KNOWN_HOSTS:
            raise ValueError(
                f"must be one of {', '.join(KNOWN_HOSTS)}; give endpoint for another address"
            )
        return host

    def check(self) -> None:
        self.urls("/")  # refuses a bad endpoint or backup now, not at the first lookup

    def url(self, path: str) -> str:
        """Where requests for ``path`` go: ``endpoint``, or ``https://{host}{path}``."""
        return endpoint_url(
            self.host, path, self.endpoint, allow_insecure_http=self.allow_insecure_http
        )

    def urls(self, path: str) -> tuple[str, ...]:
        """``url(path)``, then the backups' URLs for ``path``, in the order they are tried."""
        backups = self.backup_hosts
        if backups is None:
            backups = DEFAULT_BACKUP_HOSTS.get(self.host, ()) if self.endpoint is None else ()
        return (
            self.url(path),
            *(
                backup_url(backup, path, allow_insecure_http=self.allow_insecure_http)
                for backup in backups
            ),
        )

    @property
    def connect_and_read_timeouts(self) -> tuple[float, float]:
        timeout = self.timeout
        return timeout if isinstance(timeout, tuple) else (timeout, timeout)


class SoapOptions(WireOptions):
    wsdl: SkipValidation[str | PathLike[str] | None] = None
    """A copy of the WSDL (a path or URL) instead of the one shipped in the package."""

    @field_validator("wsdl", mode="before")
    @classmethod
    def _path_or_url(cls, wsdl: object) -> object:
        if wsdl is not None and not isinstance(wsdl, str | PathLike):
            raise ValueError("must be a path or a URL")
        return wsdl


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


class WireOptionArgs(TypedDict, total=False):
    host: str
    endpoint: str | None
    backup_hosts: tuple[str, ...] | None
    allow_insecure_http: bool
    timeout: Timeout
    max_response_bytes: int
    session: requests.Session | None


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


def _invalid(error: ValidationError) -> InvalidParametersError:
    problems = error.errors(include_url=False, include_input=False)
    where = problems[0]["loc"]
    option = str(where[0]) if where else None
    said = [
        _reworded(problem["type"], problem["msg"])
        for problem in problems
        if problem["loc"][:1] == where[:1]
    ]
    text = "; or ".join(dict.fromkeys(said))
    if option is None:
        return InvalidParametersError(f"options: {text}")
    return InvalidParametersError(f"option {option!r}: {text}", option=option)


def _reworded(kind: str, message: str) -> str:
    if kind == "extra_forbidden":
        return "no such option"
    return message.removeprefix("Value error, ")

"""Where requests go and what the wire may spend on them: ``WireOptions``, one frozen value,
checked when it is made, with ``WireOptionArgs``, the keyword arguments that build it.

The fields are declared once, in ``WireFields``: ``WireOptions`` adds what the wire does with
them, and the client's options take the same fields without being wire options."""

from __future__ import annotations

from typing import Annotated, TypedDict

import requests
from pydantic import Field, field_validator
from typing_extensions import Unpack

from smsc_soap.runtime.checked_options import Options, keywords_of
from smsc_soap.service.hosts import DEFAULT_BACKUP_HOSTS, KNOWN_HOSTS, backup_url, endpoint_url

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "Seconds",
    "Timeout",
    "WireFields",
    "WireOptionArgs",
    "WireOptions",
    "wire_options",
]

Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
"""A positive, finite number of seconds."""
Timeout = float | tuple[float, float]
DEFAULT_TIMEOUT: Timeout = (10.0, 30.0)
"""Seconds to connect, and to wait for each read of the reply."""
DEFAULT_MAX_RESPONSE_BYTES = 1 << 20
"""A status reply is a few hundred bytes; anything past 1 MiB is not one."""


class WireFields(Options):
    """The wire's options, each checked on its own."""

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


class WireOptions(WireFields):
    """The options a built-in transport sends with: where, how long, how much."""

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


class WireOptionArgs(TypedDict, total=False):
    host: str
    endpoint: str | None
    backup_hosts: tuple[str, ...] | None
    allow_insecure_http: bool
    timeout: Timeout
    max_response_bytes: int
    session: requests.Session | None


@keywords_of(WireOptions)
def wire_options(**given: Unpack[WireOptionArgs]) -> WireOptions:
    """``WireOptions`` from keyword arguments, checked."""
    return WireOptions(**given)

"""One HTTP POST with the limits every built-in transport keeps.

Timeouts on connect and on each read, capped by the time the call has left; the body read in
pieces as they arrive, so a reply that drips past the deadline or grows past the size cap
(counted after decompression) is cut off instead of read whole; no redirects followed, since
the request body carries the password.
"""

from __future__ import annotations

import email.utils
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import ClassVar, TypeVar

import requests
import urllib3

from ..errors import (
    HTTPStatusError,
    InvalidParametersError,
    MalformedResponseError,
    RequestTimeoutError,
)
from ..hosts import endpoint_url
from .failures import redact, third_party_errors

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "HTTP_BODY_KEPT",
    "Timeout",
    "Wire",
    "WireReply",
    "WireTransport",
]

logger = logging.getLogger("smsc_soap.transport")

Timeout = float | tuple[float, float]
DEFAULT_TIMEOUT: Timeout = (10.0, 30.0)
"""Seconds to connect, and to wait for each read of the reply."""
DEFAULT_MAX_RESPONSE_BYTES = 1 << 20
"""A status reply is a few hundred bytes; anything past 1 MiB is not one."""
HTTP_BODY_KEPT = 2048

_CHUNK = 64 * 1024
_CHARSET = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9._:-]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class WireReply:
    """A whole reply: status, the charset its Content-Type names, the decoded body."""

    status_code: int
    charset: str | None
    content: bytes
    retry_after: float | None

    def text(self, secret: str, limit: int | None = None) -> str:
        """The body (or its first ``limit`` characters) as text with ``secret`` redacted.

        Redacted before it is cut, so no cut leaves part of the secret behind.
        """
        try:
            text = self.content.decode(self.charset or "utf-8", errors="replace")
        except LookupError:  # a charset Python does not know
            text = self.content.decode("utf-8", errors="replace")
        return redact(text, secret)[:limit]

    def status_error(self, secret: str) -> HTTPStatusError:
        return HTTPStatusError(
            self.status_code, self.text(secret, HTTP_BODY_KEPT), retry_after=self.retry_after
        )


class Wire:
    """POSTs over one ``requests.Session`` with timeouts, a deadline and a size cap."""

    def __init__(
        self,
        session: requests.Session,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        if max_response_bytes < 1:
            raise InvalidParametersError("max_response_bytes must be at least 1")
        self.session = session
        self.connect_timeout, self.read_timeout = (
            timeout if isinstance(timeout, tuple) else (timeout, timeout)
        )
        self.max_response_bytes = max_response_bytes

    def post(
        self, url: str, body: bytes, headers: dict[str, str], *, time_left: float
    ) -> WireReply:
        """Send ``body`` and read the whole reply within ``time_left`` seconds."""
        if time_left <= 0:
            raise RequestTimeoutError("the call's deadline passed before the request was sent")
        deadline = time.monotonic() + time_left
        timeouts = (min(self.connect_timeout, time_left), min(self.read_timeout, time_left))
        with third_party_errors():
            response = self.session.post(
                url,
                data=body,
                headers=headers,
                timeout=timeouts,
                allow_redirects=False,
                stream=True,
                hooks={"response": _unredirectable},
            )
            try:
                content = self._body(response, deadline)
            finally:
                response.close()
        logger.debug("HTTP %s from %s, %d bytes", response.status_code, url, len(content))
        match = _CHARSET.search(response.headers.get("Content-Type", ""))
        return WireReply(
            status_code=response.status_code,
            charset=match.group(1) if match else None,
            content=content,
            retry_after=_retry_after(response.headers.get("Retry-After")),
        )

    def _body(self, response: requests.Response, deadline: float) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_response_bytes:
            raise self._too_large(f"Content-Length {declared}")
        content = bytearray()
        for chunk in _pieces(response):
            content += chunk
            if len(content) > self.max_response_bytes:
                raise self._too_large(f"{len(content)} bytes arrived")
            if time.monotonic() > deadline:
                raise RequestTimeoutError(
                    f"the reply was still arriving when the call's deadline passed"
                    f" ({len(content)} bytes read)"
                )
        return bytes(content)

    def _too_large(self, seen: str) -> MalformedResponseError:
        return MalformedResponseError(
            f"the reply is larger than the {self.max_response_bytes}-byte cap ({seen});"
            " not read further"
        )


def _pieces(response: requests.Response) -> Iterator[bytes]:
    raw = response.raw
    if isinstance(raw, urllib3.BaseHTTPResponse):
        # read1 returns what has arrived (decompressed, bounded by the amount asked), so
        # the deadline and the cap are checked as the body comes in.
        return iter(lambda: raw.read1(_CHUNK, decode_content=True), b"")
    # A session with an adapter of its own may hand over another kind of body.
    return response.iter_content(_CHUNK)


_Transport = TypeVar("_Transport", bound="WireTransport")


class WireTransport:
    """What the built-in transports share: the service URL (``https://{host}{path}`` or
    ``endpoint``), a session of their own or the caller's, and the ``Wire`` over it."""

    path: ClassVar[str]

    def __init__(
        self,
        *,
        host: str = "smsc.ru",
        endpoint: str | None = None,
        allow_insecure_http: bool = False,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        session: requests.Session | None = None,
    ) -> None:
        self.endpoint = endpoint_url(
            host, self.path, endpoint, allow_insecure_http=allow_insecure_http
        )
        self._owns_session = session is None
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = "smsc-soap"  # a caller's session keeps its own
        self._wire = Wire(session, timeout=timeout, max_response_bytes=max_response_bytes)

    def close(self) -> None:
        """Close the session, if the transport made it."""
        if self._owns_session:
            self._wire.session.close()

    def __enter__(self: _Transport) -> _Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(endpoint={self.endpoint!r})"


def _unredirectable(response: requests.Response, *args: object, **kwargs: object) -> None:
    # Even with allow_redirects=False, requests reads a redirect's whole body, past the cap
    # and the deadline, to prepare the next hop. Without Location it is not a redirect.
    response.headers.pop("Location", None)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)

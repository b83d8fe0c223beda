"""One HTTP POST with the limits every built-in transport keeps.

Timeouts on connect and on each read, capped by the time the call has left; the body read in
pieces as they arrive, so a reply that drips past the deadline or grows past the size cap
(counted after decompression) is cut off instead of read whole; a body shorter than its
``Content-Length`` is a broken connection; no redirects followed, since the request body
carries the password; the secret taken out of the reply before anything reads it.
"""

from __future__ import annotations

import codecs
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
    ConnectionFailedError,
    HTTPStatusError,
    MalformedResponseError,
    RequestTimeoutError,
)
from ..failures import Step, mapped
from ..redaction import redacted
from .options import WireOptions
from .session import own_session

__all__ = ["HTTP_BODY_KEPT", "Wire", "WireReply", "WireTransport"]

logger = logging.getLogger("smsc_soap.transports")

HTTP_BODY_KEPT = 2048

_CHUNK = 64 * 1024
_CHARSET = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9._:-]+)", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]{1,18}", re.ASCII)


@dataclass(frozen=True, slots=True)
class WireReply:
    """A whole reply: status, the charset its Content-Type names, the decoded body with the
    secret already taken out."""

    status_code: int
    charset: str | None
    content: bytes
    retry_after: float | None

    def text(self, limit: int | None = None) -> str:
        """The body (or its first ``limit`` characters) as text."""
        charset = self.charset if self.charset and _known_codec(self.charset) else "utf-8"
        return self.content.decode(charset, errors="replace")[:limit]

    def status_error(self) -> HTTPStatusError:
        return HTTPStatusError(
            self.status_code, self.text(HTTP_BODY_KEPT), retry_after=self.retry_after
        )


class Wire:
    """POSTs over one ``requests.Session`` with timeouts, a deadline and a size cap."""

    def __init__(self, session: requests.Session, options: WireOptions) -> None:
        self.session = session
        self.connect_timeout, self.read_timeout = options.connect_and_read_timeouts
        self.max_response_bytes = options.max_response_bytes

    def post(
        self, url: str, body: bytes, headers: dict[str, str], *, time_left: float, secret: str
    ) -> WireReply:
        """Send ``body`` and read the whole reply within ``time_left`` seconds; ``secret`` is
        taken out of the reply before it is returned."""
        if time_left <= 0:
            raise RequestTimeoutError("the call's deadline passed before the request was sent")
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("POST %s\n%s", url, _shown(redacted(body, secret)))
        deadline = time.monotonic() + time_left
        timeouts = (min(self.connect_timeout, time_left), min(self.read_timeout, time_left))
        with mapped(Step.SEND):
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
                content = redacted(self._body(response, deadline), secret)
            finally:
                response.close()
        logger.debug("HTTP %s from %s, %d bytes", response.status_code, url, len(content))
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("reply from %s\n%s", url, _shown(content))
        match = _CHARSET.search(response.headers.get("Content-Type", ""))
        return WireReply(
            status_code=response.status_code,
            charset=match.group(1) if match else None,
            content=content,
            retry_after=_retry_after(response.headers.get("Retry-After")),
        )

    def _body(self, response: requests.Response, deadline: float) -> bytes:
        declared = _length(response.headers.get("Content-Length"))
        if declared is not None and declared > self.max_response_bytes:
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
        arrived = _bytes_on_the_wire(response, len(content))
        if declared is not None and arrived < declared:
            raise ConnectionFailedError(
                f"the connection closed after {arrived} of the {declared} bytes the reply"
                " announced"
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
    """What the built-in transports share: their options, the service URL (``https://{host}
    {path}`` or ``endpoint``), a session of their own or the caller's, and the ``Wire``."""

    path: ClassVar[str]

    def __init__(self, options: WireOptions) -> None:
        self.options = options
        self.endpoint = options.url(self.path)
        self._owns_session = options.session is None
        session = options.session
        if session is None:  # a caller's session is used as the caller set it up
            session = own_session(self.endpoint)
        self._wire = Wire(session, options)

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
    if _DIGITS.fullmatch(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):  # the standard library's own parse errors
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)


def _length(value: str | None) -> int | None:
    """A ``Content-Length``: ASCII digits, or nothing to go by."""
    return int(value) if value is not None and _DIGITS.fullmatch(value.strip()) else None


def _bytes_on_the_wire(response: requests.Response, decoded: int) -> int:
    # Content-Length counts the body as sent, compressed or not; urllib3 counts that too.
    raw = response.raw
    return raw.tell() if isinstance(raw, urllib3.BaseHTTPResponse) else decoded


def _known_codec(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _shown(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")

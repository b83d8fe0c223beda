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
import functools
import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import ClassVar, TypeVar
from urllib.parse import urlsplit

import requests
import urllib3

from smsc_soap.errors import (
    ConnectionFailedError,
    HTTPStatusError,
    MalformedResponseError,
    RequestTimeoutError,
    SmscError,
    TransportError,
)
from smsc_soap.runtime import cancellation
from smsc_soap.runtime.foreign_errors import Step, mapped, never_connected
from smsc_soap.wire.options import WireOptions
from smsc_soap.wire.redaction import redacted
from smsc_soap.wire.session import own_session
from smsc_soap.wire.watchdog import WatchedAdapter, watch_reply, watching

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
        if options.session is None:
            # A session of the transport's own: its sockets are shut at the deadline, from
            # the connection on. A caller's session is used as the caller set it up.
            for prefix in ("https://", "http://"):
                session.mount(prefix, WatchedAdapter())

    def post(
        self,
        urls: Sequence[str],
        body: bytes,
        headers: dict[str, str],
        *,
        time_left: float,
        secret: str,
    ) -> WireReply:
        """Send ``body`` to the first of ``urls`` that takes a connection, and read the whole
        reply within ``time_left`` seconds; ``secret`` is taken out of the reply before it is
        returned. The next URL is tried only when no connection to one could be made, so a
        request is never sent twice."""
        deadline = time.monotonic() + time_left
        *tried_first, tried_last = urls
        unreached: list[TransportError] = []
        for url in tried_first:
            try:
                reply = self._post(url, body, headers, deadline=deadline, secret=secret)
            except TransportError as error:
                if not never_connected(error):
                    raise
                logger.info("no connection to %s (%s); trying the next host", _host(url), error)
                unreached.append(error)
                continue
            return _answered(reply, url, urls[0])
        try:
            reply = self._post(
                tried_last,
                body,
                headers,
                deadline=deadline,
                secret=secret,
                unreached=unreached[-1] if unreached else None,
            )
        except TransportError as error:
            if unreached and never_connected(error):
                raise _none_reached(error, [str(each) for each in unreached]) from error.__cause__
            raise
        return _answered(reply, tried_last, urls[0])

    def _post(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        *,
        deadline: float,
        secret: str,
        unreached: TransportError | None = None,
    ) -> WireReply:
        cancellation.check()  # e.g. before trying the next host
        time_left = deadline - time.monotonic()
        if time_left <= 0:
            # Caused by the host before that took no connection: the request never left.
            raise RequestTimeoutError(
                "the call's deadline passed before the request was sent"
            ) from unreached
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("POST %s\n%s", url, _shown(redacted(body, secret)))
        timeouts = (min(self.connect_timeout, time_left), min(self.read_timeout, time_left))
        with watching(deadline) as watch:
            try:
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
                    watch_reply(watch, response.raw)
                    match = _CHARSET.search(response.headers.get("Content-Type", ""))
                    charset = match.group(1) if match else None
                    try:
                        content = redacted(self._body(response, deadline), secret, charset)
                    finally:
                        response.close()
            except SmscError as error:
                if watch.fired:
                    raise _cut_off() from error
                if isinstance(error, TransportError) and _UNNAMED in str(error.args[0]):
                    raise _naming(error, url) from error.__cause__
                raise
            if watch.fired:  # the shut socket may have read as the end of the reply
                raise _cut_off()
        logger.debug("HTTP %s from %s, %d bytes", response.status_code, url, len(content))
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("reply from %s\n%s", url, _shown(content))
        return WireReply(
            status_code=response.status_code,
            charset=charset,
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
                f"the connection closed after {arrived} of the {declared} bytes the reply announced"
            )
        return bytes(content)

    def _too_large(self, seen: str) -> MalformedResponseError:
        return MalformedResponseError(
            f"the reply is larger than the {self.max_response_bytes}-byte cap ({seen});"
            " not read further"
        )


def _answered(reply: WireReply, url: str, main: str) -> WireReply:
    if url != main:
        logger.info("%s answered in place of %s", _host(url), _host(main))
    return reply


def _cut_off() -> RequestTimeoutError:
    return RequestTimeoutError(
        "the call's deadline passed before the reply was complete; the connection was closed"
    )


def _none_reached(last: TransportError, unreached: list[str]) -> TransportError:
    """``last`` (of its own class, with its cause), telling every host tried, in order."""
    every = last.copy()
    every.args = (f"no host could be reached: {'; '.join([*unreached, str(last)])}",)
    return every


# How an error read from the libraries speaks of the server when they did not name it.
_UNNAMED = "the connection to the service "


def _naming(error: TransportError, url: str) -> TransportError:
    """``error`` (of its own class, with its cause) naming the address it was sent to."""
    named = error.copy()
    named.args = (str(error.args[0]).replace(_UNNAMED, f"the connection to {_host(url)} "),)
    return named


def _host(url: str) -> str:
    # The host alone: the rest of an endpoint may carry a secret.
    return urlsplit(url).netloc.rpartition("@")[2] or "the endpoint"


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
    {path}`` or ``endpoint``) and its backups, a session of their own or the caller's, and
    the ``Wire``."""

    path: ClassVar[str]

    def __init__(self, options: WireOptions) -> None:
        self.options = options
        self.endpoint = options.url(self.path)
        self._owns_session = options.session is None
        session = options.session
        if session is None:  # a caller's session is used as the caller set it up
            session = own_session(self.endpoint)
        self._wire = Wire(session, options)

    @functools.cached_property
    def endpoints(self) -> tuple[str, ...]:
        """``endpoint``, then the backups tried when no connection to it can be made."""
        return self.options.urls(self.path)

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

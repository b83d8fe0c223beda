"""The one place where third-party exceptions become smsc-soap errors.

Transports run everything that touches requests, urllib3, zeep or lxml inside
``third_party_errors()``; whatever those libraries raise leaves it as an ``SmscError`` with the
original as its ``__cause__``. Checks run most specific first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import quote_plus
from xml.sax.saxutils import escape

import requests
import urllib3.exceptions
import zeep.exceptions
from lxml import etree

from ..errors import (
    ConnectionFailedError,
    HTTPStatusError,
    InvalidParametersError,
    MalformedResponseError,
    RequestTimeoutError,
    SmscError,
    SoapFaultError,
    TLSError,
    TransportError,
)

__all__ = [
    "REDACTED",
    "THIRD_PARTY_ERRORS",
    "echoes_redacted",
    "redact",
    "third_party_errors",
    "translated",
]

REDACTED = "<redacted>"

T = TypeVar("T")

THIRD_PARTY_ERRORS: tuple[type[Exception], ...] = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    zeep.exceptions.Error,
    etree.LxmlError,
    UnicodeError,
)
"""What the libraries under the transports raise; ``translated`` maps every one of them."""

_QUOTES = {'"': "&quot;", "'": "&apos;"}
_TIMEOUTS = (requests.Timeout, urllib3.exceptions.TimeoutError)
_TLS = (requests.exceptions.SSLError, urllib3.exceptions.SSLError)
_BROKEN = (
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.IncompleteRead,
    urllib3.exceptions.InvalidChunkLength,
    urllib3.exceptions.ProxyError,
    urllib3.exceptions.NewConnectionError,
    urllib3.exceptions.MaxRetryError,
)
_UNREADABLE = (
    requests.exceptions.ContentDecodingError,
    requests.exceptions.InvalidJSONError,
    urllib3.exceptions.DecodeError,
    zeep.exceptions.XMLSyntaxError,
    zeep.exceptions.XMLParseError,
    zeep.exceptions.UnexpectedElementError,
    zeep.exceptions.DTDForbidden,
    zeep.exceptions.EntitiesForbidden,
    etree.LxmlError,
    UnicodeError,
)


def translated(exc: Exception) -> SmscError:
    """The ``SmscError`` for an exception of requests, urllib3, zeep or lxml."""
    # Messages of requests and urllib3 exceptions hold the URL, never the body, so no
    # password is in them; zeep's and lxml's describe the XML, which the transports redact.
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        # urllib3 derives it from ConnectTimeoutError for old callers; it is a refusal.
        return ConnectionFailedError(f"the connection to the service failed: {exc}")
    if _timed_out(exc):
        return RequestTimeoutError(f"the service did not answer in time: {exc}")
    if isinstance(exc, _TLS):
        return TLSError(f"the TLS connection to the service failed: {exc}")
    if isinstance(exc, _BROKEN):
        return ConnectionFailedError(f"the connection to the service failed: {exc}")
    if isinstance(exc, zeep.exceptions.Fault):
        return SoapFaultError(str(exc.code or ""), exc.message or "", _fault_detail(exc))
    if isinstance(exc, zeep.exceptions.TransportError):
        return HTTPStatusError(exc.status_code, _text(exc.content))
    if isinstance(exc, zeep.exceptions.ValidationError):
        return InvalidParametersError(f"the request does not fit the WSDL: {exc}")
    if isinstance(exc, _UNREADABLE):
        return MalformedResponseError(f"the reply could not be read: {exc}")
    return TransportError(f"the request could not be made: {type(exc).__name__}: {exc}")


def _timed_out(exc: Exception) -> bool:
    # requests reports a read timeout while streaming the body as a ConnectionError that
    # wraps urllib3's ReadTimeoutError.
    return isinstance(exc, _TIMEOUTS) or (
        isinstance(exc, requests.ConnectionError)
        and any(isinstance(arg, urllib3.exceptions.TimeoutError) for arg in exc.args)
    )


def _fault_detail(fault: zeep.exceptions.Fault) -> str | None:
    detail = fault.detail
    if detail is None:
        return None
    if isinstance(detail, etree._Element):
        return "".join(str(text) for text in detail.itertext())
    return str(detail)


def _text(content: object) -> str:
    if isinstance(content, bytes):
        return content[:2048].decode("utf-8", errors="replace")
    return "" if content is None else str(content)[:2048]


@contextmanager
def third_party_errors() -> Iterator[None]:
    """Run a block whose library exceptions must leave it as ``SmscError``."""
    try:
        yield
    except THIRD_PARTY_ERRORS as exc:
        raise translated(exc) from exc


def echoes_redacted(secret: str, read: Callable[[], T]) -> T:
    """``read()``, whose errors may quote the reply, and so an echo of the request: they
    leave it with ``secret`` taken out."""
    cleaned: TransportError
    try:
        return read()
    except SoapFaultError as fault:
        cleaned = SoapFaultError(
            redact(fault.faultcode, secret),
            redact(fault.faultstring, secret),
            None if fault.detail is None else redact(fault.detail, secret),
        )
        cause = None
    except MalformedResponseError as error:
        cleaned = MalformedResponseError(redact(str(error), secret))
        cause = error.__cause__
    # Raised here, past the handlers, so the unredacted error is not kept as its context.
    raise cleaned from cause


def redact(text: str, secret: str) -> str:
    """``text`` with ``secret`` replaced wherever a reply could echo it: as sent in a form
    body, as escaped in XML, or as it is."""
    if not secret:
        return text
    for spelling in sorted({quote_plus(secret), escape(secret, _QUOTES), secret}, key=len)[::-1]:
        text = text.replace(spelling, REDACTED)
    return text

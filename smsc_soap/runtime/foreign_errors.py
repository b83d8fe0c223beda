"""The one place where exceptions of other libraries become smsc-soap errors.

Code that calls requests, urllib3, zeep, lxml, smpplib, the codecs or the operating system runs it
inside ``mapped(step)``; whatever those raise leaves the block as an ``SmscError`` chosen by
the table in ``translated``, with the original as its ``__cause__``. The step says what was
being done, since the same exception means different things there: a ``ValueError`` while
building a request is bad input, while reading a reply a broken reply. Nothing outside this
module catches a third-party exception.
"""

from __future__ import annotations

import enum
import http.client
import re
import socket
import struct
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import requests
import urllib3.exceptions

from smsc_soap.errors import (
    ConnectionFailedError,
    HostNotFoundError,
    HTTPStatusError,
    InvalidParametersError,
    LimitStoreError,
    MalformedResponseError,
    RequestTimeoutError,
    SmscError,
    SoapFaultError,
    StatusStoreError,
    TLSError,
    TransportError,
)

if TYPE_CHECKING:
    import zeep.exceptions

__all__ = ["Step", "mapped", "never_connected", "third_party_errors", "translated"]


class Step(enum.Enum):
    """What the code inside ``mapped`` was doing."""

    BUILD = "building the request"
    SEND = "sending the request"
    READ = "reading the reply"
    LOAD_WSDL = "loading the WSDL"
    CHECK_WSDL = "reading a fetched WSDL"
    LIMITS = "using the limit store"
    STATUSES = "using the status store"


_STORES = frozenset({Step.LIMITS, Step.STATUSES})

_ALWAYS_LOADED: tuple[type[Exception], ...] = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    OSError,
    ValueError,  # UnicodeError and json's JSONDecodeError among them
    LookupError,  # an unknown codec; KeyError from a WSDL without the service
    TypeError,  # zeep, given a value its schema type cannot take
    struct.error,  # smpplib, packing or unpacking a PDU's fields
)

_TIMEOUTS = (requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)
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
_UNREADABLE: tuple[type[Exception], ...] = (
    requests.exceptions.ContentDecodingError,
    requests.exceptions.InvalidJSONError,
    urllib3.exceptions.DecodeError,
    ValueError,
    LookupError,
    TypeError,
    struct.error,
)


def third_party_errors() -> tuple[type[Exception], ...]:
    """What the code under the transports and the WSDL tools raises; ``translated`` maps it all.

    lxml and zeep are imported only with the SOAP transport and the WSDL tools, smpplib only
    with the SMPP ones. Until they are loaded none of their exceptions can have been raised,
    and naming them would load them.
    """
    errors = _ALWAYS_LOADED + _smpplib_errors()
    if "lxml.etree" in sys.modules:
        from lxml import etree

        errors += (etree.LxmlError,)
    if "zeep.exceptions" in sys.modules:
        import zeep.exceptions

        errors += (zeep.exceptions.Error,)
    return errors


def _smpplib_errors() -> tuple[type[Exception], ...]:
    """What smpplib raises for a PDU it cannot build or read: a command it does not know,
    an optional parameter it cannot place."""
    if "smpplib.exceptions" not in sys.modules:
        return ()
    import smpplib.exceptions

    return (smpplib.exceptions.UnknownCommandError, smpplib.exceptions.PDUError)


def _unreadable() -> tuple[type[Exception], ...]:
    unreadable = _UNREADABLE + _smpplib_errors()
    if "lxml.etree" in sys.modules:
        from lxml import etree

        unreadable += (etree.LxmlError,)
    if "zeep.exceptions" in sys.modules:
        import zeep.exceptions

        unreadable += (
            zeep.exceptions.XMLSyntaxError,
            zeep.exceptions.XMLParseError,
            zeep.exceptions.UnexpectedElementError,
            zeep.exceptions.DTDForbidden,
            zeep.exceptions.EntitiesForbidden,
        )
    return unreadable


@contextmanager
def mapped(step: Step) -> Iterator[None]:
    """Run a block whose third-party exceptions must leave it as ``SmscError``."""
    try:
        yield
    except SmscError:
        raise
    except Exception as exc:
        # A store is out of use, whatever its driver raised (sqlite3, redis-py): the limit
        # store fails closed, the status store is done without.
        if not (step in _STORES or isinstance(exc, third_party_errors())):
            raise
        _forget_request(exc)
        raise translated(exc, step) from exc


def translated(exc: Exception, step: Step) -> SmscError:
    """The ``SmscError`` for a third-party exception raised during ``step``; most specific
    first. Messages of requests and urllib3 exceptions name the URL, never the body; those of
    zeep and lxml describe XML that was redacted before it was parsed."""
    if step is Step.LIMITS:
        return LimitStoreError(
            f"the limit store could not be used, so the request was not sent: {_describe(exc)}"
        )
    if step is Step.STATUSES:
        return StatusStoreError(f"the status store could not be used: {_describe(exc)}")
    if step is Step.BUILD:
        return InvalidParametersError(f"the request cannot be built: {_describe(exc)}")
    if step is Step.LOAD_WSDL and not isinstance(exc, requests.RequestException):
        return InvalidParametersError(f"the WSDL could not be loaded: {_describe(exc)}")
    if step is Step.CHECK_WSDL and isinstance(exc, _unreadable()):
        return MalformedResponseError(f"not a WSDL of the status service: {_describe(exc)}")
    if isinstance(_underlying(exc), urllib3.exceptions.NameResolutionError):
        return HostNotFoundError(_unresolved(_underlying(exc)))
    if isinstance(exc, socket.gaierror):  # a plain socket's (SMPP) name lookup
        return HostNotFoundError(f"the service's host name does not resolve: {_describe(exc)}")
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        # urllib3 derives it from ConnectTimeoutError for old callers; it is a refusal.
        return ConnectionFailedError(_not_connected(exc))
    if _timed_out(exc):
        return RequestTimeoutError(_too_slow(_underlying(exc)))
    if isinstance(exc, _TLS):
        return TLSError(f"the TLS connection to the service failed: {_describe(_underlying(exc))}")
    from_zeep = _zeep_reply(exc)
    if from_zeep is not None:
        return from_zeep
    if isinstance(exc, _BROKEN):
        return ConnectionFailedError(_not_connected(_underlying(exc)))
    if isinstance(exc, _unreadable()) and not isinstance(exc, requests.exceptions.InvalidURL):
        return MalformedResponseError(f"the reply could not be read: {_describe(exc)}")
    if isinstance(exc, OSError) and not isinstance(exc, requests.RequestException):
        # The socket's own: a reset, a refusal, an unreachable network.
        return ConnectionFailedError(f"the connection to the service failed: {_describe(exc)}")
    return TransportError(f"{step.value} failed: {_describe(exc)}")


_NO_CONNECTION = (
    urllib3.exceptions.NewConnectionError,  # refused, unreachable, a name that does not resolve
    urllib3.exceptions.ConnectTimeoutError,
)


def never_connected(error: BaseException) -> bool:
    """Whether the error a ``mapped`` block raised says no connection was made (refused, the
    name did not resolve, the connect timed out): the request cannot have been sent."""
    cause = error.__cause__
    if isinstance(cause, SmscError):  # raised for one that made no connection either
        return never_connected(cause)
    if isinstance(cause, requests.exceptions.ConnectTimeout | ConnectionRefusedError):
        return True  # a plain socket (SMPP) is refused only when it connects
    if isinstance(cause, socket.gaierror):
        return True
    reason = cause.args[0] if isinstance(cause, requests.ConnectionError) and cause.args else cause
    return isinstance(getattr(reason, "reason", reason), _NO_CONNECTION)


def _zeep_reply(exc: Exception) -> SmscError | None:
    """A SOAP fault or an HTTP error status, as zeep reports them (fetching a WSDL)."""
    if "zeep.exceptions" not in sys.modules:
        return None
    import zeep.exceptions

    if isinstance(exc, zeep.exceptions.Fault):
        return SoapFaultError(str(exc.code or ""), exc.message or "", _fault_detail(exc))
    if isinstance(exc, zeep.exceptions.TransportError):
        return HTTPStatusError(exc.status_code, _text(exc.content))
    return None


def _timed_out(exc: Exception) -> bool:
    # requests reports a read timeout while streaming the body as a ConnectionError that
    # wraps urllib3's ReadTimeoutError.
    return isinstance(exc, _TIMEOUTS) or (
        isinstance(exc, requests.ConnectionError)
        and any(isinstance(arg, urllib3.exceptions.TimeoutError) for arg in exc.args)
    )


def _forget_request(exc: Exception) -> None:
    # A requests exception keeps the prepared request, whose body holds the password, and
    # the response; the error's cause chain must not.
    if isinstance(exc, requests.RequestException):
        exc.request = None
        exc.response = None


def _underlying(exc: Exception) -> BaseException:
    """The urllib3 error under requests' wrapping and urllib3's MaxRetryError, if any."""
    inner: BaseException = exc
    if isinstance(exc, requests.RequestException) and exc.args:
        inner = exc.args[0] if isinstance(exc.args[0], BaseException) else exc
    if isinstance(inner, urllib3.exceptions.MaxRetryError) and inner.reason is not None:
        inner = inner.reason
    return inner


# Error texts are sentences: the address and the operating system's reason, not urllib3's
# pool and retry wording, and times rounded.


def _unresolved(exc: BaseException) -> str:
    host = getattr(getattr(exc, "conn", None), "host", None) or "the service's host"
    return f"{host} could not be found: its name does not resolve ({_os_reason(exc)})"


def _not_connected(exc: BaseException) -> str:
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return f"the connection to {_address(exc)} could not be made: {_os_reason(exc)}"
    if isinstance(exc, urllib3.exceptions.ProtocolError):
        return f"the connection to {_address(exc)} broke: {_cut_short(exc) or _os_reason(exc)}"
    return f"the connection to the service failed: {_describe(exc)}"


def _cut_short(exc: BaseException) -> str | None:
    """The reply cut short, in words (for urllib3's ``IncompleteRead(59 bytes read, 237 more
    expected)``), or None if that is not what happened."""
    cut = next((arg for arg in exc.args if isinstance(arg, http.client.IncompleteRead)), None)
    if cut is None:
        return None
    # urllib3's own counts its bytes; the standard library's keeps them.
    read = cut.partial if isinstance(cut.partial, int) else len(cut.partial)
    more = f", {cut.expected} more expected" if cut.expected is not None else ""
    return f"the reply was cut short ({read} bytes read{more})"


def _too_slow(exc: BaseException) -> str:
    waited = _TIMEOUT_GIVEN.search(str(exc))
    within = f" within {float(waited[1]):.3g} s" if waited else " in time"
    if isinstance(exc, urllib3.exceptions.ConnectTimeoutError):
        return f"the connection to {_address(exc)} was not made{within}"
    return f"{_address(exc)} did not answer{within}"


_TIMEOUT_GIVEN = re.compile(r"timeout=([0-9]+(?:\.[0-9]+)?)")


def _address(exc: BaseException) -> str:
    """``host:port`` of the connection or pool the error names, else "the service"."""
    is_pool_error = isinstance(exc, urllib3.exceptions.PoolError)
    holder = getattr(exc, "pool", None) if is_pool_error else getattr(exc, "conn", None)
    host, port = getattr(holder, "host", None), getattr(holder, "port", None)
    if not isinstance(host, str):
        return "the service"
    return f"{host}:{port}" if isinstance(port, int) else host


def _os_reason(exc: BaseException) -> str:
    """The operating system's words (``connection refused``), found down the cause chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.strerror:
            return seen.strerror[:1].lower() + seen.strerror[1:]
        seen = next((arg for arg in seen.args if isinstance(arg, OSError)), seen.__cause__)
    return _describe(exc)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _fault_detail(fault: zeep.exceptions.Fault) -> str | None:
    from lxml import etree  # loaded with zeep, which raised the fault

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

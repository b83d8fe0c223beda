"""The one place where third-party transport exceptions become smsc-soap errors."""

from __future__ import annotations

import requests

from ..errors import ConnectionFailedError, RequestTimeoutError, TransportError

__all__ = ["REDACTED", "redact", "translated"]

REDACTED = "<redacted>"


def translated(exc: requests.RequestException) -> TransportError:
    """The ``TransportError`` for a ``requests`` exception, most specific first."""
    # Messages of requests exceptions hold the URL, never the body, so no password is in them.
    if isinstance(exc, requests.Timeout):
        return RequestTimeoutError(f"the service did not answer in time: {exc}")
    if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return ConnectionFailedError(f"the connection to the service failed: {exc}")
    return TransportError(f"the request could not be sent: {exc}")


def redact(text: str, secret: str) -> str:
    """``text`` with every occurrence of ``secret`` replaced, for echoes of a request."""
    return text.replace(secret, REDACTED) if secret else text

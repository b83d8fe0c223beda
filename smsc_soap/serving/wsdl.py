"""The WSDL served at ``?wsdl``, and the address it sends clients to: a public URL when one is
given (``serve --public-url``, for a gateway behind a TLS proxy), else the scheme and the Host
the request came with when that is a host and port, else the address the server listens on.

The Host header is the caller's to write: anything but a host and port in it is not used,
so that it cannot reach into the document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

from smsc_soap.errors import InvalidParametersError
from smsc_soap.serving.http_reply import HttpReply
from smsc_soap.wsdl.shipped import shipped_wsdl

__all__ = ["SOAP_PATH", "checked_public_url", "soap_location", "wsdl_reply"]

SOAP_PATH = "/sys/soap.php"

_LOCATION = re.compile(rb'location="[^"]*"')

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_AND_PORT = re.compile(
    rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{{1,5}})?", re.ASCII
)
_PATH = re.compile(r"(?:/[A-Za-z0-9._~!$&'()*+,;=:@%-]*)*", re.ASCII)


def checked_public_url(url: str) -> str:
    """``url`` without a trailing slash, if it is an http or https URL with a host (and
    port), an optional path, and no query, fragment or credentials."""
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not _HOST_AND_PORT.fullmatch(parts.netloc)
        or not _PATH.fullmatch(parts.path)
        or parts.query
        or parts.fragment
        or url.endswith(("?", "#"))
    ):
        raise InvalidParametersError(
            f"{url!r} is not an http or https URL with a host, an optional path and no query",
            option="public_url",
        )
    return url.rstrip("/")


def soap_location(environ: Mapping[str, object], public_url: str | None, listening: str) -> str:
    """The WSDL's ``location="..."`` attribute for a request with ``environ``, the server
    listening on ``listening`` (host:port)."""
    if public_url is None:
        scheme = "https" if environ.get("wsgi.url_scheme") == "https" else "http"
        host = str(environ.get("HTTP_HOST") or "")
        public_url = f"{scheme}://{host if _HOST_AND_PORT.fullmatch(host) else listening}"
    return f"location={quoteattr(public_url + SOAP_PATH)}"


def wsdl_reply(host: str, location: str) -> HttpReply:
    """The shipped WSDL, in ``host``'s namespace, with ``location`` (from ``soap_location``)
    as its address."""
    document = _LOCATION.sub(lambda _: location.encode(), shipped_wsdl(host))
    return HttpReply("200 OK", "text/xml; charset=utf-8", document)

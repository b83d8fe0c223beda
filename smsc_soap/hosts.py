"""Where the service lives: its regional hosts, their namespaces and the endpoint to call."""

from __future__ import annotations

from urllib.parse import urlsplit

from .errors import InvalidParametersError

__all__ = ["KNOWN_HOSTS", "SOAP_PATH", "STATUS_PATH", "endpoint_url", "service_namespace"]

KNOWN_HOSTS = ("smsc.ru", "smscentre.com", "smsc.kz", "smsc.ua")
SOAP_PATH = "/sys/soap.php"
STATUS_PATH = "/sys/status.php"


def checked_host(host: str) -> str:
    if host not in KNOWN_HOSTS:
        raise InvalidParametersError(
            f"host {host!r} is not one of {', '.join(KNOWN_HOSTS)}; pass endpoint= for another"
        )
    return host


def service_namespace(host: str) -> str:
    """The namespace each host publishes its interface under (its own name in it)."""
    return f"http://{checked_host(host)}{SOAP_PATH}"


def endpoint_url(host: str, path: str, endpoint: str | None, *, allow_insecure_http: bool) -> str:
    """``endpoint`` if given, else ``https://{host}{path}``; plain http only when allowed.

    The published WSDL names a plain-http address, but the request carries the password, so
    the WSDL's address is never used.
    """
    if endpoint is None:
        return f"https://{checked_host(host)}{path}"
    # Never quoted back: an endpoint may carry a secret.
    try:
        parts = urlsplit(endpoint)
        hostname = parts.hostname
    except ValueError:  # the standard library's own: a malformed address
        raise _bad_endpoint("is not a URL") from None
    if parts.scheme not in ("https", "http") or not hostname:
        raise _bad_endpoint("must be an http(s) URL with a host")
    if parts.username or parts.password:
        raise _bad_endpoint("must not carry credentials")
    if parts.scheme == "http" and not allow_insecure_http:
        raise _bad_endpoint(
            "uses plain http, which would send the password in clear;"
            " pass allow_insecure_http=True to allow it (for a local sandbox)"
        )
    return endpoint


def _bad_endpoint(problem: str) -> InvalidParametersError:
    return InvalidParametersError(f"option 'endpoint' {problem}", option="endpoint")

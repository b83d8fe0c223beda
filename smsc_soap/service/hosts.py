"""Where the service lives: its regional hosts, their namespaces and the endpoint to call."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from smsc_soap.errors import InvalidParametersError

__all__ = [
    "DEFAULT_BACKUP_HOSTS",
    "KNOWN_HOSTS",
    "SOAP_PATH",
    "STATUS_PATH",
    "backup_url",
    "endpoint_url",
    "service_namespace",
]

KNOWN_HOSTS = ("smsc.ru", "smscentre.com", "smsc.kz", "smsc.ua")
DEFAULT_BACKUP_HOSTS: Mapping[str, tuple[str, ...]] = {"smsc.ru": ("www2.smsc.ru",)}
"""The backup address the service's HTTP API page names; the other hosts name none."""

_HOST_NAME = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?", re.ASCII
)
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
    return _checked_url(endpoint, "endpoint", allow_insecure_http=allow_insecure_http)


def backup_url(backup: str, path: str, *, allow_insecure_http: bool) -> str:
    """Where requests for ``path`` go on a backup: ``https://{backup}{path}`` for a host name
    (``www2.smsc.ru``), the URL itself for a whole URL (as ``endpoint``)."""
    if "://" in backup:
        return _checked_url(backup, "backup_hosts", allow_insecure_http=allow_insecure_http)
    if not _HOST_NAME.fullmatch(backup):
        raise _bad("backup_hosts", "must hold host names or http(s) URLs")
    return f"https://{backup}{path}"


def _checked_url(endpoint: str, option: str, *, allow_insecure_http: bool) -> str:
    # Never quoted back: an endpoint may carry a secret.
    try:
        parts = urlsplit(endpoint)
        hostname = parts.hostname
    except ValueError:  # the standard library's own: a malformed address
        raise _bad(option, "is not a URL") from None
    if parts.scheme not in ("https", "http") or not hostname:
        raise _bad(option, "must be an http(s) URL with a host")
    if parts.username or parts.password:
        raise _bad(option, "must not carry credentials")
    if parts.scheme == "http" and not allow_insecure_http:
        raise _bad(
            option,
            "uses plain http, which would send the password in clear;"
            " pass allow_insecure_http=True to allow it (for a local sandbox)",
        )
    return endpoint


def _bad(option: str, problem: str) -> InvalidParametersError:
    return InvalidParametersError(f"option {option!r} {problem}", option=option)

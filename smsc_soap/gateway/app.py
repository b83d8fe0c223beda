"""The gateway as a WSGI application: routing, metrics and the access log.

``POST /sys/soap.php`` and ``GET /sys/soap.php?wsdl`` are the drop-in SOAP face;
``GET /healthz`` and ``GET /metrics`` are for operators. Bodies over ``MAX_BODY_BYTES`` are
refused with 413; no request gets an internal-error page.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping

from ..models import MessageStatus
from ..sandbox.app import MAX_BODY_BYTES, RefusedBody, read_body
from ..sandbox.reply import Reply
from ..sandbox.soap_endpoint import fault_reply
from ..wsdl.shipped import shipped_wsdl
from .lookups import Answer, Lookups
from .metrics import CONTENT_TYPE, GatewayMetrics
from .soap_face import SoapLookup, answer_soap, read_soap_lookup
from .upstream import Upstream

__all__ = ["MAX_BODY_BYTES", "GatewayApp"]

logger = logging.getLogger("smsc_soap.gateway")
access_log = logging.getLogger("smsc_soap.gateway.access")

StartResponse = Callable[[str, list[tuple[str, str]]], object]

_SOAP_PATH = "/sys/soap.php"
_WSDL_ADDRESS = re.compile(rb'location="[^"]*"')


class GatewayApp:
    """Answers status lookups through ``upstream``; ``host`` is the service's host, whose
    namespace the served WSDL carries; ``clock`` is what the cache ages by."""

    def __init__(
        self,
        upstream: Upstream,
        *,
        host: str = "smsc.ru",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.upstream = upstream
        self.lookups = Lookups(clock=clock)
        self.metrics = GatewayMetrics()
        self._host = host
        self._in_flight = 0
        self._lock = threading.Lock()

    @property
    def in_flight(self) -> int:
        """Requests being answered now."""
        return self._in_flight

    def __call__(
        self, environ: dict[str, object], start_response: StartResponse
    ) -> Iterable[bytes]:
        with self._lock:
            self._in_flight += 1
        self.metrics.in_flight.inc()
        started = time.monotonic()
        path = str(environ.get("PATH_INFO", ""))
        try:
            reply, headers = self._answer(path, environ)
        except Exception:
            # A bug in the gateway: answered here rather than with the server's own page.
            logger.exception("the gateway failed to answer %s", path)
            reply, headers = fault_reply("SOAP-ENV:Server", "Internal Server Error"), []
        finally:
            self.metrics.in_flight.dec()
            with self._lock:
                self._in_flight -= 1
        access_log.info(
            "%s %s %s %.0f ms",
            environ.get("REQUEST_METHOD"),
            path,
            reply.status.split(" ")[0],
            (time.monotonic() - started) * 1000,
        )
        start_response(
            reply.status,
            [
                ("Content-Type", reply.content_type),
                ("Content-Length", str(len(reply.body))),
                *headers,
            ],
        )
        return [reply.body]

    def _answer(
        self, path: str, environ: Mapping[str, object]
    ) -> tuple[Reply, list[tuple[str, str]]]:
        method = str(environ.get("REQUEST_METHOD", "GET"))
        query = str(environ.get("QUERY_STRING", ""))
        try:
            body = read_body(environ)
        except RefusedBody as refused:
            return _text(refused.status, str(refused)), []
        if path == _SOAP_PATH and method == "GET" and query.lower() == "wsdl":
            return self._wsdl(environ), []
        if path == _SOAP_PATH and method == "POST":
            return self._soap(body, str(environ.get("CONTENT_TYPE") or "") or None)
        if path == "/healthz" and method == "GET":
            return _text("200 OK", "ok"), []
        if path == "/metrics" and method == "GET":
            return Reply("200 OK", CONTENT_TYPE, self.metrics.exposition()), []
        return _text("404 Not Found", "not found"), []

    def _soap(self, body: bytes, content_type: str | None) -> tuple[Reply, list[tuple[str, str]]]:
        lookup = read_soap_lookup(body, content_type)
        if isinstance(lookup, Reply):
            self.metrics.lookups.labels("soap", "bad_request").inc()
            return lookup, []
        answered = answer_soap(lookup, self._look_up)
        self.metrics.lookups.labels("soap", answered.outcome).inc()
        if answered.answer is None:
            return answered.reply, []
        # The reply carries its age as HTTP does: whole seconds since the service gave it.
        return answered.reply, [("Age", str(int(answered.answer.age)))]

    def _look_up(self, lookup: SoapLookup) -> Answer:
        client = self.upstream.client(lookup.login, lookup.password)
        key = (
            self.upstream.pair_key(lookup.login, lookup.password),
            lookup.operation,
            lookup.phone,
            lookup.message_id,
            lookup.all,
            lookup.query,
        )

        def send() -> MessageStatus:
            with (
                self.upstream.turn(lookup.login, lookup.password),
                self.metrics.upstream_seconds.time(),
            ):
                if lookup.operation == "get_status2":
                    return client.get_status2(
                        lookup.phone, lookup.message_id, lookup.all, lookup.query
                    )
                return client.get_status(lookup.phone, lookup.message_id, lookup.all)

        answer = self.lookups.answer(key, send)
        if answer.source == "cache":
            self.metrics.cache_hits.inc()
        elif answer.source == "coalesced":
            self.metrics.coalesced.inc()
        return answer

    def _wsdl(self, environ: Mapping[str, object]) -> Reply:
        scheme = environ.get("wsgi.url_scheme", "http")
        address = f'location="{scheme}://{environ.get("HTTP_HOST", "127.0.0.1")}{_SOAP_PATH}"'
        document = _WSDL_ADDRESS.sub(address.encode(), shipped_wsdl(self._host))
        return Reply("200 OK", "text/xml; charset=utf-8", document)


def _text(status: str, text: str) -> Reply:
    return Reply(status, "text/plain; charset=utf-8", text.encode())

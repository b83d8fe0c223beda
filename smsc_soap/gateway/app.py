"""The gateway as a WSGI application: routing, metrics and the access log.

``POST /sys/soap.php`` and ``GET /sys/soap.php?wsdl`` are the drop-in SOAP face,
``/sys/status.php`` (GET or POST) the drop-in HTTP face, ``GET /v1/status``,
``POST /v1/statuses`` and ``GET /v1/openapi.json`` the JSON face; ``GET /healthz`` and
``GET /metrics`` are for operators. Bodies over ``MAX_BODY_BYTES`` are refused with 413; no
request gets an internal-error page. The access log has the path (control characters
escaped), never the query string: status.php and /v1/status carry phone numbers there, and
status.php the password.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from smsc_soap.errors import MessageNotFoundError
from smsc_soap.gateway.detail import FULLEST, at_detail
from smsc_soap.gateway.http_face import serve_status_form
from smsc_soap.gateway.json_face import json_error, serve_status, serve_statuses
from smsc_soap.gateway.lookups import Answer, Lookup, Lookups
from smsc_soap.gateway.metrics import CONTENT_TYPE, GatewayMetrics
from smsc_soap.gateway.openapi import openapi_document
from smsc_soap.gateway.served import Served
from smsc_soap.gateway.soap_face import answer_soap, read_soap_lookup
from smsc_soap.gateway.upstream import Upstream
from smsc_soap.models import MessageStatus
from smsc_soap.service.codes import StatusCode
from smsc_soap.service.request import StatusRequest
from smsc_soap.serving.body import RefusedBody, read_body
from smsc_soap.serving.reply import Reply
from smsc_soap.serving.soap import fault_reply
from smsc_soap.serving.status_php import read_status_form
from smsc_soap.serving.wsdl import SOAP_PATH, checked_public_url, soap_location, wsdl_reply

__all__ = ["GatewayApp"]

logger = logging.getLogger("smsc_soap.gateway")
access_log = logging.getLogger("smsc_soap.gateway.access")

StartResponse = Callable[[str, list[tuple[str, str]]], object]

_STATUS_PATH = "/sys/status.php"
_JSON_PATHS = {
    "/v1/status": "GET",
    "/v1/statuses": "POST",
    "/v1/openapi.json": "GET",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class GatewayApp:
    """Answers status lookups through ``upstream``; ``host`` is the service's host, whose
    namespace the served WSDL carries; ``public_url`` the gateway's base URL as its clients
    reach it, which the WSDL sends them to; ``clock`` is what the cache ages by."""

    def __init__(
        self,
        upstream: Upstream,
        *,
        host: str = "smsc.ru",
        public_url: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.upstream = upstream
        self.lookups = Lookups(clock=clock)
        self.metrics = GatewayMetrics()
        upstream.limit_waits.subscribe(self.metrics.limiter_wait_seconds.observe)
        self._host = host
        self._public_url = None if public_url is None else checked_public_url(public_url)
        self.listening = "127.0.0.1"
        """The host and port the gateway listens on, for a WSDL asked for without a Host."""
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
            logger.exception("the gateway failed to answer %s", _printable(path))
            reply, headers = _internal_error(path), []
        finally:
            self.metrics.in_flight.dec()
            with self._lock:
                self._in_flight -= 1
        access_log.info(
            "%s %s %s %.0f ms",
            _printable(str(environ.get("REQUEST_METHOD"))),
            _printable(path),
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
        if path == SOAP_PATH and method == "GET" and query.lower() == "wsdl":
            return self._wsdl(environ), []
        if path == SOAP_PATH and method == "POST":
            return self._soap(body, str(environ.get("CONTENT_TYPE") or "") or None)
        if path == SOAP_PATH:
            text = "POST a SOAP request here; GET ?wsdl for the WSDL"
            return _text("405 Method Not Allowed", text), [("Allow", "POST")]
        if path == _STATUS_PATH and method in ("GET", "POST"):
            return self._counted(
                "http", serve_status_form(read_status_form(query, body), self.look_up)
            )
        if path == _STATUS_PATH:
            return _text("405 Method Not Allowed", "GET or POST"), [("Allow", "GET, POST")]
        if path in _JSON_PATHS:
            return self._json(path, method, query, body, environ)
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
        answered = answer_soap(lookup, self.look_up)
        self.metrics.lookups.labels("soap", answered.outcome).inc()
        if answered.answer is None:
            return answered.reply, []
        # The reply carries its age as HTTP does: whole seconds since the service gave it.
        return answered.reply, [("Age", str(int(answered.answer.age)))]

    def _json(
        self, path: str, method: str, query: str, body: bytes, environ: Mapping[str, object]
    ) -> tuple[Reply, list[tuple[str, str]]]:
        if method != _JSON_PATHS[path]:
            allowed = _JSON_PATHS[path]
            return json_error("405 Method Not Allowed", f"{path} takes {allowed}"), [
                ("Allow", allowed)
            ]
        if path == "/v1/openapi.json":
            return Reply("200 OK", "application/json", openapi_document()), []
        authorization = str(environ.get("HTTP_AUTHORIZATION") or "")
        if path == "/v1/status":
            return self._counted("json", serve_status(query, authorization, self.look_up))
        return self._counted("json", serve_statuses(body, authorization, self.look_up))

    def _counted(self, face: str, served: Served) -> tuple[Reply, list[tuple[str, str]]]:
        for outcome in served.outcomes:
            self.metrics.lookups.labels(face, outcome).inc()
        return served.reply, list(served.headers)

    def look_up(self, lookup: Lookup) -> Answer:
        """A status through the cache and the lookups in flight, or from the service, at the
        detail ``lookup`` asks for."""
        pair = self.upstream.pair_key(lookup.login, lookup.password)
        if lookup.operation == "get_status2":
            asked = lookup
            key: tuple[object, ...] = (
                pair,
                lookup.operation,
                lookup.phone,
                lookup.message_id,
                lookup.all,
                lookup.query,
            )
        else:
            # One lookup at the fullest detail answers callers asking at every detail.
            asked = replace(lookup, all=FULLEST)
            key = (pair, lookup.phone, lookup.message_id)

        def send(*, wait_for_windows: bool = True) -> MessageStatus:
            with (
                self.upstream.client(lookup.login, lookup.password) as client,
                self.upstream.limit_waits.watching(),
                self.metrics.upstream_seconds.time(),
            ):
                try:
                    if asked.operation == "get_status2":
                        request = StatusRequest.build(
                            "get_status2", asked.phone, asked.message_id, asked.all, asked.query
                        )
                    else:
                        request = StatusRequest.build(
                            "get_status", asked.phone, asked.message_id, asked.all
                        )
                    return client.lookup(request, wait_for_windows=wait_for_windows)
                except MessageNotFoundError as error:
                    if not error.from_service:
                        raise
                    # Kept as the status -3 it is over status.php, so that it is cached like
                    # any status rather than asked about on every poll.
                    return MessageStatus(
                        message_id=asked.message_id,
                        phone=asked.phone,
                        status=StatusCode.NOT_FOUND,
                    )

        answer = self.lookups.answer(key, send)
        if answer.source == "cache":
            self.metrics.cache_hits.inc()
        elif answer.source == "coalesced":
            self.metrics.coalesced.inc()
        return replace(answer, status=at_detail(answer.status, lookup.all))

    def _wsdl(self, environ: Mapping[str, object]) -> Reply:
        return wsdl_reply(self._host, soap_location(environ, self._public_url, self.listening))


def _printable(text: str) -> str:
    """``text`` with control characters escaped: a path's %0A must not start a log line."""
    return _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


def _internal_error(path: str) -> Reply:
    if path == SOAP_PATH:
        return fault_reply("SOAP-ENV:Server", "Internal Server Error")
    if path in _JSON_PATHS:
        return json_error("500 Internal Server Error", "the gateway failed; see its log")
    return _text("500 Internal Server Error", "the gateway failed; see its log")


def _text(status: str, text: str) -> Reply:
    return Reply(status, "text/plain; charset=utf-8", text.encode())

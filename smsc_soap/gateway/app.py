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
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from smsc_soap.errors import MessageNotFoundError
from smsc_soap.gateway.detail import FULLEST, at_detail
from smsc_soap.gateway.json_face import json_error, serve_status, serve_statuses
from smsc_soap.gateway.lookups import Answer, Lookup, Lookups
from smsc_soap.gateway.metrics import CONTENT_TYPE, GatewayMetrics
from smsc_soap.gateway.openapi import openapi_document
from smsc_soap.gateway.served import Served
from smsc_soap.gateway.soap_face import serve_soap
from smsc_soap.gateway.status_php_face import serve_status_form
from smsc_soap.gateway.upstream import Upstream
from smsc_soap.models import MessageStatus
from smsc_soap.service.codes import StatusCode
from smsc_soap.service.request import StatusRequest
from smsc_soap.serving.app import ServiceApp, printable
from smsc_soap.serving.http_reply import HttpReply, StartResponse, text_reply
from smsc_soap.serving.soap import SoapRequest
from smsc_soap.serving.status_php import StatusForm
from smsc_soap.serving.wsdl import gateway_wsdl_reply

__all__ = ["GatewayApp"]

access_log = logging.getLogger("smsc_soap.gateway.access")

_JSON_PATHS = {
    "/v1/status": "GET",
    "/v1/statuses": "POST",
    "/v1/openapi.json": "GET",
}


class GatewayApp(ServiceApp):
    """Answers status lookups through ``upstream``; ``host`` is the service's host, whose
    namespace the served WSDL carries; ``public_url`` the gateway's base URL as its clients
    reach it, which the WSDL sends them to; ``clock`` is what the cache ages by."""

    logger = logging.getLogger("smsc_soap.gateway")
    name = "gateway"

    def __init__(
        self,
        upstream: Upstream,
        *,
        host: str = "smsc.ru",
        public_url: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(host=host, public_url=public_url)
        self.upstream = upstream
        self.lookups = Lookups(clock=clock)
        self.metrics = GatewayMetrics()
        upstream.limit_waits.subscribe(self.metrics.limiter_wait_seconds.observe)

    def __call__(
        self, environ: dict[str, object], start_response: StartResponse
    ) -> Iterable[bytes]:
        started = time.monotonic()
        with self.metrics.in_flight.track_inprogress():
            reply = self.reply_to(environ)
        access_log.info(
            "%s %s %s %.0f ms",
            printable(str(environ.get("REQUEST_METHOD"))),
            printable(str(environ.get("PATH_INFO", ""))),
            reply.status.split(" ")[0],
            (time.monotonic() - started) * 1000,
        )
        return self.send(reply, start_response)

    def wsdl(self, location: str) -> HttpReply:
        """The gateway's own WSDL: every field its replies carry declared."""
        return gateway_wsdl_reply(self.host, location)

    def answer_soap(self, request: SoapRequest) -> HttpReply:
        return self._counted("soap", serve_soap(request, self.look_up))

    def refused_soap(self, fault: HttpReply) -> HttpReply:
        self.metrics.lookups.labels("soap", "bad_request").inc()
        return fault

    def answer_status(self, form: StatusForm) -> HttpReply:
        return self._counted("http", serve_status_form(form, self.look_up))

    def route(
        self, path: str, method: str, query: str, body: bytes, environ: Mapping[str, object]
    ) -> HttpReply:
        if path in _JSON_PATHS:
            return self._json(path, method, query, body, environ)
        if path == "/healthz" and method == "GET":
            return text_reply("200 OK", "ok")
        if path == "/metrics" and method == "GET":
            return HttpReply("200 OK", CONTENT_TYPE, self.metrics.exposition())
        return super().route(path, method, query, body, environ)

    def internal_error(self, path: str) -> HttpReply:
        if path in _JSON_PATHS:
            return json_error("500 Internal Server Error", "the gateway failed; see its log")
        return super().internal_error(path)

    def _json(
        self, path: str, method: str, query: str, body: bytes, environ: Mapping[str, object]
    ) -> HttpReply:
        allowed = _JSON_PATHS[path]
        if method != allowed:
            return json_error(
                "405 Method Not Allowed", f"{path} takes {allowed}", (("Allow", allowed),)
            )
        if path == "/v1/openapi.json":
            return HttpReply("200 OK", "application/json", openapi_document())
        authorization = str(environ.get("HTTP_AUTHORIZATION") or "")
        if path == "/v1/status":
            return self._counted("json", serve_status(query, authorization, self.look_up))
        return self._counted("json", serve_statuses(body, authorization, self.look_up))

    def _counted(self, face: str, served: Served) -> HttpReply:
        for outcome in served.outcomes:
            self.metrics.lookups.labels(face, outcome).inc()
        return served.reply

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

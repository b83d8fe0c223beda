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

from smsc_soap.client import StatusClient
from smsc_soap.errors import LimitStoreError, MessageNotFoundError, SmscError
from smsc_soap.gateway.bursts import Bursts
from smsc_soap.gateway.detail import FULLEST, at_detail
from smsc_soap.gateway.json_face import json_error, serve_status, serve_statuses
from smsc_soap.gateway.lookups import Answer, Lookup, Lookups
from smsc_soap.gateway.metrics import CONTENT_TYPE, GatewayMetrics
from smsc_soap.gateway.openapi import openapi_document
from smsc_soap.gateway.pages import DOCS_PATH, docs_reply, landing_reply
from smsc_soap.gateway.served import Served
from smsc_soap.gateway.soap_face import serve_soap
from smsc_soap.gateway.status_php_face import serve_status_form
from smsc_soap.gateway.upstream import Upstream
from smsc_soap.models import MessageStatus
from smsc_soap.service.codes import StatusCode
from smsc_soap.service.phones import normalised
from smsc_soap.service.request import StatusRequest
from smsc_soap.serving.app import NeedsThread, ServiceApp, on_the_loop, printable
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
    answers_on_loop = True  # its cached statuses and its pages, at once

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
        self.bursts = Bursts(upstream.store)  # a pair's first lookups: one mass request
        self.metrics = GatewayMetrics()
        upstream.limit_waits.subscribe(self.metrics.limiter_wait_seconds.observe)
        # Cache hits of an answer tried on the event loop, counted once it is answered there.
        self._loop_hits = 0

    def __call__(
        self, environ: dict[str, object], start_response: StartResponse
    ) -> Iterable[bytes]:
        started = time.monotonic()
        on_loop = on_the_loop()  # only the loop's thread touches _loop_hits
        if on_loop:
            self._loop_hits = 0
        self.metrics.in_flight.inc()
        try:
            reply = self.reply_to(environ)  # on the loop, NeedsThread passes through here
        finally:
            self.metrics.in_flight.dec()
        if on_loop and self._loop_hits:
            self.metrics.cache_hits.inc(self._loop_hits)
        if access_log.isEnabledFor(logging.INFO):  # off, the line costs nothing to write
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
        if path == "/" and method == "GET":
            return landing_reply()
        if path == DOCS_PATH or path.startswith(f"{DOCS_PATH}/"):
            page = docs_reply(path) if method == "GET" else None
            if page is not None:
                return page
        if path == "/healthz" and method == "GET":
            return text_reply("200 OK", self.health())
        if path == "/metrics" and method == "GET":
            return HttpReply("200 OK", CONTENT_TYPE, self.metrics.exposition())
        return super().route(path, method, query, body, environ)

    def health(self) -> str:
        """``ok``, and a line for the operator when the limit store lost its keys since the
        gateway started (the windows and the lockout were forgotten then)."""
        restarts = self.upstream.limit_waits.restarts()
        if not restarts:
            return "ok"
        return (
            f"ok\nlimit store: found restarted empty {restarts} times; run Redis with persistence"
        )

    def refusal(self, path: str, query: str, status: str, text: str) -> HttpReply:
        if path in _JSON_PATHS:
            return json_error(status, f"refused by the gateway: {text}")
        return super().refusal(path, query, status, text)

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

    def _sent(
        self, client: StatusClient, pair: str, asked: Lookup, wait_for_windows: bool
    ) -> MessageStatus:
        """``asked`` looked up by ``client``; a message the service does not find is the
        status -3 it is over status.php, so that it is cached like any status rather than
        asked about on every poll."""
        if asked.operation == "get_status2":
            request = StatusRequest.build(
                "get_status2", asked.phone, asked.message_id, asked.all, asked.query
            )
        else:
            request = StatusRequest.build("get_status", asked.phone, asked.message_id, asked.all)
        try:
            return self.bursts.lookup(
                client, pair, asked, request, wait_for_windows=wait_for_windows
            )
        except MessageNotFoundError as error:
            if not error.from_service:
                raise
            return MessageStatus(
                message_id=asked.message_id, phone=asked.phone, status=StatusCode.NOT_FOUND
            )

    def _cached(self, lookup: Lookup) -> Answer:
        """The cache's answer to ``lookup``, or ``NeedsThread``: on the event loop, where
        neither the service, the store nor the slow hash of a new pair may be waited for."""
        pair = self.upstream.known_pair_key(lookup.login, lookup.password)
        if pair is None:
            raise NeedsThread
        answer = self.lookups.cached(_key(lookup, pair))
        if answer is None:
            raise NeedsThread
        self._loop_hits += 1  # the loop answers one request at a time
        return Answer(at_detail(answer.status, lookup.all), answer.age, answer.source)

    def look_up(self, lookup: Lookup) -> Answer:
        """A status through the cache and the lookups in flight, or from the service, at the
        detail ``lookup`` asks for."""
        if on_the_loop():
            return self._cached(lookup)
        pair = self.upstream.pair_key(lookup.login, lookup.password)
        asked, key = _asked(lookup, pair)

        def send(*, wait_for_windows: bool = True) -> MessageStatus:
            started = time.monotonic()
            try:
                with (
                    self.upstream.client(lookup.login, lookup.password) as client,
                    self.upstream.limit_waits.watching(),
                ):
                    status = self._sent(client, pair, asked, wait_for_windows)
            except SmscError as error:
                if error.attempts:  # sent, and failed: timed like an answer
                    self.metrics.upstream_seconds.observe(time.monotonic() - started)
                if isinstance(error, LimitStoreError):
                    # For the operator: the store's own words, which callers are not shown.
                    self.logger.warning("the limit store cannot be used: %s", error)
                raise
            self.metrics.upstream_seconds.observe(time.monotonic() - started)
            return status

        answer = self.lookups.answer(key, send)
        if answer.source == "cache":
            self.metrics.cache_hits.inc()
        elif answer.source == "coalesced":
            self.metrics.coalesced.inc()
        return replace(answer, status=at_detail(answer.status, lookup.all))


def _asked(lookup: Lookup, pair: str) -> tuple[Lookup, tuple[object, ...]]:
    """What the service is asked for ``lookup`` of the credentials ``pair``, and the key its
    answer is cached and coalesced under: one message however its phone is written."""
    if lookup.operation == "get_status2":
        return lookup, _key(lookup, pair)
    # One lookup at the fullest detail answers callers asking at every detail.
    return replace(lookup, all=FULLEST), _key(lookup, pair)


def _key(lookup: Lookup, pair: str) -> tuple[object, ...]:
    """The key ``lookup``'s answer is cached and coalesced under (see ``_asked``)."""
    phone = normalised(lookup.phone)
    if lookup.operation == "get_status2":
        return (pair, lookup.operation, phone, lookup.message_id, lookup.all, lookup.query)
    return (pair, phone, lookup.message_id)

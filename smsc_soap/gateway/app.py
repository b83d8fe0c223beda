"""The gateway as a WSGI application: routing, metrics and the access log.

``POST /sys/soap.php`` and ``GET /sys/soap.php?wsdl`` are the drop-in SOAP face,
``/sys/status.php`` (GET or POST) the drop-in HTTP face, ``GET /v1/status``,
``POST /v1/statuses`` and ``GET /v1/openapi.json`` the JSON face; ``/v1/callbacks/smsc/
{login}`` takes the service's pushed statuses and ``GET /v1/events`` streams every change;
``GET /healthz`` and ``GET /metrics`` are for operators. ``get_status`` answers come from the
status store (``gateway.known``), which pushes, lookups and other replicas fill. Bodies over
``MAX_BODY_BYTES`` are refused with 413; no request gets an internal-error page. The access
log has the path (control characters escaped), never the query string: status.php and
/v1/status carry phone numbers there, and status.php the password.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from smsc_soap.callbacks import ALGORITHMS
from smsc_soap.client import StatusClient
from smsc_soap.errors import (
    ApiError,
    AuthenticationError,
    IPBlockedError,
    LimitStoreError,
    MessageNotFoundError,
    SmscError,
)
from smsc_soap.gateway.bursts import Bursts
from smsc_soap.gateway.callback_face import callback_login, serve_callback
from smsc_soap.gateway.detail import FULLEST, at_detail
from smsc_soap.gateway.events import EVENTS_PATH, Events
from smsc_soap.gateway.json_face import json_error, serve_status, serve_statuses
from smsc_soap.gateway.known import STORE_WAIT, Known, served_without_asking
from smsc_soap.gateway.lookups import Answer, Fetch, Lookup, Lookups
from smsc_soap.gateway.metrics import CONTENT_TYPE, GatewayMetrics
from smsc_soap.gateway.openapi import openapi_document
from smsc_soap.gateway.pages import DOCS_PATH, docs_reply, landing_reply
from smsc_soap.gateway.served import Served
from smsc_soap.gateway.soap_face import serve_soap
from smsc_soap.gateway.status_php_face import serve_status_form
from smsc_soap.gateway.upstream import Upstream
from smsc_soap.limits.stores.base import bounded
from smsc_soap.models import MessageStatus
from smsc_soap.service.codes import StatusCode
from smsc_soap.service.phones import normalised
from smsc_soap.service.request import StatusRequest
from smsc_soap.serving.app import (
    NeedsThread,
    ServiceApp,
    StreamedRoute,
    on_the_loop,
    printable,
)
from smsc_soap.serving.http_reply import HttpReply, StartResponse, text_reply
from smsc_soap.serving.soap import SoapRequest
from smsc_soap.serving.status_php import StatusForm
from smsc_soap.serving.wsdl import gateway_wsdl_reply
from smsc_soap.statuses import KnownStatus, MemoryStatusStore, StatusStore, supersedes

__all__ = ["GatewayApp"]

access_log = logging.getLogger("smsc_soap.gateway.access")

CLAIM_SECONDS = 30.0
"""Seconds one replica's claim to ask the service about a message lasts at most (its lookup
ends sooner; a replica that died while asking lets the others ask after this)."""
CLAIM_POLL = 0.05
"""Seconds between looks at the store while another replica asks about a message."""

_JSON_PATHS = {
    "/v1/status": "GET",
    "/v1/statuses": "POST",
    "/v1/openapi.json": "GET",
}


class GatewayApp(ServiceApp):
    """Answers status lookups through ``upstream``; ``host`` is the service's host, whose
    namespace the served WSDL carries; ``public_url`` the gateway's base URL as its clients
    reach it, which the WSDL sends them to; ``statuses`` the store of what the gateway learns
    (shared by replicas; this process's memory by default); ``callback_secrets`` each login's
    secret that its callbacks are signed with (a login without one takes them unsigned);
    ``clock`` is what statuses age
    by, in seconds since the epoch (the store's time)."""

    logger = logging.getLogger("smsc_soap.gateway")
    name = "gateway"
    answers_on_loop = True  # its cached statuses and its pages, at once

    def __init__(
        self,
        upstream: Upstream,
        *,
        host: str = "smsc.ru",
        public_url: str | None = None,
        statuses: StatusStore | None = None,
        callback_secrets: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(host=host, public_url=public_url)
        self.upstream = upstream
        self.known = Known(statuses or MemoryStatusStore(clock=clock), clock=clock)
        self.lookups = Lookups(clock=clock)
        self.bursts = Bursts(upstream.store)  # a pair's first lookups: one mass request
        self.callback_secrets = dict(callback_secrets or {})
        """Each login's status handler secret, for the callbacks' signatures."""
        self.holder = uuid.uuid4().hex
        """This replica, as the store's claims name it."""
        self._claim_wait = threading.Event()
        self.metrics = GatewayMetrics()
        self.events = Events(self.known, upstream.pair_key, self.look_up, self.metrics)
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

    def streamed(self, path: str) -> StreamedRoute | None:
        return self.events if path == EVENTS_PATH else None

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
        login = callback_login(path)
        if login is not None:
            return self._callback(login, method, query, body, environ)
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

    def _callback(
        self, login: str, method: str, query: str, body: bytes, environ: Mapping[str, object]
    ) -> HttpReply:
        if method not in ("GET", "POST"):
            return json_error(
                "405 Method Not Allowed", "callbacks take POST or GET", (("Allow", "GET, POST"),)
            )
        if on_the_loop():
            raise NeedsThread  # the store is written
        headers = {
            f"X-SMSC-{name.upper()}": str(environ[f"HTTP_X_SMSC_{name.upper()}"])
            for name in ALGORITHMS
            if f"HTTP_X_SMSC_{name.upper()}" in environ
        }
        secret = self.callback_secrets.get(login)
        return serve_callback(login, query, body, headers, secret, self.known, self.metrics)

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
        if path in _JSON_PATHS or callback_login(path) is not None:
            return json_error(status, f"refused by the gateway: {text}")
        return super().refusal(path, query, status, text)

    def internal_error(self, path: str) -> HttpReply:
        if path in _JSON_PATHS or callback_login(path) is not None:
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
        status -3 it is over status.php, so that it is kept like any status rather than
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
        """What the gateway holds of ``lookup`` if it answers it now, or ``NeedsThread``: on
        the event loop, where neither the service, the store nor the slow hash of a new
        pair may be waited for."""
        pair = self.upstream.known_pair_key(lookup.login, lookup.password)
        if pair is None:
            raise NeedsThread
        answer: Answer | None = None
        if lookup.operation == "get_status2":
            answer = self.lookups.cached(_status2_key(lookup, pair))
        elif self.known.accepted_here(pair):
            known = self.known.held(lookup.login, lookup.phone, lookup.message_id)
            if known is not None and served_without_asking(known, self.known.clock()):
                answer = self._from_store(known)
        if answer is None:
            raise NeedsThread
        self._loop_hits += 1  # the loop answers one request at a time
        return Answer(at_detail(answer.status, lookup.all), answer.age, answer.source)

    def look_up(self, lookup: Lookup) -> Answer:
        """A status from what the gateway knows, a lookup in flight, or the service, at the
        detail ``lookup`` asks for."""
        if on_the_loop():
            return self._cached(lookup)
        try:
            pair = self.upstream.pair_key(lookup.login, lookup.password)
            if lookup.operation == "get_status2":
                key = _status2_key(lookup, pair)
                answer = self.lookups.answer(key, self._sender(lookup, pair, shared=False))
            else:
                answer = self._status(lookup, pair)
        except LimitStoreError as error:
            # For the operator: the store's own words, which callers are not shown.
            self.logger.warning("the limit store cannot be used: %s", error)
            raise
        if answer.source == "cache":
            self.metrics.cache_hits.inc()
        elif answer.source == "coalesced":
            self.metrics.coalesced.inc()
        return replace(answer, status=at_detail(answer.status, lookup.all))

    def _status(self, lookup: Lookup, pair: str) -> Answer:
        """A ``get_status`` from the status store, which every face, replica and push
        shares, when the service has accepted the caller's credentials and the status held
        answers a poll; else asked for once at the fullest detail (the older status served
        meanwhile if the message's window is full)."""
        phone = normalised(lookup.phone)
        held = None
        if self.known.accepted(pair):
            known = self.known.read(lookup.login, phone, lookup.message_id)
            if known is not None:
                if served_without_asking(known, self.known.clock()):
                    return self._from_store(known)
                held = (known.status, known.checked_at)
        asked = replace(lookup, phone=phone, all=FULLEST)
        send = self._sender(asked, pair, shared=True)
        return self.lookups.answer((pair, phone, lookup.message_id), send, held=held)

    def _from_store(self, known: KnownStatus) -> Answer:
        self.metrics.store_served.labels(known.source).inc()
        return Answer(known.status, max(0.0, self.known.clock() - known.checked_at), "cache")

    def _sender(self, asked: Lookup, pair: str, *, shared: bool) -> Fetch:
        """What asks the service for ``asked``; a ``shared`` answer is asked for by one
        replica at a time (the others wait for it in the store) and kept in the store."""

        def send(*, wait_for_windows: bool = True) -> MessageStatus:
            claim = self._claim(asked, pair) if shared else None
            if isinstance(claim, MessageStatus):
                return claim
            try:
                status = self._asked_upstream(asked, pair, wait_for_windows)
                if shared:  # kept before the claim is let go: the others read it then
                    status = self._kept(asked, status)
            finally:
                if claim is not None:
                    self._let_go(claim)
            return status

        return send

    def _kept(self, asked: Lookup, status: MessageStatus) -> MessageStatus:
        """``status``, as the service gave it, written to the store; or the status held, when
        it is further along than this lookup (a push, whose moment is later): statuses
        never go back."""
        if self.known.write(asked.login, status, "lookup") is None:
            held = self.known.held(asked.login, asked.phone, asked.message_id)
            if held is not None and supersedes(held.status, status):
                return held.status
        return status

    def _asked_upstream(self, asked: Lookup, pair: str, wait_for_windows: bool) -> MessageStatus:
        started = time.monotonic()
        try:
            with (
                self.upstream.client(asked.login, asked.password) as client,
                self.upstream.limit_waits.watching(),
            ):
                status = self._sent(client, pair, asked, wait_for_windows)
        except SmscError as error:
            if error.attempts:  # sent, and failed: timed like an answer
                self.metrics.upstream_seconds.observe(time.monotonic() - started)
            if isinstance(error, ApiError) and error.from_service:
                if isinstance(error, AuthenticationError):
                    self.known.refuse(pair)
                elif not isinstance(error, IPBlockedError):
                    self.known.accept(pair)  # the password was not what it refused
            raise
        self.metrics.upstream_seconds.observe(time.monotonic() - started)
        self.known.accept(pair)
        return status

    def _claim(self, asked: Lookup, pair: str) -> str | MessageStatus | None:
        """The claim to ask the service about ``asked`` for this replica (its name), or the
        status another replica asked for meanwhile; None when the store cannot keep claims
        (then this replica asks, as it would alone)."""
        name = f"ask:{asked.login}:{asked.phone}:{asked.message_id}"
        store = self.known.store
        until = time.monotonic() + CLAIM_SECONDS
        while True:
            try:
                with bounded(STORE_WAIT):
                    claimed = store.claim(name, self.holder, CLAIM_SECONDS)
            except SmscError:
                return None
            # Claimed, another replica may have just asked and let go; not claimed, it is
            # asking now: either way its answer is in the store, or will be.
            answered = self._answered_elsewhere(asked, pair)
            if claimed:
                if answered is not None:
                    self._let_go(name)
                    return answered
                return name
            if answered is not None:
                return answered
            if time.monotonic() >= until:
                return None
            self._claim_wait.wait(CLAIM_POLL)

    def _answered_elsewhere(self, asked: Lookup, pair: str) -> MessageStatus | None:
        """The status of ``asked`` in the store if it answers a poll now (and the caller's
        credentials may read it)."""
        if not self.known.accepted(pair):
            return None
        known = self.known.read(asked.login, asked.phone, asked.message_id)
        if known is None or not served_without_asking(known, self.known.clock()):
            return None
        self.metrics.store_served.labels(known.source).inc()
        return known.status

    def _let_go(self, name: str) -> None:
        with contextlib.suppress(SmscError), bounded(STORE_WAIT):  # else it runs out
            self.known.store.let_go(name, self.holder)


def _status2_key(lookup: Lookup, pair: str) -> tuple[object, ...]:
    """The key a ``get_status2`` answer is kept and coalesced under: per credentials pair
    and query, one message however its phone is written."""
    phone = normalised(lookup.phone)
    return (pair, lookup.operation, phone, lookup.message_id, lookup.all, lookup.query)

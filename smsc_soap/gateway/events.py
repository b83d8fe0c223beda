"""``GET /v1/events``: the status changes the gateway learns, as Server-Sent Events.

A subscriber gives its SMSC login and password in HTTP Basic auth, as on the JSON face, and
gets the changes of its own login only, optionally of one ``phone`` and/or ``id``. Its
credentials must be accepted by the service: a pair the gateway has not seen accepted within
``known.ACCEPTED_FOR`` is checked by one lookup of the message named by ``phone`` and ``id``;
without both it is refused with 401 until a lookup through the gateway has shown it good.

Each event is ``id: <event id>``, ``event: status`` and ``data:`` one JSON object: the
message's status at the fullest detail (as ``GET /v1/status?all=2`` answers it), with
``learned`` (``lookup``, ``callback`` or ``receipt``). The events come from the status store's
feed, so a change learned by any replica sharing the store is streamed; a subscriber that
reconnects with ``Last-Event-ID`` (the header, or a ``last_event_id`` parameter) gets every
change it missed that the store still keeps (``statuses.KEEP_CHANGES``). A comment line every
``HEARTBEAT`` seconds keeps proxies from closing a quiet stream. Streams end when the gateway
stops.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from smsc_soap.errors import AuthenticationError, InvalidParametersError, SmscError
from smsc_soap.gateway.json_face import basic_credentials, failure_reply, json_error
from smsc_soap.gateway.json_models import StatusBody
from smsc_soap.gateway.known import Known
from smsc_soap.gateway.lookups import Answer, Lookup
from smsc_soap.gateway.metrics import GatewayMetrics
from smsc_soap.gateway.phones import caller_message_id, caller_phone
from smsc_soap.gateway.served import error_text
from smsc_soap.service.phones import normalised
from smsc_soap.serving.http_reply import HttpReply
from smsc_soap.statuses import Change
from smsc_soap.views.status_columns import status_fields

__all__ = ["EVENTS_PATH", "HEARTBEAT", "Events"]

EVENTS_PATH = "/v1/events"
HEARTBEAT = 15.0
"""Seconds between comment lines on a quiet stream."""
_BATCH = 100  # changes read from the store at once

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class _Filter:
    def __init__(self, login: str, phone: str | None, message_id: str | None) -> None:
        self.login, self.phone, self.message_id = login, phone, message_id

    def __call__(self, change: Change) -> bool:
        known = change.known
        return (
            known.login == self.login
            and self.phone in (None, known.status.phone)
            and self.message_id in (None, known.status.message_id)
        )


class Events:
    """The event streams of a gateway whose statuses are ``known``; ``pair_key`` makes a
    credentials pair's key (slow: in a thread), ``look_up`` checks a pair by one lookup."""

    def __init__(
        self,
        known: Known,
        pair_key: Callable[[str, str], str],
        look_up: Callable[[Lookup], Answer],
        metrics: GatewayMetrics,
    ) -> None:
        self._known = known
        self._pair_key = pair_key
        self._look_up = look_up
        self._metrics = metrics
        self._wakers: set[Callable[[], None]] = set()
        self._closing = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        known.subscribe(self._changed)

    def close(self) -> None:
        """End every stream (the gateway is stopping)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._closing.set)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        if scope["method"] not in ("GET", "HEAD"):
            await _reply(send, json_error("405 Method Not Allowed", "/v1/events takes GET"))
            return
        headers = {
            key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]
        }
        params = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        refusal, wanted = await asyncio.to_thread(self._admitted, headers, params)
        if refusal is not None or wanted is None:
            await _reply(send, refusal or json_error("500 Internal Server Error", "no filter"))
            return
        after = headers.get("last-event-id") or params.get("last_event_id") or ""
        if not after:
            after = await asyncio.to_thread(self._known.store.latest)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream; charset=utf-8"),
                    (b"cache-control", b"no-cache"),
                    (b"x-accel-buffering", b"no"),
                ],
            }
        )
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        self._metrics.event_streams.inc()
        try:
            await self._stream(receive, send, wanted, after)
        finally:
            self._metrics.event_streams.dec()

    def _admitted(
        self, headers: dict[str, str], params: dict[str, str]
    ) -> tuple[HttpReply | None, _Filter | None]:
        """Who the subscriber is and what it wants, or the refusal to send it (in a thread:
        the pair's key is slow to make and the check may ask the service)."""
        credentials = basic_credentials(headers.get("authorization", ""))
        if credentials is None:
            error = AuthenticationError(
                "the SMSC login and password are needed, in HTTP Basic auth"
            )
            return _refused(error), None
        login, password = credentials
        try:
            phone = caller_phone(params["phone"]) if params.get("phone") else None
            message_id = caller_message_id(params["id"]) if params.get("id") else None
        except InvalidParametersError as error:
            return _refused(error), None
        if not self._known.accepted(self._pair_key(login, password)):
            if phone is None or message_id is None:
                unchecked = AuthenticationError(
                    "these credentials have not been accepted by the service lately: look a"
                    " message up through the gateway first, or give phone and id"
                )
                return _refused(unchecked), None
            failed: SmscError | None = None
            try:
                self._look_up(
                    Lookup(login=login, password=password, phone=phone, message_id=message_id)
                )
            except AuthenticationError as error:
                return _refused(error), None
            except SmscError as error:  # accepted, unless the service was not reached
                failed = error
            if failed is not None and not self._known.accepted(self._pair_key(login, password)):
                return _refused(failed), None
        return None, _Filter(login, None if phone is None else normalised(phone), message_id)

    async def _stream(self, receive: Receive, send: Send, wanted: _Filter, after: str) -> None:
        woken = asyncio.Event()
        loop = asyncio.get_running_loop()

        def wake() -> None:
            loop.call_soon_threadsafe(woken.set)

        gone = asyncio.ensure_future(_disconnected(receive))
        closing = asyncio.ensure_future(self._closing.wait())
        self._wakers.add(wake)
        try:
            while not gone.done() and not closing.done():
                woken.clear()
                changes = await asyncio.to_thread(
                    self._known.store.changes, after, wait=0, limit=_BATCH
                )
                for change in changes:
                    after = change.event_id
                    if wanted(change):
                        await send(
                            {
                                "type": "http.response.body",
                                "body": _event(change),
                                "more_body": True,
                            }
                        )
                        self._metrics.events.inc()
                if len(changes) == _BATCH:
                    continue  # more to catch up on
                waiting = asyncio.ensure_future(woken.wait())
                done, _ = await asyncio.wait(
                    {waiting, gone, closing}, timeout=HEARTBEAT, return_when=asyncio.FIRST_COMPLETED
                )
                waiting.cancel()
                if not done:
                    await send(
                        {
                            "type": "http.response.body",
                            "body": b": still here\n\n",
                            "more_body": True,
                        }
                    )
        except SmscError as error:  # the store out of use: the subscriber reconnects later
            self._known.store_failures += 1
            line = f": {error_text(error)}\n\n".encode()
            await send({"type": "http.response.body", "body": line, "more_body": True})
        finally:
            self._wakers.discard(wake)
            client_gone = gone.done() and not gone.cancelled()
            gone.cancel()
            closing.cancel()
        if not client_gone:
            await send({"type": "http.response.body", "body": b""})

    def _changed(self, change: Change) -> None:
        for wake in list(self._wakers):
            wake()


def _event(change: Change) -> bytes:
    status = change.known.status
    fields = status_fields(status.phone, status.message_id, status, 2)
    body = StatusBody.model_validate({**fields, "age": 0.0}).model_dump(mode="json")
    body["learned"] = change.known.source
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return f"id: {change.event_id}\nevent: status\ndata: {data}\n\n".encode()


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _refused(error: SmscError) -> HttpReply:
    """Refused as the JSON face refuses a lookup: the same body, status and headers."""
    return failure_reply(error)


async def _reply(send: Send, reply: HttpReply) -> None:
    headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in reply.head()
    ]
    status = int(reply.status.split(" ", 1)[0])
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})

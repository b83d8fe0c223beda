"""Statuses the service pushes to the gateway's callback receiver: checked, kept once, never
moved back, served to every face without a lookup, read only with accepted credentials, and
streamed to /v1/events subscribers, who resume where they left off."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from smsc_soap import callbacks
from smsc_soap.errors import StatusStoreError
from smsc_soap.gateway import Gateway
from smsc_soap.sandbox import Sandbox
from smsc_soap.statuses import MemoryStatusStore

from support.gateway_setup import DELIVERED, PENDING, CountingSandbox, start_gateway
from support.manual_clock import ManualClock

AUTH = ("demo", "demo")
SECRET = "handler secret"
RECEIVER = "/v1/callbacks/smsc/demo"


@pytest.fixture
def store(clock: ManualClock) -> MemoryStatusStore:
    return MemoryStatusStore(clock=clock.monotonic)


@pytest.fixture
def pushed(
    upstream: tuple[CountingSandbox, Sandbox], clock: ManualClock, store: MemoryStatusStore
) -> Iterator[Gateway]:
    """A gateway taking callbacks for ``demo`` signed with ``SECRET``."""
    secrets = {"demo": SECRET}
    with start_gateway(upstream[1], clock, statuses=store, callback_secrets=secrets) as gateway:
        yield gateway


def _push(gateway: Gateway, signed: bool = True, **fields: str) -> requests.Response:
    form = callbacks.sign(fields, SECRET) if signed else fields
    return requests.post(f"{gateway.url}{RECEIVER}", data=form, timeout=10)


def _json_status(gateway: Gateway, phone: str, message_id: str, **options: Any) -> Any:
    return requests.get(
        f"{gateway.url}/v1/status",
        params={"phone": phone, "id": message_id},
        auth=options.get("auth", AUTH),
        timeout=10,
    )


def _status_of(store: MemoryStatusStore, phone: str, message_id: str) -> int | None:
    known = store.get("demo", phone, message_id)
    return None if known is None else int(known.status.status)


def test_a_signed_status_callback_is_kept_and_answered_ok(
    pushed: Gateway, store: MemoryStatusStore
) -> None:
    reply = _push(pushed, id=PENDING[1], phone=PENDING[0], status="1", err="0", ts="1796400000")

    assert (reply.status_code, reply.text) == (200, "OK")
    known = store.get("demo", *PENDING)
    assert known is not None
    assert (int(known.status.status), known.source) == (1, "callback")
    assert known.fields["ts"] == "1796400000"
    assert "md5" not in known.fields
    assert "sha1" not in known.fields


@pytest.mark.parametrize("signature", ["missing", "wrong"])
def test_a_callback_without_the_right_signature_is_refused_and_changes_nothing(
    pushed: Gateway, store: MemoryStatusStore, signature: str
) -> None:
    fields = {"id": PENDING[1], "phone": PENDING[0], "status": "1", "err": "0"}
    if signature == "wrong":
        fields = callbacks.sign(fields, "another secret")

    reply = _push(pushed, signed=False, **fields)

    assert reply.status_code == 401
    assert SECRET not in reply.text
    assert store.get("demo", *PENDING) is None
    assert store.latest() == "0"


def test_the_same_callback_twice_is_one_change_and_an_older_one_changes_nothing(
    pushed: Gateway, store: MemoryStatusStore
) -> None:
    delivered = {"id": PENDING[1], "phone": PENDING[0], "status": "1", "err": "0"}
    _push(pushed, **delivered, ts="1796400100")
    _push(pushed, **delivered, ts="1796400100")
    # Older, and pending: a message does not go back.
    _push(pushed, id=PENDING[1], phone=PENDING[0], status="0", err="0", ts="1796400000")

    assert [change.event_id for change in store.changes("0", wait=0)] == ["1"]
    assert _status_of(store, *PENDING) == 1


def test_incoming_messages_and_calls_are_acknowledged_not_kept_as_statuses(
    pushed: Gateway, store: MemoryStatusStore
) -> None:
    incoming = _push(pushed, phone="79991234567", mes="STOP", to="79990000001")
    call = _push(pushed, phone="79991234567", waitcall="79990000002", ts="1796400000")

    assert [(reply.status_code, reply.text) for reply in (incoming, call)] == [(200, "OK")] * 2
    assert store.latest() == "0"
    metrics = requests.get(f"{pushed.url}/metrics", timeout=10).text
    assert 'smsc_gateway_callbacks_total{kind="incoming",verdict="acknowledged"} 1.0' in metrics
    assert 'smsc_gateway_callbacks_total{kind="call",verdict="acknowledged"} 1.0' in metrics


def test_a_malformed_callback_is_refused_with_400(pushed: Gateway) -> None:
    reply = _push(pushed, id="12ab", phone=PENDING[0], status="1")

    assert reply.status_code == 400
    assert reply.json()["error"]["type"] == "GatewayError"


def test_a_pushed_status_answers_every_face_with_no_lookup_once_credentials_are_accepted(
    pushed: Gateway, upstream: tuple[CountingSandbox, Sandbox]
) -> None:
    counted = upstream[0]
    # The credentials are checked once, by a lookup of another message.
    assert _json_status(pushed, *DELIVERED).status_code == 200
    asked = counted.requests
    # Pending at the service; the push says it failed (expired): final.
    _push(pushed, id=PENDING[1], phone=PENDING[0], status="3", err="0")

    json_reply = _json_status(pushed, *PENDING)
    http_reply = requests.get(
        f"{pushed.url}/sys/status.php",
        params={"login": "demo", "psw": "demo", "phone": PENDING[0], "id": PENDING[1]},
        timeout=10,
    )

    assert json_reply.json()["status"] == 3
    assert http_reply.text.startswith("Status = 3")
    assert counted.requests == asked


def test_a_caller_with_a_wrong_password_reads_nothing_pushed(
    pushed: Gateway, upstream: tuple[CountingSandbox, Sandbox]
) -> None:
    _push(pushed, id=PENDING[1], phone=PENDING[0], status="3", err="0")

    reply = _json_status(pushed, *PENDING, auth=("demo", "wrong"))
    again = _json_status(pushed, *PENDING, auth=("demo", "wrong"))

    assert (reply.status_code, again.status_code) == (401, 401)
    assert "status" not in reply.json()
    assert "status" not in again.json()
    assert upstream[0].errors[2] == 1  # asked once; the second answered by the lockout


def _subscribed(gateway: Gateway, **headers: str) -> requests.Response:
    reply = requests.get(
        f"{gateway.url}/v1/events", auth=AUTH, headers=headers, stream=True, timeout=10
    )
    reply.raise_for_status()
    return reply


def _events(reply: requests.Response, count: int) -> list[tuple[str, str]]:
    """The next ``count`` events of a stream, as (id, data); the stream closed after."""
    events: list[tuple[str, str]] = []
    event_id = ""
    with reply:
        for line in reply.iter_lines(decode_unicode=True):
            if line.startswith("id: "):
                event_id = line.removeprefix("id: ")
            elif line.startswith("data: "):
                events.append((event_id, line.removeprefix("data: ")))
                if len(events) == count:
                    break
    return events


def test_an_events_subscriber_resuming_with_last_event_id_gets_every_change_it_missed(
    pushed: Gateway,
) -> None:
    assert _json_status(pushed, *DELIVERED).status_code == 200  # credentials accepted
    first = _subscribed(pushed)
    _push(pushed, id=PENDING[1], phone=PENDING[0], status="1", err="0", ts="1796400100")
    ((seen, _),) = _events(first, 1)
    # Missed while away.
    _push(pushed, id=PENDING[1], phone=PENDING[0], status="2", err="0", ts="1796400200")
    _push(pushed, id="1009", phone="79990001009", status="1", err="0", ts="1796400300")

    missed = _events(_subscribed(pushed, **{"Last-Event-ID": seen}), 2)

    assert [event_id for event_id, _ in missed] == [str(int(seen) + 1), str(int(seen) + 2)]
    assert '"status":2' in missed[0][1]
    assert '"learned":"callback"' in missed[0][1]
    assert '"id":"1009"' in missed[1][1]


def test_an_events_subscriber_gets_only_the_message_it_filters_for(pushed: Gateway) -> None:
    assert _json_status(pushed, *DELIVERED).status_code == 200
    stream = _subscribed_to(pushed, phone="+7 999 000-10-09", id="1009")
    _push(pushed, id=PENDING[1], phone=PENDING[0], status="1", err="0")
    _push(pushed, id="1009", phone="79990001009", status="1", err="0")

    ((_, data),) = _events(stream, 1)

    assert '"id":"1009"' in data


def _subscribed_to(gateway: Gateway, **params: str) -> requests.Response:
    reply = requests.get(
        f"{gateway.url}/v1/events", auth=AUTH, params=params, stream=True, timeout=10
    )
    reply.raise_for_status()
    return reply


def test_events_need_credentials_the_service_accepted(pushed: Gateway) -> None:
    anonymous = requests.get(f"{pushed.url}/v1/events", timeout=10)
    unchecked = requests.get(f"{pushed.url}/v1/events", auth=("demo", "wrong"), timeout=10)
    refused = requests.get(
        f"{pushed.url}/v1/events",
        params={"phone": PENDING[0], "id": PENDING[1]},
        auth=("demo", "wrong"),
        timeout=10,
    )

    assert [reply.status_code for reply in (anonymous, unchecked, refused)] == [401] * 3
    # Refused as the JSON face refuses a lookup: the service's error 2, in the same words.
    assert refused.json()["error"]["code"] == 2
    assert refused.json()["error"]["type"] == "AuthenticationError"
    assert refused.headers["WWW-Authenticate"] == 'Basic realm="smsc-soap"'


class _DownStore(MemoryStatusStore):
    """A status store whose writes fail as a Redis server's do when it is not there."""

    def put(self, *args: Any, **kwargs: Any) -> Any:
        raise StatusStoreError("Error 111 connecting to 127.0.0.1:1. Refused.")


def test_a_callback_the_store_cannot_keep_is_503_so_the_service_sends_it_again(
    upstream: tuple[CountingSandbox, Sandbox], clock: ManualClock
) -> None:
    store = _DownStore(clock=clock.monotonic)
    with start_gateway(upstream[1], clock, statuses=store) as gateway:
        reply = _push(gateway, signed=False, id=PENDING[1], phone=PENDING[0], status="3")
        metrics = requests.get(f"{gateway.url}/metrics", timeout=10).text

    assert reply.status_code == 503
    assert reply.headers["Retry-After"] == "5"
    assert "127.0.0.1:1" not in reply.text
    assert 'smsc_gateway_callbacks_total{kind="status",verdict="failed"} 1.0' in metrics


def test_a_first_lookup_older_than_the_pushed_status_is_answered_with_the_pushed_one(
    pushed: Gateway, upstream: tuple[CountingSandbox, Sandbox]
) -> None:
    # Pushed before the credentials were ever checked; the service's own answer is older.
    later = str(int(time.time()) + 60)
    assert _push(pushed, id=PENDING[1], phone=PENDING[0], status="1", err="0", ts=later).ok

    reply = _json_status(pushed, *PENDING)

    assert upstream[0].requests == 1  # the credentials checked by this lookup
    assert reply.json()["status"] == 1

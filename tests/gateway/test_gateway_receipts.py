"""SMPP receipts into the status store, one session across replicas: the holder binds only
while it holds the claim, writes each receipt, unbinds when it loses the claim, and another
holder takes over when it stops or dies, losing no receipt the sandbox sent after the move.
Claims and renewals run on one ``ManualClock``: no test waits out a claim."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
import requests

from smsc_soap import InvalidParametersError, StatusCode
from smsc_soap.gateway import Gateway
from smsc_soap.gateway.receipts import ReceiptHolder, claim_name
from smsc_soap.sandbox import BookMessage, Sandbox
from smsc_soap.service.credentials import Credentials
from smsc_soap.statuses import MemoryStatusStore, StatusStore

from support.gateway_setup import DELIVERED, PENDING, CountingSandbox, start_gateway
from support.manual_clock import ManualClock
from support.receipt_sandbox import PHONE, eventually, moving, receipt_sandbox
from support.smpp_peer import SmppPeer, c_string, deliver_sm, pdu

DEMO = Credentials.of("demo", "demo")
CLAIM, RENEW = 10.0, 3.0


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def store(clock: ManualClock) -> MemoryStatusStore:
    return MemoryStatusStore(clock=clock.monotonic)


@contextmanager
def holders(
    store: StatusStore | FlakyStore,
    port: int,
    clock: ManualClock,
    count: int = 1,
    verdicts: list[str] | None = None,
) -> Iterator[list[ReceiptHolder]]:
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                ReceiptHolder(
                    store,  # type: ignore[arg-type]  # a FlakyStore stands in for one
                    "127.0.0.1",
                    port,
                    DEMO,
                    claim_seconds=CLAIM,
                    renew_seconds=RENEW,
                    clock=clock,
                    on_verdict=None if verdicts is None else verdicts.append,
                )
            )
            for _ in range(count)
        ]


def stored(store: StatusStore, *ids: str) -> bool:
    return all(store.get("demo", PHONE, message_id) is not None for message_id in ids)


def bound(candidates: list[ReceiptHolder]) -> list[ReceiptHolder]:
    return [holder for holder in candidates if holder.bound]


def test_receipts_reach_the_store_as_receipts(store: MemoryStatusStore, clock: ManualClock) -> None:
    with receipt_sandbox(moving(2)) as sandbox, holders(store, sandbox.port, clock) as [holder]:
        eventually(lambda: holder.bound)
        sandbox.advance(20)
        eventually(lambda: stored(store, "1", "2"))
        counts = holder.counts()

    known = store.get("demo", PHONE, "2")
    assert known is not None
    assert (known.source, known.status.status) == ("receipt", StatusCode.DELIVERED)
    assert (counts.received, counts.written, counts.changed) == (2, 2, 2)
    assert (counts.unreadable, counts.failed) == (0, 0)
    assert counts.held
    assert not holder.counts().held  # stopped: let go
    assert sandbox.server.unbinds == 1


@pytest.mark.slow
def test_two_holders_on_one_store_bind_one_session(
    store: MemoryStatusStore, clock: ManualClock
) -> None:
    with receipt_sandbox(moving(1)) as sandbox, holders(store, sandbox.port, clock, 2) as both:
        eventually(lambda: len(bound(both)) == 1)
        started = clock.now
        eventually(lambda: clock.now > started + 3 * CLAIM)  # renewed across several claims
        assert len(bound(both)) == 1
        assert [holder.counts().held for holder in both].count(True) == 1
        sandbox.advance(10)
        eventually(lambda: stored(store, "1"))

    assert sandbox.server.binds == 1


def test_the_other_holder_binds_when_the_holder_stops(
    store: MemoryStatusStore, clock: ManualClock
) -> None:
    with receipt_sandbox(moving(3)) as sandbox, holders(store, sandbox.port, clock, 2) as both:
        eventually(lambda: len(bound(both)) == 1)
        [first] = bound(both)
        [second] = [holder for holder in both if holder is not first]
        sandbox.advance(10)
        eventually(lambda: stored(store, "1"))

        first.stop()
        stopped_at = clock.now
        eventually(lambda: second.counts().held)
        assert clock.now - stopped_at <= CLAIM  # claimed; binding takes real time, not this
        eventually(lambda: second.bound)
        sandbox.advance(20)
        eventually(lambda: stored(store, "2", "3"))

    assert sandbox.server.unbinds == 2
    assert (first.counts().written, second.counts().written) == (1, 2)


class DeadHolder:
    """A replica that took the claim and bound, read one receipt, and died: it neither
    acknowledged the receipt nor unbound nor gave the claim back."""

    def __init__(self, store: StatusStore, port: int) -> None:
        self.claimed = store.claim(claim_name("127.0.0.1", port, "demo"), "dead", CLAIM)
        self.connection = socket.create_connection(("127.0.0.1", port), timeout=5)
        body = c_string("demo") + c_string("demo") + c_string("") + bytes([0x34, 0, 0]) + b"\0"
        self.connection.sendall(pdu(0x00000001, 1, body))
        assert self._read()[1] == 0x80000001

    def read_one_and_die(self) -> int:
        command_id = self._read()[1]
        self.connection.close()  # as the kernel closes a killed process's sockets
        return command_id

    def _read(self) -> tuple[int, int]:
        head = self._exactly(16)
        length, command_id, _, _ = struct.unpack(">LLLL", head)
        self._exactly(length - 16)
        return length, command_id

    def _exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            part = self.connection.recv(size - len(data))
            assert part, "the sandbox closed the connection"
            data += part
        return data


def test_a_dead_holders_session_moves_within_the_claim_and_no_receipt_is_lost(
    store: MemoryStatusStore, clock: ManualClock
) -> None:
    with receipt_sandbox(moving(3)) as sandbox:
        dead = DeadHolder(store, sandbox.port)
        claimed_at = clock.now
        assert dead.claimed
        with holders(store, sandbox.port, clock) as [holder]:
            sandbox.advance(10)
            assert dead.read_one_and_die() == 0x00000005  # receipt 1, never acknowledged
            eventually(lambda: holder.counts().held)
            assert clock.now - claimed_at <= CLAIM + RENEW
            eventually(lambda: holder.bound)
            sandbox.advance(20)
            eventually(lambda: stored(store, "1", "2", "3"))

    assert sandbox.server.acknowledged == 3


class FlakyStore:
    """The store, whose claims can be lost and whose writes can fail."""

    def __init__(self, store: MemoryStatusStore) -> None:
        self.store = store
        self.claim_lost = threading.Event()
        self.claims_fail = threading.Event()
        self.failing_writes = 0
        self.failing_after_write = 0

    def claim(self, name: str, holder: str, seconds: float) -> bool:
        if self.claim_lost.is_set():
            return False
        if self.claims_fail.is_set():
            raise ConnectionError("the store is away")
        return self.store.claim(name, holder, seconds)

    def put(self, *args: Any, **kwargs: Any) -> Any:
        if self.failing_writes:
            self.failing_writes -= 1
            raise ConnectionError("the store is away")
        change = self.store.put(*args, **kwargs)
        if self.failing_after_write:
            self.failing_after_write -= 1
            raise ConnectionError("the store went away with the answer")
        return change

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def test_a_holder_that_loses_the_claim_unbinds_at_once(
    store: MemoryStatusStore, clock: ManualClock
) -> None:
    flaky = FlakyStore(store)
    with receipt_sandbox([]) as sandbox, holders(flaky, sandbox.port, clock) as [holder]:
        eventually(lambda: holder.bound)
        lost_at = clock.now
        flaky.claim_lost.set()
        eventually(lambda: sandbox.server.unbinds == 1)
        assert clock.now - lost_at <= 2 * RENEW  # the renewal under way, or the next
        eventually(lambda: not holder.counts().held)
        assert not holder.bound
        assert sandbox.server.binds == 1  # and no bind since


def test_a_receipt_whose_write_fails_is_not_acknowledged_and_comes_again(
    store: MemoryStatusStore, clock: ManualClock
) -> None:
    flaky = FlakyStore(store)
    flaky.failing_writes = 1
    verdicts: list[str] = []
    with (
        receipt_sandbox(moving(1)) as sandbox,
        holders(flaky, sandbox.port, clock, verdicts=verdicts) as [holder],
    ):
        eventually(lambda: holder.bound)
        sandbox.advance(10)
        eventually(lambda: stored(store, "1"))
        eventually(lambda: sandbox.server.acknowledged == 1)
        counts = holder.counts()

    assert (counts.received, counts.written, counts.failed) == (2, 1, 1)
    assert verdicts == ["failed", "stored"]
    assert sandbox.server.binds == 2  # the session was dropped and bound again


def test_a_receipt_written_but_not_acknowledged_comes_again_and_changes_nothing(
    store: MemoryStatusStore, clock: ManualClock
) -> None:
    flaky = FlakyStore(store)
    flaky.failing_after_write = 1
    verdicts: list[str] = []
    with (
        receipt_sandbox(moving(1)) as sandbox,
        holders(flaky, sandbox.port, clock, verdicts=verdicts) as [holder],
    ):
        eventually(lambda: holder.bound)
        sandbox.advance(10)
        eventually(lambda: sandbox.server.acknowledged == 1)
        counts = holder.counts()

    assert verdicts == ["failed", "unchanged"]
    assert (counts.received, counts.written, counts.changed) == (2, 1, 0)
    assert store.latest() == "1"  # one change in the feed


def test_an_unreadable_receipt_is_counted_and_acknowledged(
    store: MemoryStatusStore, clock: ManualClock
) -> None:
    verdicts: list[str] = []
    with (
        SmppPeer([deliver_sm(3, "id:9 stat:NOPE", {})]) as peer,
        holders(store, peer.port, clock, verdicts=verdicts) as [holder],
    ):
        eventually(lambda: bool(peer.answers))
        counts = holder.counts()

    assert peer.answers == [(0x80000005, 0, 3)]
    assert verdicts == ["unreadable"]
    assert (counts.received, counts.written, counts.unreadable) == (0, 0, 1)


def test_a_claim_renewed_too_seldom_is_refused(store: MemoryStatusStore) -> None:
    with pytest.raises(InvalidParametersError, match="renewed at least twice"):
        ReceiptHolder(store, "127.0.0.1", 1, DEMO, claim_seconds=10, renew_seconds=6)


def test_the_claim_names_the_server_and_login() -> None:
    assert claim_name("smpp.smsc.ru", 2775, "demo") == "smpp-receipts:smpp.smsc.ru:2775:demo"


def test_a_receipt_answers_the_gateway_with_no_lookup(
    upstream: tuple[CountingSandbox, Sandbox], clock: ManualClock, store: MemoryStatusStore
) -> None:
    counted, service = upstream
    moving_pending = BookMessage(
        id=PENDING[1],
        phone=PENDING[0],
        status=StatusCode.TRANSFERRED,
        then_status=StatusCode.DELIVERED,
        then_after=10,
    )
    with (
        receipt_sandbox([moving_pending]) as sandbox,
        start_gateway(service, clock, statuses=store) as gateway,
        holders(store, sandbox.port, clock) as [holder],
    ):
        # The credentials are checked once, by a lookup of another message.
        assert json_status(gateway, *DELIVERED).status_code == 200
        asked = counted.requests
        eventually(lambda: holder.bound)
        sandbox.advance(10)
        eventually(lambda: gateway.app.known.held("demo", *PENDING) is not None)

        reply = json_status(gateway, *PENDING)

    assert reply.json()["status"] == StatusCode.DELIVERED
    assert counted.requests == asked


def json_status(gateway: Gateway, phone: str, message_id: str) -> requests.Response:
    return requests.get(
        f"{gateway.url}/v1/status",
        params={"phone": phone, "id": message_id},
        auth=("demo", "demo"),
        timeout=10,
    )


@pytest.mark.slow
def test_a_store_out_of_use_unbinds_warns_once_and_the_holder_binds_when_it_is_back(
    store: MemoryStatusStore, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    flaky = FlakyStore(store)
    with receipt_sandbox([]) as sandbox, holders(flaky, sandbox.port, clock) as [holder]:
        eventually(lambda: holder.bound)
        flaky.claims_fail.set()
        eventually(lambda: not holder.counts().held)
        tried_at = clock.now
        eventually(lambda: clock.now > tried_at + 3 * RENEW)  # tried again, and again
        flaky.claims_fail.clear()
        eventually(lambda: holder.bound)

    assert sandbox.server.unbinds >= 1
    assert caplog.text.count("could not be taken or renewed") == 1
    assert "the store answers" in caplog.text

"""get_statuses: results stream as they arrive, failures stay items, a block ends the batch."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping

import pytest

from smsc_soap import (
    FakeTransport,
    InstantClock,
    InvalidParametersError,
    IPBlockedError,
    MessageNotFoundError,
    StatusClient,
)
from smsc_soap.service.credentials import Credentials
from smsc_soap.service.request import StatusRequest

from support.manual_clock import ManualClock

PHONE = "79991234567"


def fake_with(count: int, clock: ManualClock | InstantClock) -> FakeTransport:
    fake = FakeTransport(clock=clock)
    for n in range(count):
        fake.add(PHONE, str(n), status=n % 3)
    return fake


def test_refs_are_read_as_the_batch_goes() -> None:
    clock = InstantClock()
    fake = fake_with(1000, clock)
    client = StatusClient("demo", "pw", transport=fake, clock=clock)
    handed_out = 0

    def refs() -> Iterator[tuple[str, str]]:
        nonlocal handed_out
        for n in range(1000):
            handed_out += 1
            yield (PHONE, str(n))

    results = client.get_statuses(refs())
    first = next(results)

    assert first.ok
    assert handed_out <= 2 * 4 + 1  # two per worker queued, not the whole generator
    assert len(list(results)) == 999


def test_every_ref_gets_exactly_one_result() -> None:
    clock = InstantClock()
    fake = fake_with(200, clock)
    client = StatusClient("demo", "pw", transport=fake, clock=clock)
    refs = [(PHONE, str(n)) for n in range(250)] + ["not a pair", (PHONE, "1,2")]  # type: ignore[list-item]

    results = list(client.get_statuses(refs))  # type: ignore[arg-type]

    assert len(results) == 252
    assert sorted(r.message_id for r in results if r.ok) == sorted(str(n) for n in range(200))
    missing = [r for r in results if isinstance(r.error, MessageNotFoundError)]
    assert len(missing) == 50
    assert sum(isinstance(r.error, InvalidParametersError) for r in results) == 2


class MeetingTransport:
    """Answers every lookup, but only once four of them are in flight together.

    Each fetch waits on a barrier of four (for at most ``WAIT`` seconds, so that a batch run on
    fewer threads fails instead of hanging), and the most fetches ever in flight at once is
    recorded. The very first lookup is answered alone: until the service has accepted the
    credentials, the client sends one request at a time.
    """

    WAIT = 10.0

    def __init__(self, parties: int = 4) -> None:
        self.barrier = threading.Barrier(parties, timeout=self.WAIT)
        self.in_flight = 0
        self.most_in_flight = 0
        self.threads: set[str] = set()
        self.answered = 0
        self._lock = threading.Lock()

    def fetch(
        self, credentials: Credentials, request: StatusRequest, *, timeout: float
    ) -> Mapping[str, str]:
        with self._lock:
            first = not self.answered
            self.answered += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.threads.add(threading.current_thread().name)
        try:
            if not first:
                self.barrier.wait()
            return {"status": "1", "err": "0"}
        finally:
            with self._lock:
                self.in_flight -= 1

    def close(self) -> None:
        self.barrier.abort()  # nothing waits on a closed transport


def test_lookups_run_four_at_a_time() -> None:
    """Four lookups at once, the client's in-flight limit (fewer than the service's five)."""
    transport = MeetingTransport(parties=4)
    client = StatusClient("demo", "pw", transport=transport, clock=InstantClock())

    try:
        results = list(client.get_statuses((PHONE, str(n)) for n in range(13)))
    finally:
        transport.close()

    assert [r.error for r in results] == [None] * 13
    assert sorted(r.message_id for r in results) == sorted(str(n) for n in range(13))
    assert transport.most_in_flight == 4
    assert len(transport.threads) == 4
    assert all(name.startswith("smsc-soap") for name in transport.threads)


def test_an_ip_block_ends_the_batch_at_once() -> None:
    clock = ManualClock()
    fake = fake_with(100, clock)
    fake.script(PHONE, "10", 4)
    client = StatusClient("demo", "pw", transport=fake, clock=clock)
    received = []

    with pytest.raises(IPBlockedError):
        received.extend(client.get_statuses((PHONE, str(n)) for n in range(100)))

    assert len(fake.requests) < 20  # the lookups after the block were never sent


def test_stopping_early_leaves_nothing_running() -> None:
    clock = InstantClock()
    fake = fake_with(100, clock)
    client = StatusClient("demo", "pw", transport=fake, clock=clock)
    before = threading.active_count()

    results = client.get_statuses((PHONE, str(n)) for n in range(100))
    next(results)
    results.close()

    assert threading.active_count() == before
    assert len(fake.requests) < 20


def test_bad_batch_options_are_refused_before_anything_is_sent() -> None:
    client = StatusClient("demo", "pw", transport="http")
    with pytest.raises(InvalidParametersError):
        client.get_statuses([(PHONE, "1")], all=3)
    with pytest.raises(InvalidParametersError):
        client.get_statuses([(PHONE, "1")], mass_size=0)

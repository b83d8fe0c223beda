"""AsyncStatusClient: the event loop never waits on a lookup, a cancelled lookup sends nothing
more and keeps its place while the service may still answer it, and sync and async clients
keep one login's limits together."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from contextlib import aclosing
from pathlib import Path

import pytest

from smsc_soap import (
    AsyncStatusClient,
    FakeTransport,
    InstantClock,
    InvalidParametersError,
    MessageStatus,
    RateLimitError,
    RetryPolicy,
    StatusClient,
    StatusCode,
)
from smsc_soap.limits.limiter import ABANDONED_HOLD
from smsc_soap.limits.stores import Ask, Granted, LimitStore, Refused
from smsc_soap.service.credentials import Credentials

from support.accepted import accepted_store
from support.fault_server import FaultServer, never_answers
from support.manual_clock import ManualClock
from support.soap_replies import PASSWORD

PHONE = "79991234567"
SCOPE = Credentials.of("demo", PASSWORD, None).scope(salt=b"")  # a login: no salt in it
IN_FLIGHT = 4
# Bounds a wait that only a broken client would reach: a hang shows as a failure.
STUCK = 5.0


def places(store: LimitStore, count: int) -> list[str]:
    """Take ``count`` places in flight on the test login, straight from the store."""
    leases = []
    for n in range(count):
        answer = store.acquire(
            Ask(scope=SCOPE, bucket=f"held:{n}", allowed=5, window=61, in_flight=4, lease_for=60)
        )
        assert isinstance(answer, Granted), f"place {n + 1} was refused: {answer}"
        leases.append(answer.lease)
    return leases


async def drained(batch: AsyncGenerator[object, None]) -> None:
    async with aclosing(batch):
        async for _ in batch:
            pass


async def worst_lag(stop: asyncio.Event) -> float:
    """The longest the loop was late to wake a task sleeping 10 ms at a time."""
    loop = asyncio.get_running_loop()
    worst = 0.0
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(0.01)
        worst = max(worst, loop.time() - before - 0.01)
    return worst


SLOW_SANDBOX = """
import sys
from smsc_soap.sandbox import BookMessage, MessageBook, Sandbox, SandboxApp, SandboxOptions

messages = [BookMessage(id=str(n), phone=sys.argv[1], status=n % 3) for n in range(100)]
options = SandboxOptions(latency_ms=200, enforce_limits=True)
sandbox = Sandbox(SandboxApp(MessageBook(messages), options))
print(sandbox.soap_endpoint, flush=True)
sandbox.serve_forever()
"""


@pytest.fixture
def slow_sandbox() -> Iterator[str]:
    """A sandbox answering in 200 ms, in a process of its own: its threads must not be what
    the loop of the test waits for."""
    server = subprocess.Popen(
        [sys.executable, "-c", SLOW_SANDBOX, PHONE], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip()
    finally:
        server.kill()
        server.wait(timeout=10)


async def cancel_once_sent(lookup: asyncio.Task[MessageStatus], sent: Callable[[], object]) -> None:
    """Cancel ``lookup`` once ``sent()`` says its request went out, and see it cancelled."""
    async with asyncio.timeout(STUCK):
        while not sent():
            await asyncio.sleep(0.01)
    lookup.cancel()
    with pytest.raises(asyncio.CancelledError):
        await lookup


@pytest.mark.slow
def test_a_batch_of_100_against_a_slow_service_never_stalls_the_loop(slow_sandbox: str) -> None:
    async def run() -> tuple[dict[str, StatusCode], float]:
        # Built before the monitor starts, as at an application's startup: building a SOAP
        # client loads zeep, on the loop (tens of milliseconds, once).
        built = AsyncStatusClient(
            "demo",
            "demo",
            endpoint=slow_sandbox,
            allow_insecure_http=True,
            retry=RetryPolicy.disabled(),  # an error 9 for a fifth request in flight would show
        )
        # One lookup first, as an application's first request would: what a lookup imports
        # (and, on a first run, compiles) is loaded before the loop is watched.
        await built.get_status(PHONE, "0")
        stop = asyncio.Event()
        monitor = asyncio.create_task(worst_lag(stop))
        await asyncio.sleep(0)  # the monitor is sleeping before the batch starts
        async with built as client:
            refs = [(PHONE, str(n)) for n in range(100)]
            statuses = {}
            async for result in client.get_statuses(refs):
                assert result.status is not None, result.error
                statuses[result.message_id] = result.status.status
        stop.set()
        return statuses, await monitor

    statuses, lag = asyncio.run(run())

    assert statuses == {str(n): StatusCode(n % 3) for n in range(100)}
    assert lag < 0.05


def test_a_lookup_cancelled_in_flight_shuts_its_socket_and_keeps_its_place_for_the_hold() -> None:
    clock = ManualClock()
    store = accepted_store(clock=clock.monotonic)

    async def run(server: FaultServer) -> None:
        client = AsyncStatusClient(
            "demo", PASSWORD, endpoint=server.url, allow_insecure_http=True, limits=store
        )
        lookup = asyncio.create_task(client.get_status(PHONE, "1"))
        await cancel_once_sent(lookup, lambda: server.requests)
        # The worker ends with its socket shut, not when the read times out.
        await asyncio.wait_for(client.aclose(), STUCK)

    with FaultServer([never_answers]) as server:
        asyncio.run(run(server))
        assert len(server.requests) == 1  # not retried

    # The request reached the service, which may still be answering it: its place is kept
    # for the abandoned-request hold, as after a timeout.
    held = places(store, IN_FLIGHT - 1)
    assert isinstance(store.acquire(Ask(SCOPE, "more", 5, 61, 4, 60)), Refused)
    for lease in held:
        store.release(SCOPE, lease)
    clock.advance(ABANDONED_HOLD)
    places(store, IN_FLIGHT)


def test_a_lookup_cancelled_while_waiting_for_a_place_never_sends() -> None:
    store = accepted_store()
    fake = FakeTransport()
    fake.add(PHONE, "1", status=1)
    held = places(store, IN_FLIGHT)

    async def run() -> None:
        client = AsyncStatusClient("demo", PASSWORD, transport=fake, limits=store)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.1):
                await client.get_status(PHONE, "1")
        for lease in held:
            store.release(SCOPE, lease)
        await asyncio.wait_for(client.aclose(), STUCK)

    asyncio.run(run())

    assert fake.requests == []
    places(store, IN_FLIGHT)


def test_a_lookup_cancelled_in_its_back_off_after_error_9_sends_no_more() -> None:
    fake = FakeTransport()
    fake.add(PHONE, "1", status=1)
    fake.script(PHONE, "1", 9)  # then a minute's wait before the next attempt

    async def run() -> None:
        client = AsyncStatusClient("demo", PASSWORD, transport=fake, limits=accepted_store())
        lookup = asyncio.create_task(client.get_status(PHONE, "1"))
        await cancel_once_sent(lookup, lambda: fake.requests)
        # The worker leaves its back-off at the cancel, not a minute later.
        await asyncio.wait_for(client.aclose(), STUCK)

    asyncio.run(run())

    assert len(fake.requests) == 1


class SleepOnlyClock(InstantClock):
    """Instant waits, refusing a wait for another thread: a back-off is a sleep."""

    def wait(self, condition: threading.Condition, timeout: float) -> bool:
        raise AssertionError("a back-off waited on a condition")


def test_an_async_back_off_on_a_test_clock_is_its_instant_sleep() -> None:
    fake = FakeTransport()
    fake.add(PHONE, "1", status=1)
    fake.script(PHONE, "1", 9)
    clock = SleepOnlyClock()

    async def run() -> StatusCode:
        async with AsyncStatusClient(
            "demo", PASSWORD, transport=fake, limits=accepted_store(), clock=clock
        ) as client:
            return (await client.get_status(PHONE, "1")).status

    assert asyncio.run(run()) is StatusCode.DELIVERED
    assert clock.waits == [60.0]  # the minute after error 9, slept at once


def test_a_lookup_cancelled_while_its_message_window_is_full_never_sends() -> None:
    fake = FakeTransport()
    fake.add(PHONE, "1", status=1)
    store = accepted_store()
    with StatusClient("demo", PASSWORD, transport=fake, limits=store) as sync:
        for _ in range(5):  # the service's five lookups of a message a minute
            sync.get_status(PHONE, "1")

    async def run() -> None:
        client = AsyncStatusClient("demo", PASSWORD, transport=fake, limits=store)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.1):
                await client.get_status(PHONE, "1")
        await asyncio.wait_for(client.aclose(), STUCK)  # not when the window opens

    asyncio.run(run())

    assert len(fake.requests) == 5


def test_a_cancelled_batch_stops_reading_refs() -> None:
    fake = FakeTransport()
    for n in range(3):
        fake.add(PHONE, str(n), status=1)
    read: list[int] = []
    never = asyncio.Event()
    closed = asyncio.Event()

    async def refs() -> AsyncIterator[tuple[str, str]]:
        try:
            for n in range(3):
                read.append(n)
                yield PHONE, str(n)
            await never.wait()  # a source with nothing more for now
            read.append(3)
            yield PHONE, "3"
        finally:
            closed.set()

    async def run() -> None:
        client = AsyncStatusClient("demo", PASSWORD, transport=fake, limits=accepted_store())
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(drained(client.get_statuses(refs())), 0.2)
        await asyncio.wait_for(closed.wait(), STUCK)  # the read waiting for ref 3 was cancelled
        never.set()
        await asyncio.wait_for(client.aclose(), STUCK)

    asyncio.run(run())

    assert read == [0, 1, 2]


def test_sync_and_async_clients_on_one_sqlite_store_keep_the_limits_together(
    tmp_path: Path,
) -> None:
    fake = FakeTransport()
    fake.add(PHONE, "1", status=1)
    limits = f"sqlite:///{tmp_path / 'limits.db'}"
    options = {"transport": fake, "limits": limits, "wait_for_limits": False}
    sync = StatusClient("demo", PASSWORD, **options)  # type: ignore[arg-type]

    async def run() -> None:
        async with AsyncStatusClient("demo", PASSWORD, **options) as client:  # type: ignore[arg-type]
            for _ in range(2):
                await client.get_status(PHONE, "1")
            with pytest.raises(RateLimitError, match="held back by the client"):
                await client.get_status(PHONE, "1")

    with sync:
        for _ in range(3):
            sync.get_status(PHONE, "1")
        asyncio.run(run())
        with pytest.raises(RateLimitError, match="held back by the client"):
            sync.get_status(PHONE, "1")

    assert len(fake.requests) == 5  # the service's 5 lookups of a message a minute


def test_options_are_checked_as_the_sync_clients_are() -> None:
    with pytest.raises(InvalidParametersError) as caught:
        AsyncStatusClient("demo", PASSWORD, deadline=-1)
    assert caught.value.option == "deadline"


def test_the_secret_shows_nowhere_in_its_repr() -> None:
    client = AsyncStatusClient("demo", PASSWORD, transport="http")

    assert PASSWORD not in repr(client)
    assert repr(client).startswith("AsyncStatusClient(")
    asyncio.run(client.aclose())

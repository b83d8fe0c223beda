"""The client keeps the service's limits, is safe to share between threads, and stops calling
after the service refuses its credentials or blocks its IP."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from smsc_soap import (
    AuthenticationError,
    FakeTransport,
    IPBlockedError,
    RateLimitError,
    RequestTimeoutError,
    RetryPolicy,
    StatusClient,
    StatusCode,
)
from smsc_soap.limits.limiter import ABANDONED_HOLD
from smsc_soap.limits.stores import Ask, Granted, MemoryLimitStore, Refused, SqliteLimitStore
from smsc_soap.runtime.clock import SystemClock
from smsc_soap.sandbox import BookMessage, MessageBook, Sandbox, SandboxApp, SandboxOptions
from smsc_soap.service.credentials import Credentials
from smsc_soap.service.request import StatusRequest

from support.accepted import accepted_store
from support.manual_clock import ManualClock
from support.soap_replies import PASSWORD

PHONE = "79991234567"


def test_a_sixth_lookup_of_a_message_within_a_minute_waits_its_turn(
    fake: FakeTransport, clock: ManualClock
) -> None:
    client = StatusClient("demo", PASSWORD, transport=fake, clock=clock)
    started = clock.monotonic()

    for _ in range(6):
        assert client.get_status(PHONE, "1").status is StatusCode.DELIVERED

    assert len(fake.requests) == 6
    assert clock.sleeps == [pytest.approx(61.0)]  # a minute, and a second of margin
    assert clock.monotonic() - started == pytest.approx(61.0)


def test_a_caller_with_an_older_answer_is_refused_a_full_window_at_once(
    fake: FakeTransport, clock: ManualClock
) -> None:
    client = StatusClient("demo", PASSWORD, transport=fake, clock=clock)
    for _ in range(5):
        client.get_status(PHONE, "1")

    request = StatusRequest.build("get_status", PHONE, "1", 0)
    with pytest.raises(RateLimitError, match="nothing was sent"):
        client.lookup(request, wait_for_windows=False)

    assert clock.sleeps == []
    assert len(fake.requests) == 5
    assert client.get_status(PHONE, "1").is_delivered  # outside the block: waits its turn
    assert clock.sleeps == [pytest.approx(61.0)]


def test_other_messages_do_not_wait_for_it(fake: FakeTransport, clock: ManualClock) -> None:
    fake.add(PHONE, "2", status=0)
    client = StatusClient("demo", PASSWORD, transport=fake, clock=clock)

    for _ in range(5):
        client.get_status(PHONE, "1")
    client.get_status(PHONE, "2")

    assert clock.sleeps == []


def test_without_waiting_the_sixth_lookup_is_refused_unsent(
    fake: FakeTransport, clock: ManualClock
) -> None:
    client = StatusClient("demo", PASSWORD, transport=fake, clock=clock, wait_for_limits=False)
    for _ in range(5):
        client.get_status(PHONE, "1")

    with pytest.raises(RateLimitError, match="held back by the client") as caught:
        client.get_status(PHONE, "1")

    assert not caught.value.from_service
    assert caught.value.attempts == 0
    assert len(fake.requests) == 5
    clock.advance(61)
    assert client.get_status(PHONE, "1").status is StatusCode.DELIVERED


def test_a_wait_past_the_deadline_is_refused_at_once(
    fake: FakeTransport, clock: ManualClock
) -> None:
    client = StatusClient("demo", PASSWORD, transport=fake, clock=clock, deadline=30)
    for _ in range(5):
        client.get_status(PHONE, "1")

    with pytest.raises(RateLimitError, match="deadline"):
        client.get_status(PHONE, "1")

    assert clock.sleeps == []
    assert len(fake.requests) == 5


WAIT = 10.0
"""The longest any test here waits for another thread: a safety net, never reached when the
client behaves."""


class HeldTransport:
    """Holds the first ``hold`` requests until ``release`` is set and answers later ones at
    once, counting requests in flight, the most ever in flight, and those that arrived before
    the release."""

    def __init__(self, hold: int = 4) -> None:
        self.hold = hold
        self.release = threading.Event()
        self.arrived = 0
        self.arrived_before_release = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self._changed = threading.Condition()

    def fetch(
        self, credentials: Credentials, request: StatusRequest, *, timeout: float
    ) -> Mapping[str, str]:
        with self._changed:
            self.arrived += 1
            held = self.arrived <= self.hold
            self.arrived_before_release += not self.release.is_set()
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self._changed.notify_all()
        try:
            if held and not self.release.wait(timeout=WAIT):
                raise AssertionError("the test never released the held requests")
            return {"status": "1", "err": "0"}
        finally:
            with self._changed:
                self.in_flight -= 1
                self._changed.notify_all()

    def close(self) -> None:
        self.release.set()

    def __enter__(self) -> HeldTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Let held requests go, so that a failing test does not wait for them."""
        self.release.set()

    def wait_for_in_flight(self, count: int) -> None:
        with self._changed:
            reached = self._changed.wait_for(lambda: self.in_flight >= count, timeout=WAIT)
        assert reached, f"{self.in_flight} requests in flight, never {count}"


@pytest.fixture
def held() -> Iterator[HeldTransport]:
    transport = HeldTransport()
    yield transport
    transport.release.set()


def test_no_fifth_request_gets_in_while_four_are_in_flight(
    held: HeldTransport, clock: ManualClock
) -> None:
    """Four requests are held in flight; six more, from other threads, wait for a place until
    their deadline and give up unsent. Were a fifth let in, it would be answered at once."""
    # The manual clock never moves, so each waiting call waits for a place for the 0.2 s of
    # its deadline (on the real clock) and then gives up.
    client = StatusClient(
        "demo",
        PASSWORD,
        transport=held,
        clock=clock,
        deadline=0.2,
        retry=RetryPolicy.disabled(),
        limits=accepted_store(),
    )

    with ThreadPoolExecutor(max_workers=10) as pool, held:
        first = [pool.submit(client.get_status, PHONE, str(n)) for n in range(4)]
        held.wait_for_in_flight(4)
        waiting = [pool.submit(client.get_status, PHONE, str(n)) for n in range(4, 10)]
        for future in waiting:
            with pytest.raises(RateLimitError, match="already in flight"):
                future.result(timeout=WAIT)
        assert held.arrived == 4
        held.release.set()
        statuses = [future.result(timeout=WAIT) for future in first]

    assert held.most_in_flight == 4
    assert [status.message_id for status in statuses] == ["0", "1", "2", "3"]


def test_requests_waiting_for_a_place_take_the_places_freed(
    held: HeldTransport, clock: ManualClock
) -> None:
    client = StatusClient("demo", PASSWORD, transport=held, clock=clock, limits=accepted_store())

    with ThreadPoolExecutor(max_workers=10) as pool, held:
        results = [pool.submit(client.get_status, PHONE, str(n)) for n in range(4)]
        held.wait_for_in_flight(4)
        results += [pool.submit(client.get_status, PHONE, str(n)) for n in range(4, 10)]
        held.release.set()
        statuses = [result.result(timeout=WAIT) for result in results]

    assert [status.message_id for status in statuses] == [str(n) for n in range(10)]
    assert held.arrived == 10
    assert held.arrived_before_release == 4  # the other six only once a place was freed
    assert held.most_in_flight == 4


def test_without_waiting_a_fifth_request_in_flight_is_refused(held: HeldTransport) -> None:
    client = StatusClient(
        "demo", PASSWORD, transport=held, wait_for_limits=False, limits=accepted_store()
    )

    with ThreadPoolExecutor(max_workers=4) as pool, held:
        results = [pool.submit(client.get_status, PHONE, str(n)) for n in range(4)]
        held.wait_for_in_flight(4)
        with pytest.raises(RateLimitError, match="4 requests already in flight"):
            client.get_status(PHONE, "5")
        held.release.set()
        assert all(result.result(timeout=WAIT).is_delivered for result in results)

    assert held.arrived == 4


def test_one_client_shared_by_many_threads_never_draws_error_9() -> None:
    """Against the sandbox with its limits on: 12 threads, 60 lookups, one client."""
    messages = [BookMessage(id=str(n), phone="79990000001", status=n % 3) for n in range(20)]
    app = SandboxApp(MessageBook(messages), SandboxOptions(latency_ms=20, enforce_limits=True))
    sandbox = Sandbox(app).start()
    try:
        client = StatusClient(
            "demo",
            "demo",
            endpoint=sandbox.soap_endpoint,
            allow_insecure_http=True,
            retry=RetryPolicy.disabled(),  # an error 9 would surface, not be retried away
        )
        wanted = [messages[n % 20] for n in range(60)]
        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(
                pool.map(lambda message: client.get_status(message.phone, message.id), wanted)
            )
    finally:
        sandbox.stop()

    assert [(s.message_id, s.status) for s in statuses] == [
        (message.id, StatusCode(message.status)) for message in wanted
    ]


@pytest.mark.parametrize(("code", "raised"), [(2, AuthenticationError), (4, IPBlockedError)])
def test_after_error_2_or_4_calls_are_refused_unsent_until_reset(
    fake: FakeTransport, clock: ManualClock, code: int, raised: type[Exception]
) -> None:
    fake.script(PHONE, "1", code)
    client = StatusClient("demo", PASSWORD, transport=fake, clock=clock)
    with pytest.raises(raised) as first:
        client.get_status(PHONE, "1")
    assert first.value.from_service  # type: ignore[attr-defined]

    for _ in range(10):
        with pytest.raises(raised, match="nothing was sent") as refused:
            client.get_status(PHONE, "1")
        assert not refused.value.from_service  # type: ignore[attr-defined]
        assert refused.value.attempts == 0  # type: ignore[attr-defined]
    assert len(fake.requests) == 1
    assert PASSWORD not in str(refused.value)

    client.reset_lockout()
    assert client.get_status(PHONE, "1").is_delivered
    assert len(fake.requests) == 2


def test_a_call_refused_by_the_lockout_takes_no_place_in_the_message_window(
    clock: ManualClock,
) -> None:
    fake = FakeTransport(login="demo", password="right", clock=clock)
    fake.add(PHONE, "1", status=1)
    store = MemoryLimitStore(clock=clock.monotonic)
    stale = StatusClient("demo", "old", transport=fake, clock=clock, limits=store)
    current = StatusClient("demo", "right", transport=fake, clock=clock, limits=store)
    assert current.get_status(PHONE, "1").is_delivered
    with pytest.raises(AuthenticationError):
        stale.get_status(PHONE, "1")  # the service's error 2: one lookup of the message
    for _ in range(10):
        with pytest.raises(AuthenticationError, match="nothing was sent"):
            stale.get_status(PHONE, "1")

    for _ in range(3):  # the last three of five a minute are still there for the good password
        assert current.get_status(PHONE, "1").is_delivered
    assert clock.sleeps == []
    assert len(fake.requests) == 5


def test_the_lockout_ends_after_its_cool_down(fake: FakeTransport, clock: ManualClock) -> None:
    fake.script(PHONE, "1", 2)
    client = StatusClient("demo", PASSWORD, transport=fake, clock=clock, lockout_cooldown=600)
    with pytest.raises(AuthenticationError):
        client.get_status(PHONE, "1")

    clock.advance(599)
    with pytest.raises(AuthenticationError, match="not sent again for 1 s,"):
        client.get_status(PHONE, "1")
    clock.advance(1)
    assert client.get_status(PHONE, "1").is_delivered


def test_a_misconfigured_batch_sends_one_bad_login_not_five(clock: ManualClock) -> None:
    fake = FakeTransport(login="demo", password="right", clock=clock)
    for n in range(50):
        fake.add(PHONE, str(n))
    client = StatusClient("demo", "wrong", transport=fake, clock=clock)

    with pytest.raises(AuthenticationError) as first:
        client.get_status(PHONE, "0")
    assert first.value.from_service
    for n in range(1, 50):
        with pytest.raises(AuthenticationError, match="nothing was sent") as refused:
            client.get_status(PHONE, str(n))
        assert not refused.value.from_service

    assert len(fake.requests) == 1


def test_the_windows_forget_messages_outside_the_minute(clock: ManualClock) -> None:
    from smsc_soap.sandbox.sliding_window import SlidingWindow

    window = SlidingWindow(5, 60, clock=clock.monotonic)
    for n in range(50_000):
        assert window.reserve(("79991234567", str(n)), within=0) is not None
        clock.advance(0.0125)  # 80 lookups a second, the most the limits allow

    assert len(window) < 2 * 60 * 80 + 1024


def test_a_wrong_password_costs_one_bad_login_across_threads() -> None:
    """Credentials never accepted go one request at a time: four batch threads, one failure."""
    fake = FakeTransport(login="demo", password="right", delay=0.02)
    for n in range(40):
        fake.add(PHONE, str(n))
    client = StatusClient("demo", "wrong", transport=fake)

    with pytest.raises(AuthenticationError):
        list(client.get_statuses((PHONE, str(n)) for n in range(40)))

    assert len(fake.requests) == 1


class NotingClock(SystemClock):
    """The real clock, noting when a client starts waiting for a place."""

    def __init__(self) -> None:
        self.waiting = threading.Event()

    def wait(self, condition: threading.Condition, timeout: float) -> bool:
        self.waiting.set()
        return super().wait(condition, timeout)


def test_a_place_freed_by_one_client_wakes_another_on_the_same_store() -> None:
    """Two passwords of one login, neither accepted yet, go one request at a time; the
    second is woken when the first is answered, not when the first's place would expire."""
    held = HeldTransport(hold=1)
    store = MemoryLimitStore()
    first = StatusClient("demo", "one", transport=held, limits=store)
    clock = NotingClock()
    second = StatusClient("demo", "two", transport=held, limits=store, clock=clock)
    with ThreadPoolExecutor(max_workers=2) as pool, held:
        answered_first = pool.submit(first.get_status, PHONE, "1")
        held.wait_for_in_flight(1)
        answered_second = pool.submit(second.get_status, PHONE, "2")
        assert clock.waiting.wait(WAIT)  # held back behind the first
        held.release.set()
        assert answered_first.result(timeout=WAIT).is_delivered
        assert answered_second.result(timeout=WAIT).is_delivered


class SlottedStore:
    """A limit store that cannot be weakly referenced (``__slots__``), as a user's may be."""

    __slots__ = ("_inner",)

    def __init__(self, inner: MemoryLimitStore) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


def test_a_store_that_cannot_be_weakly_referenced_still_keeps_the_limits(
    fake: FakeTransport, clock: ManualClock
) -> None:
    store = SlottedStore(MemoryLimitStore(clock=clock.monotonic))
    client = StatusClient("demo", PASSWORD, transport=fake, clock=clock, limits=store)  # type: ignore[arg-type]
    for _ in range(6):
        assert client.get_status(PHONE, "1").is_delivered
    assert clock.sleeps == [pytest.approx(61.0)]


def test_accepted_credentials_go_four_at_a_time(held: HeldTransport) -> None:
    client = StatusClient("demo", PASSWORD, transport=held, limits=accepted_store())

    with ThreadPoolExecutor(max_workers=4) as pool, held:
        results = [pool.submit(client.get_status, PHONE, str(n)) for n in range(4)]
        held.wait_for_in_flight(4)
        held.release.set()
        assert all(result.result(timeout=WAIT).is_delivered for result in results)


def test_credentials_never_accepted_go_one_at_a_time(held: HeldTransport) -> None:
    client = StatusClient("demo", PASSWORD, transport=held, wait_for_limits=False)

    with ThreadPoolExecutor(max_workers=1) as pool, held:
        first = pool.submit(client.get_status, PHONE, "1")
        held.wait_for_in_flight(1)
        with pytest.raises(RateLimitError, match="not been accepted"):
            client.get_status(PHONE, "2")
        held.release.set()
        assert first.result(timeout=WAIT).is_delivered


def test_a_request_is_counted_in_its_window_when_it_leaves_not_when_it_asks() -> None:
    """Asks refused while every place was taken count nothing; five lookups sent at t=30
    keep a sixth out until t=91, though the first ask for the message came at t=0."""
    now = [0.0]
    store = MemoryLimitStore(clock=lambda: now[0])
    ask = Ask("demo", "message:1", allowed=5, window=61, in_flight=4, lease_for=10)
    held = [store.acquire(Ask("demo", f"message:{n}", 5, 61, 4, 100)) for n in (2, 3, 4, 5)]
    for _ in range(5):
        assert store.acquire(ask) == Refused("in_flight", 100.0)

    now[0] = 30.0
    for lease in held:
        assert isinstance(lease, Granted)
        store.release("demo", lease.lease)
    for _ in range(5):
        sent = store.acquire(ask)
        assert isinstance(sent, Granted)
        store.release("demo", sent.lease)

    now[0] = 61.5
    assert store.acquire(ask) == Refused("window", pytest.approx(29.5))


def test_a_request_given_up_for_a_timeout_keeps_its_place_a_while(clock: ManualClock) -> None:
    """The service may still be answering it: its place is held ABANDONED_HOLD seconds more."""
    fake = FakeTransport(clock=clock)
    for n in range(5):
        fake.add(PHONE, str(n))
        fake.script(PHONE, str(n), RequestTimeoutError("no answer"))
    client = StatusClient(
        "demo",
        PASSWORD,
        transport=fake,
        clock=clock,
        wait_for_limits=False,
        retry=RetryPolicy.disabled(),
        limits=accepted_store(clock=clock.monotonic),
    )
    for n in range(4):
        with pytest.raises(RequestTimeoutError):
            client.get_status(PHONE, str(n))

    with pytest.raises(RateLimitError, match="4 requests already in flight"):
        client.get_status(PHONE, "4")
    clock.advance(ABANDONED_HOLD - 1)
    with pytest.raises(RateLimitError, match="4 requests already in flight"):
        client.get_status(PHONE, "4")
    clock.advance(2)
    with pytest.raises(RequestTimeoutError):  # a place again: sent, and its script answers
        client.get_status(PHONE, "4")
    assert len(fake.requests) == 5


def test_sqlite_keeps_the_places_of_a_process_that_has_ended_until_their_leases_end(
    tmp_path: Path,
) -> None:
    path = tmp_path / "limits.db"
    holder = (
        "import sys; from smsc_soap.limits.stores import Ask, SqliteLimitStore;"
        "store = SqliteLimitStore(sys.argv[1]);"
        "[store.acquire(Ask('demo', f'message:{n}', 5, 61, 4, 3600)) for n in range(4)]"
    )
    subprocess.run([sys.executable, "-c", holder, str(path)], check=True, timeout=60)

    # Its requests may still run at the service: the process's end frees nothing.
    now = SqliteLimitStore(path)
    assert isinstance(now.acquire(Ask("demo", "message:9", 5, 61, 4, 10)), Refused)
    later = SqliteLimitStore(path, clock=lambda: time.time() + 3601)
    assert isinstance(later.acquire(Ask("demo", "message:9", 5, 61, 4, 10)), Granted)

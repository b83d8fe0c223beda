"""The client keeps the service's limits, is safe to share between threads, and stops calling
after the service refuses its credentials or blocks its IP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor

import pytest

from smsc_soap import (
    AuthenticationError,
    FakeTransport,
    IPBlockedError,
    RateLimitError,
    RetryPolicy,
    StatusClient,
    StatusCode,
)
from smsc_soap.credentials import Credentials
from smsc_soap.request import StatusRequest
from smsc_soap.sandbox import BookMessage, MessageBook, Sandbox, SandboxApp, SandboxOptions

from manual_clock import ManualClock
from soap_replies import PASSWORD

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


class HeldTransport:
    """Holds every request until released, counting how many are in flight at once."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()

    def fetch(
        self, credentials: Credentials, request: StatusRequest, *, timeout: float
    ) -> Mapping[str, str]:
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            assert self.release.wait(timeout=10)
            return {"status": "1", "err": "0"}
        finally:
            with self._lock:
                self.in_flight -= 1

    def close(self) -> None:
        self.release.set()

    def wait_for(self, in_flight: int) -> None:
        give_up = time.monotonic() + 10
        while self.in_flight < in_flight and time.monotonic() < give_up:
            time.sleep(0.005)


@pytest.fixture
def held() -> Iterator[HeldTransport]:
    transport = HeldTransport()
    yield transport
    transport.release.set()


def test_fewer_than_five_requests_are_in_flight_across_threads(held: HeldTransport) -> None:
    client = StatusClient("demo", PASSWORD, transport=held)

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = [pool.submit(client.get_status, PHONE, str(n)) for n in range(10)]
        held.wait_for(4)
        time.sleep(0.05)  # room for a fifth to slip through, if the client let it
        assert held.in_flight == 4
        held.release.set()
        statuses = [result.result(timeout=10) for result in results]

    assert held.most_in_flight == 4
    assert [status.message_id for status in statuses] == [str(n) for n in range(10)]


def test_without_waiting_a_fifth_request_in_flight_is_refused(held: HeldTransport) -> None:
    client = StatusClient("demo", PASSWORD, transport=held, wait_for_limits=False)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [pool.submit(client.get_status, PHONE, str(n)) for n in range(4)]
        held.wait_for(4)
        with pytest.raises(RateLimitError, match="4 requests already in flight"):
            client.get_status(PHONE, "5")
        held.release.set()
        assert all(result.result(timeout=10).is_delivered for result in results)


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


def test_the_lockout_ends_after_its_cool_down(fake: FakeTransport, clock: ManualClock) -> None:
    fake.script(PHONE, "1", 2)
    client = StatusClient("demo", PASSWORD, transport=fake, clock=clock, lockout_cooldown=600)
    with pytest.raises(AuthenticationError):
        client.get_status(PHONE, "1")

    clock.advance(599)
    with pytest.raises(AuthenticationError, match="1 s more"):
        client.get_status(PHONE, "1")
    clock.advance(1)
    assert client.get_status(PHONE, "1").is_delivered


def test_a_misconfigured_batch_sends_one_bad_login_not_five(clock: ManualClock) -> None:
    fake = FakeTransport(login="demo", password="right", clock=clock)
    for n in range(50):
        fake.add(PHONE, str(n))
    client = StatusClient("demo", "wrong", transport=fake, clock=clock)

    failures = 0
    for n in range(50):
        try:
            client.get_status(PHONE, str(n))
        except AuthenticationError:
            failures += 1

    assert failures == 50
    assert len(fake.requests) == 1


def test_the_windows_forget_messages_outside_the_minute(clock: ManualClock) -> None:
    from smsc_soap.sliding_window import SlidingWindow

    window = SlidingWindow(5, 60, clock=clock.monotonic)
    for n in range(50_000):
        assert window.reserve(("79991234567", str(n)), within=0) is not None
        clock.advance(0.0125)  # 80 lookups a second, the most the limits allow

    assert len(window) < 2 * 60 * 80 + 1024

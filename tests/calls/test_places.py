"""When a call gives its place back: at once when its request never reached the service (never
sent, no connection made), after the abandoned-request hold when it may still run there (a
timeout, a cancel), and never at the cost of the call's own outcome when the store fails."""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
import time
from contextlib import suppress
from pathlib import Path

import pytest

from smsc_soap import (
    AsyncStatusClient,
    ConnectionFailedError,
    FakeTransport,
    InstantClock,
    MessageNotFoundError,
    RateLimitError,
    RequestTimeoutError,
    RetryPolicy,
    StatusClient,
    StatusCode,
)
from smsc_soap.calls.sending import reached_the_service
from smsc_soap.limits.limiter import ABANDONED_HOLD, Window
from smsc_soap.limits.stores import (
    Ask,
    Granted,
    LimitStore,
    MemoryLimitStore,
    Refused,
    SqliteLimitStore,
)
from smsc_soap.service.credentials import Credentials
from smsc_soap.service.request import StatusRequest

from support.accepted import accepted_store
from support.counting_service import PHONE as SERVICE_PHONE
from support.counting_service import CountingService
from support.listeners import full_listener
from support.manual_clock import ManualClock
from support.redis_server import free_port
from support.sandboxes import SandboxStarter
from support.soap_replies import PASSWORD

PHONE = "79991234567"
SCOPE = "demo"  # a login's limits are kept under the login


def free_places(store: LimitStore, *, bucket: str = "probe", in_flight: int = 4) -> int:
    """How many places in ``bucket``'s window (of 5) and in flight (of ``in_flight``) the
    store grants now; the places are given back after counting."""
    granted = []
    for _ in range(6):
        answer = store.acquire(Ask(SCOPE, bucket, 5, 61, in_flight, 60))
        if isinstance(answer, Refused):
            break
        granted.append(answer.lease)
    for lease in granted:
        store.release(SCOPE, lease, unsent=bucket)
    return len(granted)


def window_left(store: LimitStore, message_id: str) -> int:
    """Lookups of ``message_id`` the store would still grant in its minute (of 5)."""
    return free_places(store, bucket=Window.of_message(PHONE, message_id).bucket, in_flight=10)


class GrantedLate(MemoryLimitStore):
    """A store whose grants arrive after the call's deadline (a store slowed down)."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(clock=clock.monotonic)
        self.late = False
        self._manual = clock

    def acquire(self, ask: Ask) -> Granted | Refused:
        answer = super().acquire(ask)
        if self.late and isinstance(answer, Granted):
            self._manual.advance(20)  # past the call's deadline of 10 s
        return answer


def test_a_request_never_sent_gives_its_place_and_window_back_at_once() -> None:
    clock = ManualClock()
    store = GrantedLate(clock)
    fake = FakeTransport()
    fake.add(PHONE, "1")
    client = StatusClient("demo", PASSWORD, transport=fake, limits=store, clock=clock, deadline=10)
    client.get_status(PHONE, "1")  # the credentials accepted: no longer one at a time
    store.late = True

    with pytest.raises(RequestTimeoutError, match="before the request could be sent") as failed:
        client.get_status(PHONE, "1")

    assert failed.value.attempts == 0
    assert len(fake.requests) == 1
    store.late = False
    assert free_places(store) == 4  # not held for the abandoned-request hold
    assert window_left(store, "1") == 4  # 5 a minute, one of them answered


def test_refused_connections_spend_no_lookups_of_the_message() -> None:
    store = accepted_store()
    endpoint = f"http://127.0.0.1:{free_port()}/sys/soap.php"  # nothing listens: refused
    client = StatusClient(
        "demo",
        PASSWORD,
        endpoint=endpoint,
        allow_insecure_http=True,
        limits=store,
        clock=InstantClock(),
        wait_for_limits=False,
    )

    for _ in range(3):  # 12 attempts, each refused, none reaching the service
        with pytest.raises(ConnectionFailedError) as failed:
            client.get_status(PHONE, "1")
        assert failed.value.attempts == RetryPolicy().attempts

    assert window_left(store, "1") == 5
    assert free_places(store) == 4


@pytest.mark.slow
def test_lookups_cancelled_at_the_service_keep_their_places_from_a_fifth(
    start_sandbox: SandboxStarter,
) -> None:
    service = CountingService(latency_ms=300, password=PASSWORD)
    endpoint = start_sandbox(service).soap_endpoint
    clock = ManualClock()
    store = accepted_store(endpoint=endpoint, clock=clock.monotonic)

    async def run() -> None:
        client = AsyncStatusClient(
            "demo",
            PASSWORD,
            endpoint=endpoint,
            allow_insecure_http=True,
            limits=store,
            wait_for_limits=False,
        )
        lookups = [asyncio.create_task(client.get_status(SERVICE_PHONE, str(n))) for n in range(4)]
        await asyncio.to_thread(service.wait_for, 4)
        for lookup in lookups:
            lookup.cancel()
        for lookup in lookups:
            with suppress(asyncio.CancelledError):
                await lookup
        # The four still run at the service: the fifth is not sent beside them.
        with pytest.raises(RateLimitError, match="already in flight"):
            await client.get_status(SERVICE_PHONE, "5")
        assert service.most_in_flight == 4
        while service.in_flight_now:  # the service is done with them ...
            await asyncio.sleep(0.02)
        clock.advance(ABANDONED_HOLD)  # ... and so is the hold
        assert (await client.get_status(SERVICE_PHONE, "5")).status is StatusCode.DELIVERED
        await client.aclose()

    asyncio.run(run())

    assert service.most_in_flight == 4
    assert service.arrived == 5


class LockedAfterAnswer(FakeTransport):
    """Answers, then has another connection lock the SQLite store (as a stuck process would)
    before the call can record the answer and give its place back."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.locker = sqlite3.connect(path, isolation_level=None)

    def fetch(
        self, credentials: Credentials, request: StatusRequest, *, timeout: float
    ) -> dict[str, str]:
        fields = super().fetch(credentials, request, timeout=timeout)
        self.locker.execute("BEGIN EXCLUSIVE")
        return dict(fields)


@pytest.mark.slow  # waits for the store until the deadline, 2 s
@pytest.mark.parametrize("message_id", ["1", "404"])
def test_a_store_failing_after_the_answer_keeps_the_answer_and_the_deadline(
    tmp_path: Path, message_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "limits.db"
    transport = LockedAfterAnswer(path)
    transport.add(PHONE, "1")
    client = StatusClient(
        "demo", PASSWORD, transport=transport, limits=f"sqlite:///{path}", deadline=2
    )
    started = time.monotonic()

    with caplog.at_level(logging.WARNING, logger="smsc_soap.limits"):
        if message_id == "1":
            assert client.get_status(PHONE, message_id).status is StatusCode.DELIVERED
        else:
            with pytest.raises(MessageNotFoundError) as failed:
                client.get_status(PHONE, message_id)
            assert failed.value.from_service
            assert failed.value.attempts == 1

    assert time.monotonic() - started < 2.5
    assert client._limiter.store_faults >= 1
    assert "the call keeps its outcome" in caplog.text
    transport.locker.execute("ROLLBACK")
    # The place was not given back: it ends with its lease, as any lost place does.
    store = SqliteLimitStore(path)
    assert free_places(store) == 3
    store.close()


@pytest.mark.parametrize(
    ("cause", "reached"),
    [
        (ConnectionRefusedError(111, "Connection refused"), False),  # a plain socket's connect
        (socket.gaierror(-2, "Name or service not known"), False),
        (ConnectionResetError(104, "Connection reset by peer"), True),  # it was on the wire
        (TimeoutError("timed out"), True),
    ],
)
def test_a_plain_socket_s_failure_tells_whether_the_request_can_have_left(
    cause: OSError, reached: bool
) -> None:
    error = ConnectionFailedError("the connection to the service failed")
    error.__cause__ = cause

    assert reached_the_service(error) is reached


@pytest.mark.parametrize("connect_timeout", [0.3, 0.5], ids=["before", "at"])
def test_hosts_that_took_no_connection_by_the_deadline_spend_no_place(
    connect_timeout: float,
) -> None:
    """The main host's connect times out, and the backup's too or the deadline comes before
    it can be tried: the request never left, however the call ended."""
    store = accepted_store()
    with full_listener() as main, full_listener() as backup:
        client = StatusClient(
            "demo",
            PASSWORD,
            endpoint=main,
            backup_hosts=(backup,),
            allow_insecure_http=True,
            limits=store,
            timeout=(connect_timeout, 5.0),
            deadline=0.5,
            retry=RetryPolicy.disabled(),
        )
        with client, pytest.raises((RequestTimeoutError, ConnectionFailedError)) as failed:
            client.get_status(PHONE, "1")

    assert failed.value.attempts == 1
    assert free_places(store) == 4
    assert window_left(store, "1") == 5

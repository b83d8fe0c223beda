"""One contract for every limit store: in memory, in a SQLite file, on a real Redis server.

The memory and SQLite stores run on a manual clock; the Redis store keeps time by its
server's clock, so there time passes for real, in waits of a fraction of a second.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from smsc_soap import AuthenticationError, FakeTransport, StatusClient
from smsc_soap.errors import LimitStoreError
from smsc_soap.limits.stores import (
    Ask,
    Granted,
    LimitStore,
    MemoryLimitStore,
    Refused,
    SqliteLimitStore,
    open_limit_store,
)

from support.manual_clock import ManualClock
from support.redis_server import free_port
from support.required import require_redis_py

PHONE = "79991234567"
SECRET = "Pa55-never-in-a-key"
LONG = 30.0
"""Seconds no test waits through: a lease, linger or hold that must still be there."""
SHORT = 0.15
"""Seconds a test does wait through (for real on Redis)."""
PAST_SHORT = 0.2


@dataclass
class Subject:
    """A store under test, how time passes for it, and what it keeps, as text."""

    kind: str
    store: LimitStore
    pass_time: Callable[[float], None]
    dump: Callable[[], str]
    another: Callable[[], LimitStore]
    """A second store object on the same file or server (for memory: a new store)."""


@pytest.fixture
def open_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[str], Subject]]:
    clock = ManualClock()
    opened: list[LimitStore] = []

    def opening(make: Callable[[], LimitStore]) -> Callable[[], LimitStore]:
        def another() -> LimitStore:
            store = make()
            opened.append(store)
            return store

        return another

    def open_(kind: str) -> Subject:
        if kind == "memory":
            another = opening(lambda: MemoryLimitStore(clock=clock.monotonic))
            store = another()
            return Subject(kind, store, clock.advance, lambda: repr(vars(store)), another)
        if kind == "sqlite":
            path = tmp_path / "limits.db"
            another = opening(lambda: SqliteLimitStore(path, clock=clock.monotonic))
            return Subject(kind, another(), clock.advance, lambda: _sqlite_dump(path), another)
        url = request.getfixturevalue("redis_url")
        another = opening(lambda: open_limit_store(url, clock=clock.monotonic))
        return Subject(kind, another(), time.sleep, lambda: _redis_dump(url), another)

    yield open_
    for store in opened:
        store.close()


@pytest.fixture(params=["memory", "sqlite", "redis"])
def subject(request: pytest.FixtureRequest, open_store: Callable[[str], Subject]) -> Subject:
    return open_store(request.param)


def _sqlite_dump(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return "\n".join(connection.iterdump())
    finally:
        connection.close()


def _redis_dump(url: str) -> str:
    import redis

    lines = []
    with redis.Redis.from_url(url, decode_responses=True) as connection:
        for key in connection.scan_iter():
            kind = connection.type(key)
            value = (
                connection.zrange(key, 0, -1, withscores=True)
                if kind == "zset"
                else connection.get(key)
            )
            lines.append(f"{key} = {value!r}")
    return "\n".join(lines)


def ask(
    bucket: str = "message:1",
    *,
    scope: str = "demo",
    allowed: int = 5,
    window: float = 60.0,
    in_flight: int = 4,
    lease_for: float = LONG,
    probe: bool = False,
) -> Ask:
    return Ask(scope, bucket, allowed, window, in_flight, lease_for, probe)


def granted(answer: Granted | Refused) -> str:
    assert isinstance(answer, Granted), answer
    return answer.lease


def refused(answer: Granted | Refused, reason: str) -> Refused:
    assert isinstance(answer, Refused), answer
    assert answer.reason == reason
    return answer


def test_it_grants_as_many_leases_as_may_be_in_flight_then_refuses(subject: Subject) -> None:
    store = subject.store
    leases = {granted(store.acquire(ask(f"message:{n}"))) for n in range(4)}

    assert len(leases) == 4
    answer = refused(store.acquire(ask("message:5")), "in_flight")
    assert 0 < answer.retry_in <= LONG


def test_a_full_window_says_when_its_oldest_request_leaves_it(subject: Subject) -> None:
    store = subject.store
    store.release("demo", granted(store.acquire(ask(allowed=2))))
    subject.pass_time(0.25)
    store.release("demo", granted(store.acquire(ask(allowed=2))))

    answer = refused(store.acquire(ask(allowed=2)), "window")

    assert answer.retry_in == pytest.approx(60.0 - 0.25, abs=0.1)
    granted(store.acquire(ask("message:2", allowed=2)))  # another message's window is its own


def test_a_window_frees_its_place_when_its_time_has_passed(subject: Subject) -> None:
    store = subject.store
    store.release("demo", granted(store.acquire(ask(allowed=1, window=SHORT))))
    answer = refused(store.acquire(ask(allowed=1, window=SHORT)), "window")

    subject.pass_time(answer.retry_in + 0.02)

    granted(store.acquire(ask(allowed=1, window=SHORT)))


def test_a_released_lease_frees_its_place(subject: Subject) -> None:
    store = subject.store
    lease = granted(store.acquire(ask("message:1", in_flight=1)))
    refused(store.acquire(ask("message:2", in_flight=1)), "in_flight")

    store.release("demo", lease)

    granted(store.acquire(ask("message:2", in_flight=1)))


def test_a_lingering_release_keeps_the_place_for_the_linger(subject: Subject) -> None:
    store = subject.store
    store.release("demo", granted(store.acquire(ask("message:1", in_flight=1))), linger=LONG)

    refused(store.acquire(ask("message:2", in_flight=1)), "in_flight")


def test_a_request_that_never_reached_the_service_leaves_its_window(subject: Subject) -> None:
    store = subject.store
    counted = granted(store.acquire(ask(allowed=2)))
    store.release("demo", counted)
    unsent = granted(store.acquire(ask(allowed=2)))
    refused(store.acquire(ask(allowed=2)), "window")

    store.release("demo", unsent, unsent="message:1")

    store.release("demo", granted(store.acquire(ask(allowed=2))))  # its place in the minute
    refused(store.acquire(ask(allowed=2)), "window")


def test_a_lingering_release_frees_the_place_when_the_linger_ends(subject: Subject) -> None:
    store = subject.store
    store.release("demo", granted(store.acquire(ask("message:1", in_flight=1))), linger=SHORT)

    subject.pass_time(PAST_SHORT)

    granted(store.acquire(ask("message:2", in_flight=1)))


def test_a_lingering_lease_is_no_longer_a_probe(subject: Subject) -> None:
    store = subject.store
    store.release("demo", granted(store.acquire(ask("message:1", probe=True))), linger=LONG)

    granted(store.acquire(ask("message:2", probe=True)))


def test_a_lease_ends_by_itself(subject: Subject) -> None:
    store = subject.store
    granted(store.acquire(ask("message:1", in_flight=1, lease_for=SHORT)))
    refused(store.acquire(ask("message:2", in_flight=1)), "in_flight")

    subject.pass_time(PAST_SHORT)

    granted(store.acquire(ask("message:2", in_flight=1)))


def test_probes_go_one_at_a_time_per_scope(subject: Subject) -> None:
    store = subject.store
    probe = granted(store.acquire(ask("message:1", probe=True)))

    refused(store.acquire(ask("message:2", probe=True)), "probe")
    granted(store.acquire(ask("message:3")))  # a request of accepted credentials goes
    granted(store.acquire(ask("message:4", scope="other", probe=True)))
    store.release("demo", probe)
    granted(store.acquire(ask("message:2", probe=True)))


def test_scopes_keep_their_own_places_and_windows(subject: Subject) -> None:
    store = subject.store
    granted(store.acquire(ask(in_flight=1, allowed=1)))

    refused(store.acquire(ask("message:2", in_flight=1, allowed=1)), "in_flight")
    granted(store.acquire(ask(scope="other", in_flight=1, allowed=1)))


def test_a_held_value_is_read_back_until_dropped(subject: Subject) -> None:
    store = subject.store
    store.hold("{demo}:key", "first", LONG)
    store.hold("{demo}:key", "second", LONG)

    found = store.held("{demo}:key")
    assert found is not None
    assert found[0] == "second"
    assert LONG - 1 < found[1] <= LONG
    assert store.held("{demo}:other") is None

    store.drop("{demo}:key")
    assert store.held("{demo}:key") is None


def test_a_held_value_is_gone_when_its_time_is_up(subject: Subject) -> None:
    store = subject.store
    store.hold("{demo}:key", "value", SHORT)

    subject.pass_time(PAST_SHORT)

    assert store.held("{demo}:key") is None


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_the_salt_is_one_for_every_store_on_the_same_file_or_server(
    open_store: Callable[[str], Subject], kind: str
) -> None:
    subject = open_store(kind)
    salt = subject.store.salt()

    assert len(salt) >= 16
    assert subject.another().salt() == salt
    assert subject.store.salt() == salt


def test_a_lockout_is_kept_without_the_password(subject: Subject) -> None:
    fake = FakeTransport(login="demo", password="right")
    fake.add(PHONE, "1")
    client = StatusClient("demo", SECRET, transport=fake, limits=subject.store)
    with pytest.raises(AuthenticationError):
        client.get_status(PHONE, "1")

    kept = subject.dump()
    assert ":refused:" in kept  # the lockout is there ...
    leaked = SECRET in kept  # ... and the password is not (a failure does not print it)
    assert not leaked


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_a_lockout_holds_for_every_store_on_the_same_file_or_server(
    open_store: Callable[[str], Subject], kind: str
) -> None:
    subject = open_store(kind)
    fake = FakeTransport(login="demo", password="right")
    fake.add(PHONE, "1")
    first = StatusClient("demo", SECRET, transport=fake, limits=subject.store)
    with pytest.raises(AuthenticationError):
        first.get_status(PHONE, "1")

    second = StatusClient("demo", SECRET, transport=fake, limits=subject.another())
    with pytest.raises(AuthenticationError) as refused:
        second.get_status(PHONE, "1")

    assert not refused.value.from_service
    assert len(fake.requests) == 1


def _unreachable(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        regular_file = tmp_path / "a-file"
        regular_file.write_text("not a folder")
        return f"sqlite:///{regular_file}/limits.db"
    require_redis_py()
    return f"redis://:{SECRET}@127.0.0.1:{free_port()}/0"


UNREACHABLE = ["sqlite", "redis"]

OPERATIONS: dict[str, Callable[[LimitStore], object]] = {
    "acquire": lambda store: store.acquire(ask()),
    "release": lambda store: store.release("demo", "lease"),
    "hold": lambda store: store.hold("{demo}:key", "value", LONG),
    "held": lambda store: store.held("{demo}:key"),
    "drop": lambda store: store.drop("{demo}:key"),
    "salt": lambda store: store.salt(),
}


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("kind", UNREACHABLE)
def test_a_store_out_of_reach_fails_closed(kind: str, operation: str, tmp_path: Path) -> None:
    store = open_limit_store(_unreachable(kind, tmp_path), clock=time.monotonic)

    with pytest.raises(LimitStoreError, match="the request was not sent") as failed:
        OPERATIONS[operation](store)

    assert SECRET not in f"{failed.value} {failed.value.__cause__!r} {store!r}"


@pytest.mark.parametrize("kind", UNREACHABLE)
def test_a_client_on_a_store_out_of_reach_sends_nothing(kind: str, tmp_path: Path) -> None:
    fake = FakeTransport()
    fake.add(PHONE, "1")
    client = StatusClient("demo", "password", transport=fake, limits=_unreachable(kind, tmp_path))

    with pytest.raises(LimitStoreError) as failed:
        client.get_status(PHONE, "1")

    assert failed.value.attempts == 0
    assert fake.requests == []


def test_a_new_sqlite_file_opens_while_another_process_is_writing_to_it(tmp_path: Path) -> None:
    """SQLite refuses to switch a file to WAL at once, without waiting, while another
    connection is about to write (as when processes open a new store together)."""
    path = tmp_path / "limits.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE other_process (x)")
    finishing = threading.Timer(0.1, other.execute, ["COMMIT"])
    finishing.start()
    try:
        granted(SqliteLimitStore(path).acquire(ask()))
    finally:
        finishing.join()
        other.close()


def test_a_lease_outlives_shorter_leases_granted_after_it(subject: Subject) -> None:
    store = subject.store
    granted(store.acquire(ask("message:1", window=0.05, in_flight=2, lease_for=LONG)))
    granted(store.acquire(ask("message:2", window=0.05, in_flight=2, lease_for=0.05)))

    subject.pass_time(PAST_SHORT)

    refused(store.acquire(ask("message:3", window=0.05, in_flight=1)), "in_flight")

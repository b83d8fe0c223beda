"""One contract for every status store: in memory, in a SQLite file, on a real Redis server.

The memory and SQLite stores run on a manual clock; the Redis store keeps time by its
server's clock, so there claims and remembered keys expire for real, in waits of a fraction
of a second, and a status's expiry (days) is read from its key's time to live instead.
"""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from smsc_soap.errors import InvalidParametersError, StatusStoreError
from smsc_soap.limits.stores.base import bounded
from smsc_soap.models import MessageStatus
from smsc_soap.service.codes import EmailError, SmsError
from smsc_soap.statuses import (
    MemoryStatusStore,
    SqliteStatusStore,
    StatusStore,
    open_status_store,
    supersedes,
)
from smsc_soap.statuses.base import KEEP_SECONDS

from support.manual_clock import ManualClock
from support.processes import stop
from support.redis_server import _wait_for_ping, free_port
from support.required import missing, require_redis_py

LOGIN = "demo"
PHONE = "79991234567"
MOSCOW = timezone(timedelta(hours=3))
AT = datetime(2026, 3, 1, 12, 0, tzinfo=MOSCOW)
SHORT = 0.2
"""Seconds a claim or a remembered key lasts when a test waits it out (for real on Redis)."""
PAST_SHORT = 0.3
LONG = 30.0
"""Seconds no test waits through."""
WAIT = 0.15
"""Seconds a reader waits for a change that does not come."""
PENDING, TRANSFERRED, DELIVERED, READ, FAILED, NOT_FOUND = -1, 0, 1, 2, 20, -3


def status(
    code: int, message_id: str = "1", *, at: int | None = None, **more: Any
) -> MessageStatus:
    """A status of message ``message_id``; ``at`` is its moment of change, in minutes."""
    last_date = None if at is None else AT + timedelta(minutes=at)
    return MessageStatus(
        message_id=message_id, phone=PHONE, status=code, last_date=last_date, **more
    )


@dataclass
class Subject:
    """A store under test, how time passes for it, and more stores on the same data."""

    kind: str
    store: StatusStore
    pass_time: Callable[[float], None]
    shared: Callable[[], StatusStore]
    """Another store object on the same file or server (for memory: the same store)."""
    bounded_feed: Callable[[int], StatusStore]
    """A store on the same kind of data whose feed keeps only so many changes."""


@pytest.fixture(params=["memory", "sqlite", "redis"])
def subject(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Subject]:
    clock = ManualClock(start=1_780_000_000.0)
    opened: list[StatusStore] = []

    def keep(store: StatusStore) -> StatusStore:
        opened.append(store)
        return store

    if request.param == "memory":
        memory = keep(MemoryStatusStore(clock=clock.monotonic))
        yield Subject(
            "memory",
            memory,
            clock.advance,
            lambda: memory,
            lambda n: keep(MemoryStatusStore(clock=clock.monotonic, keep_changes=n)),
        )
    elif request.param == "sqlite":
        path = tmp_path / "statuses.db"

        def on_file(keep_changes: int = 100_000, at: Path = path) -> StatusStore:
            return keep(SqliteStatusStore(at, clock=clock.monotonic, keep_changes=keep_changes))

        yield Subject(
            "sqlite", on_file(), clock.advance, on_file, lambda n: on_file(n, tmp_path / "few.db")
        )
    else:
        from smsc_soap.statuses.redis import RedisStatusStore

        url: str = request.getfixturevalue("redis_url")

        def pass_time(seconds: float) -> None:
            assert seconds < 1, "the Redis store's time passes for real"
            time.sleep(seconds)

        yield Subject(
            "redis",
            keep(RedisStatusStore(url)),
            pass_time,
            lambda: keep(RedisStatusStore(url)),
            lambda n: keep(RedisStatusStore(url, keep_changes=n)),
        )
    for store in opened:
        store.close()


def feed(store: StatusStore) -> list[tuple[int, int | None]]:
    """The (code, error) of every change in the feed, oldest first."""
    return [
        (int(change.known.status.status), change.known.status.err)
        for change in store.changes("0", wait=0, limit=1000)
    ]


# -- The rule -------------------------------------------------------------------------------


def test_the_same_status_twice_is_one_change(subject: Subject) -> None:
    store = subject.store
    first = store.put(LOGIN, status(PENDING, at=0), "callback")
    again = store.put(LOGIN, status(PENDING, at=0), "receipt")

    assert first is not None
    assert first.known.source == "callback"
    assert again is None
    assert feed(store) == [(PENDING, None)]
    assert store.latest() == first.event_id


def test_an_older_pending_status_after_a_newer_one_changes_nothing(subject: Subject) -> None:
    store = subject.store
    store.put(LOGIN, status(TRANSFERRED, at=5), "callback")

    assert store.put(LOGIN, status(PENDING, at=1), "lookup") is None
    known = store.get(LOGIN, PHONE, "1")
    assert known is not None
    assert known.status.status == TRANSFERRED
    assert feed(store) == [(TRANSFERRED, None)]


def test_a_final_status_is_not_replaced_by_a_pending_one_even_a_later_one(
    subject: Subject,
) -> None:
    store = subject.store
    store.put(LOGIN, status(DELIVERED, at=1), "receipt")

    assert store.put(LOGIN, status(PENDING, at=9), "lookup") is None
    assert store.put(LOGIN, status(NOT_FOUND), "lookup") is None
    known = store.get(LOGIN, PHONE, "1")
    assert known is not None
    assert known.status.status == DELIVERED


def test_the_later_moment_wins(subject: Subject) -> None:
    store = subject.store
    store.put(LOGIN, status(PENDING, at=1), "lookup")
    store.put(LOGIN, status(TRANSFERRED, at=2), "callback")
    store.put(LOGIN, status(FAILED, at=3, err=1), "receipt")
    assert store.put(LOGIN, status(DELIVERED, at=2), "lookup") is None  # settled, but older
    changed = store.put(LOGIN, status(DELIVERED, at=4), "lookup")

    assert changed is not None
    assert feed(store) == [(PENDING, None), (TRANSFERRED, None), (FAILED, 1), (DELIVERED, None)]


def test_at_equal_moments_or_without_them_the_status_further_along_wins(
    subject: Subject,
) -> None:
    store = subject.store
    store.put(LOGIN, status(PENDING, at=1), "lookup")
    assert store.put(LOGIN, status(DELIVERED, at=1), "callback") is not None
    assert store.put(LOGIN, status(FAILED, at=1), "receipt") is None  # equal standing: held
    assert store.put(LOGIN, status(READ), "callback") is not None  # no moment: further along
    assert store.put(LOGIN, status(DELIVERED), "lookup") is None

    assert feed(store) == [(PENDING, None), (DELIVERED, None), (READ, None)]


@pytest.mark.slow
def test_the_redis_script_orders_statuses_as_the_rule_does(redis_url: str) -> None:
    """The Lua port of ``supersedes``, over every pair of a grid of statuses: each code's
    standing, with and without an error, without a moment and at two moments."""
    from smsc_soap.statuses.redis import RedisStatusStore

    grid = [
        status(code, err=err, at=at)
        for code in (NOT_FOUND, PENDING, TRANSFERRED, 77, DELIVERED, READ, FAILED)
        for err in (None, 1)
        for at in (None, 1, 2)
    ]
    store = RedisStatusStore(redis_url)
    disagree = []
    for n, (held, new) in enumerate(itertools.product(grid, grid)):
        message_id = str(n)
        store.put(LOGIN, held.model_copy(update={"message_id": message_id}), "lookup")
        changed = store.put(LOGIN, new.model_copy(update={"message_id": message_id}), "lookup")
        if (changed is not None) != supersedes(new, held):
            disagree.append((held, new))
    store.close()

    assert disagree == []


# -- What a status carries ------------------------------------------------------------------


def test_the_same_status_again_refreshes_when_it_was_checked_without_a_change(
    subject: Subject,
) -> None:
    store = subject.store
    first = store.put(LOGIN, status(DELIVERED, at=1), "callback")
    assert first is not None
    subject.pass_time(0.01)

    assert store.put(LOGIN, status(DELIVERED, at=1), "lookup") is None
    known = store.get(LOGIN, PHONE, "1")
    assert known is not None
    assert known.checked_at > first.known.checked_at
    assert known.learned_at == first.known.learned_at
    assert store.latest() == first.event_id


def test_a_lookup_s_fuller_record_replaces_a_push_s(subject: Subject) -> None:
    store = subject.store
    pushed = {"id": "1", "phone": PHONE, "status": "1"}
    store.put(LOGIN, status(DELIVERED, at=1), "callback", fields=pushed)
    fuller = status(DELIVERED, at=1, cost=Decimal("1.50"), operator="MTS", sms_cnt=2)

    assert store.put(LOGIN, fuller, "lookup") is None
    known = store.get(LOGIN, PHONE, "1")
    assert known is not None
    assert known.status == fuller
    assert known.source == "callback"  # a lookup confirmed what was pushed
    assert dict(known.fields) == pushed


def test_a_push_of_a_looked_up_status_makes_it_pushed_with_the_lookup_s_fields(
    subject: Subject,
) -> None:
    store = subject.store
    fuller = status(DELIVERED, at=1, cost=Decimal("1.50"), operator="MTS", sms_cnt=2)
    store.put(LOGIN, fuller, "lookup")
    receipt = {"id": "1", "stat": "DELIVRD"}

    assert store.put(LOGIN, status(DELIVERED, at=1), "receipt", fields=receipt) is None
    known = store.get(LOGIN, PHONE, "1")
    assert known is not None
    assert known.status == fuller
    assert known.source == "receipt"
    assert dict(known.fields) == receipt


@pytest.mark.parametrize("err", [SmsError.SUBSCRIBER_OFFLINE, EmailError(1), 12345])
def test_an_error_code_comes_back_read_in_its_table(
    subject: Subject, err: SmsError | EmailError | int
) -> None:
    subject.store.put(LOGIN, status(FAILED, err=err), "lookup")

    known = subject.store.get(LOGIN, PHONE, "1")

    assert known is not None
    # An IntEnum equals its number: the type is what tells the table it was read in.
    assert type(known.status.err) is type(err)
    assert known.status.err == err


def test_a_record_comes_back_as_it_was_put(subject: Subject) -> None:
    store = subject.store
    full = status(
        FAILED,
        err=1,
        at=3,
        send_date=AT,
        cost=Decimal("2.10"),
        sender_id="Shop",
        status_name="Не доставлено",
        message="Код: 1234",
        extra={"unknown": "kept"},
        fields_sent=("id", "status", "err", "unknown"),
    )
    fields = {"id": "1", "status": "20", "err": "1", "Тема": "ü"}
    change = store.put("Логин:1", full, "callback", fields=fields)
    assert change is not None

    known = store.get("Логин:1", PHONE, "1")
    assert known == change.known
    assert known.status == full
    assert known.status.fields_sent == full.fields_sent
    assert dict(known.fields) == fields
    assert store.get("Логин", f"1:{PHONE}", "1") is None  # no key joins two of them
    assert store.get(LOGIN, PHONE, "1") is None


def test_phones_are_normalised_on_put_and_get(subject: Subject) -> None:
    store = subject.store
    change = store.put(
        LOGIN, status(PENDING).model_copy(update={"phone": "+7 (999) 123-45-67"}), "lookup"
    )

    assert change is not None
    assert change.known.status.phone == PHONE
    for spelling in ("89991234567", "+79991234567", "7 999 123 45 67", PHONE):
        known = store.get(LOGIN, spelling, "1")
        assert known is not None, spelling
        assert known.status.phone == PHONE
    assert (
        store.put(LOGIN, status(PENDING).model_copy(update={"phone": "89991234567"}), "lookup")
        is None
    )


# -- The feed -------------------------------------------------------------------------------


def test_the_feed_keeps_changes_in_order_and_names_the_latest(subject: Subject) -> None:
    store = subject.store
    assert store.latest() == "0"
    assert store.changes("0", wait=0) == []

    made = [store.put(LOGIN, status(PENDING, str(n)), "lookup") for n in range(5)]
    changes = store.changes("0", wait=0)

    assert [change.known.status.message_id for change in changes] == ["0", "1", "2", "3", "4"]
    assert changes == made
    assert store.latest() == changes[-1].event_id
    assert store.changes(store.latest(), wait=0) == []
    assert [c.known for c in store.changes(changes[1].event_id, wait=0)] == [
        c.known for c in changes[2:]
    ]


def test_the_feed_is_read_a_limit_at_a_time(subject: Subject) -> None:
    store = subject.store
    for n in range(5):
        store.put(LOGIN, status(PENDING, str(n)), "lookup")

    first = store.changes("0", wait=0, limit=2)
    second = store.changes(first[-1].event_id, wait=0, limit=2)
    rest = store.changes(second[-1].event_id, wait=0, limit=2)

    read = [change.known.status.message_id for change in first + second + rest]
    assert read == ["0", "1", "2", "3", "4"]


def test_a_reader_waiting_is_woken_by_a_change_made_elsewhere(subject: Subject) -> None:
    store, other = subject.store, subject.shared()
    store.put(LOGIN, status(PENDING, "0"), "lookup")
    since = store.latest()
    timer = threading.Timer(0.1, lambda: other.put(LOGIN, status(PENDING, "1"), "callback"))

    started = time.monotonic()
    timer.start()
    changes = store.changes(since, wait=LONG)
    took = time.monotonic() - started
    timer.join()

    assert [change.known.status.message_id for change in changes] == ["1"]
    assert took < 2.0


def test_a_reader_waiting_gets_nothing_at_its_timeout(subject: Subject) -> None:
    store = subject.store
    store.put(LOGIN, status(PENDING), "lookup")

    started = time.monotonic()
    assert store.changes(store.latest(), wait=WAIT) == []
    took = time.monotonic() - started

    assert WAIT <= took < WAIT + 1.0


def test_an_id_older_than_the_feed_keeps_gives_the_oldest_kept(subject: Subject) -> None:
    # Redis trims its stream in whole nodes (about 100 entries): more changes than one holds.
    count = 250 if subject.kind == "redis" else 10
    store = subject.bounded_feed(3)
    made = [store.put(LOGIN, status(PENDING, str(n)), "lookup") for n in range(count)]
    ids = [change.event_id for change in made if change is not None]

    for after in ("0", ids[0]):
        kept = [change.event_id for change in store.changes(after, wait=0, limit=1000)]
        assert 3 <= len(kept) < count - 1
        assert kept == ids[-len(kept) :]
        if subject.kind != "redis":
            assert len(kept) == 3


@pytest.mark.parametrize("foreign", ["not-an-id", "99999999999", "99999999999999999-0", ""])
def test_an_id_not_of_the_store_gives_the_newest_changes_only(
    subject: Subject, foreign: str
) -> None:
    store, other = subject.store, subject.shared()
    store.put(LOGIN, status(PENDING, "0"), "lookup")

    assert store.changes(foreign, wait=0) == []
    timer = threading.Timer(0.05, lambda: other.put(LOGIN, status(PENDING, "1"), "callback"))
    timer.start()
    changes = store.changes(foreign, wait=LONG)
    timer.join()
    assert [change.known.status.message_id for change in changes] == ["1"]


# -- Claims, remembered keys, the salt --------------------------------------------------------


def test_a_claim_is_held_by_one_holder_at_a_time(subject: Subject) -> None:
    store, other = subject.store, subject.shared()
    assert store.claim("smpp", "replica-a", LONG)
    assert not other.claim("smpp", "replica-b", LONG)
    assert store.claim("other", "replica-b", LONG)  # claims are named


def test_a_claim_renewed_by_its_holder_outlives_its_first_term(subject: Subject) -> None:
    store, other = subject.store, subject.shared()
    assert store.claim("smpp", "replica-a", SHORT)
    assert other.claim("smpp", "replica-a", LONG)  # the holder, from another process

    subject.pass_time(PAST_SHORT)
    assert not store.claim("smpp", "replica-b", LONG)


def test_an_expired_claim_is_taken_by_another(subject: Subject) -> None:
    store, other = subject.store, subject.shared()
    assert store.claim("smpp", "replica-a", SHORT)

    subject.pass_time(PAST_SHORT)
    assert other.claim("smpp", "replica-b", LONG)
    assert not store.claim("smpp", "replica-a", LONG)


def test_a_claim_is_let_go_by_its_holder_only(subject: Subject) -> None:
    store, other = subject.store, subject.shared()
    assert store.claim("smpp", "replica-a", LONG)

    other.let_go("smpp", "replica-b")
    assert not other.claim("smpp", "replica-b", LONG)
    store.let_go("smpp", "replica-a")
    assert other.claim("smpp", "replica-b", LONG)


def test_ended_claims_of_many_names_are_let_go_by_a_sqlite_store(tmp_path: Path) -> None:
    """Claims one per message (who asks the service about it) must not pile up in the file,
    nor in what the store keeps to carry over to a file that replaces it."""
    clock = ManualClock(start=1_780_000_000.0)
    path = tmp_path / "statuses.db"
    store = SqliteStatusStore(path, clock=clock.monotonic)
    for n in range(300):
        assert store.claim(f"lookup:{n}", "replica-a", SHORT)
        clock.advance(PAST_SHORT)
    assert store.claim("lookup:last", "replica-a", LONG)

    with sqlite3.connect(path) as db:
        assert db.execute("SELECT name FROM claims").fetchall() == [("lookup:last",)]
    assert len(vars(store)["_claims"]) < 150
    store.close()


def test_keys_are_remembered_for_a_while_and_forgotten(subject: Subject) -> None:
    store, other = subject.store, subject.shared()
    assert not store.remembered("fingerprint")
    store.remember("fingerprint", LONG)
    store.remember("short", SHORT)
    assert other.remembered("fingerprint")
    assert other.remembered("short")
    assert not other.remembered("another")

    other.forget("fingerprint")
    subject.pass_time(PAST_SHORT)
    assert not store.remembered("fingerprint")
    assert not store.remembered("short")


def test_the_salt_is_made_once_per_store(subject: Subject) -> None:
    salt = subject.store.salt()

    assert len(salt) >= 16
    assert subject.store.salt() == salt
    assert subject.shared().salt() == salt


# -- Expiry ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_a_status_is_let_go_days_after_a_source_last_gave_it(kind: str, tmp_path: Path) -> None:
    clock = ManualClock(start=1_780_000_000.0)
    store: StatusStore = (
        MemoryStatusStore(clock=clock.monotonic)
        if kind == "memory"
        else SqliteStatusStore(tmp_path / "statuses.db", clock=clock.monotonic)
    )
    store.put(LOGIN, status(DELIVERED, at=5), "callback")
    clock.advance(KEEP_SECONDS - 10)
    store.put(LOGIN, status(DELIVERED, at=5), "lookup")  # confirmed: kept from now
    clock.advance(KEEP_SECONDS - 10)
    assert store.get(LOGIN, PHONE, "1") is not None

    clock.advance(20)
    assert store.get(LOGIN, PHONE, "1") is None
    assert store.put(LOGIN, status(PENDING, at=1), "lookup") is not None  # nothing held
    store.close()


def test_ended_statuses_leave_a_sqlite_file_a_few_at_each_put(tmp_path: Path) -> None:
    clock = ManualClock(start=1_780_000_000.0)
    path = tmp_path / "statuses.db"
    store = SqliteStatusStore(path, clock=clock.monotonic)
    for n in range(250):
        store.put(LOGIN, status(PENDING, str(n)), "lookup")
    clock.advance(KEEP_SECONDS)

    kept = []
    for n in range(3):
        store.put(LOGIN, status(DELIVERED, f"new-{n}"), "lookup")
        with sqlite3.connect(path) as db:
            kept.append(db.execute("SELECT count(*) FROM statuses").fetchone()[0])
    assert kept == [151, 52, 3]
    store.close()


def test_a_redis_status_expires_days_after_a_source_last_gave_it(redis_url: str) -> None:
    import redis

    from smsc_soap.statuses.redis import RedisStatusStore

    store = RedisStatusStore(redis_url)
    store.put(LOGIN, status(DELIVERED, at=5), "callback")
    with redis.Redis.from_url(redis_url) as server:
        (key,) = server.keys("*status:*")
        assert KEEP_SECONDS * 1000 - 5000 < server.pttl(key) <= KEEP_SECONDS * 1000
        server.pexpire(key, 60_000)
        store.put(LOGIN, status(DELIVERED, at=5), "lookup")  # confirmed: kept from now
        assert server.pttl(key) > KEEP_SECONDS * 1000 - 5000
    store.close()


# -- Across processes -----------------------------------------------------------------------

_PUTTER = """
import sys
from smsc_soap.models import MessageStatus
from smsc_soap.statuses import open_status_store

store = open_status_store(sys.argv[1])
store.salt()
print("ready", flush=True)
sys.stdin.readline()
made = 0
for n in range(40):
    status = MessageStatus(message_id=str(n), phone="+79991234567", status=1)
    made += store.put("demo", status, sys.argv[2]) is not None
print(made, flush=True)
"""


@pytest.mark.slow  # two interpreters started
@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_two_processes_putting_the_same_changes_make_each_once(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'statuses.db'}"
        if kind == "sqlite"
        else request.getfixturevalue("redis_url")
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _PUTTER, url, source],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for source in ("callback", "receipt")
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"
        for process in processes:  # both start together
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        made = [int(process.communicate(timeout=30)[0]) for process in processes]
    finally:
        for process in processes:
            stop(process)

    store = open_status_store(url)
    assert sum(made) == 40
    assert len(store.changes("0", wait=0, limit=1000)) == 40
    store.close()


# -- Faults ---------------------------------------------------------------------------------


def remove_store_files(path: Path) -> None:
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)


def test_a_sqlite_file_deleted_under_a_store_is_replaced_with_its_claims(tmp_path: Path) -> None:
    path = tmp_path / "statuses.db"
    old = SqliteStatusStore(path)
    assert old.claim("smpp", "replica-a", LONG)
    salt = old.salt()
    old.put(LOGIN, status(DELIVERED), "callback")
    remove_store_files(path)

    assert old.get(LOGIN, PHONE, "1") is None  # a cache: learned again
    new = SqliteStatusStore(path)
    assert not new.claim("smpp", "replica-b", LONG)
    assert new.salt() == salt
    assert old.replacements == 1
    assert new.put(LOGIN, status(DELIVERED), "callback") is not None
    old.close()
    new.close()


@pytest.mark.parametrize(
    "breaking", ["a folder at the path", "a file as its folder", "not a database"]
)
def test_a_sqlite_store_that_cannot_be_used_raises_its_typed_error(
    tmp_path: Path, breaking: str
) -> None:
    path = tmp_path / "statuses.db"
    if breaking == "a folder at the path":
        path.mkdir()
    elif breaking == "a file as its folder":
        path = tmp_path / "file" / "statuses.db"
        path.parent.write_text("not a folder")
    else:
        path.write_bytes(b"not a database, " * 100)
    store = SqliteStatusStore(path)

    for use in (
        lambda: store.get(LOGIN, PHONE, "1"),
        lambda: store.put(LOGIN, status(PENDING), "lookup"),
        lambda: store.changes("0", wait=0),
        lambda: store.claim("smpp", "a", LONG),
    ):
        with pytest.raises(StatusStoreError, match="status store"):
            use()


def test_a_locked_sqlite_store_gives_up_within_the_deadline(tmp_path: Path) -> None:
    path = tmp_path / "statuses.db"
    store = SqliteStatusStore(path)
    store.put(LOGIN, status(PENDING), "lookup")
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with bounded(0.3), pytest.raises(StatusStoreError):
            store.put(LOGIN, status(DELIVERED), "lookup")
        took = time.monotonic() - started
        assert store.get(LOGIN, PHONE, "1") is not None  # readers do not wait (WAL)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert took < 1.5
    assert store.put(LOGIN, status(DELIVERED), "lookup") is not None
    store.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_status_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "state" / "statuses.db"
    previous = os.umask(0o022)
    try:
        store = SqliteStatusStore(path)
        store.put(LOGIN, status(PENDING), "lookup")
    finally:
        os.umask(previous)

    assert mode(path.parent) == 0o700
    for made in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        assert mode(made) == 0o600, made
    store.close()


def test_an_existing_sqlite_status_store_open_to_others_is_warned_of(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "statuses.db"
    path.touch()
    path.chmod(0o644)

    with caplog.at_level(logging.WARNING, logger="smsc_soap.statuses"):
        SqliteStatusStore(path).salt()

    assert "open to other users" in caplog.text
    assert str(path) in caplog.text


@contextmanager
def own_redis(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A redis-server of the test's own, to stop or pause."""
    require_redis_py()
    executable = shutil.which("redis-server")
    if executable is None:
        missing("redis-server is not installed (Debian: apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [
            executable,
            *("--bind", "127.0.0.1", "--port", str(port), "--save", ""),
            *("--appendonly", "no", "--dir", str(tmp_path)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_ping(process, port)
        yield process, f"redis://127.0.0.1:{port}/0"
    finally:
        process.send_signal(signal.SIGCONT)
        stop(process)


def test_a_stopped_redis_server_gives_the_typed_error_at_once(tmp_path: Path) -> None:
    with own_redis(tmp_path) as (_, url):
        store = open_status_store(url)
        store.put(LOGIN, status(PENDING), "lookup")

    started = time.monotonic()
    for use in (
        lambda: store.get(LOGIN, PHONE, "1"),
        lambda: store.put(LOGIN, status(DELIVERED), "lookup"),
        lambda: store.changes("0", wait=LONG),
        store.latest,
        lambda: store.claim("smpp", "a", LONG),
        lambda: store.remembered("fingerprint"),
        store.salt,
    ):
        with pytest.raises(StatusStoreError, match="status store"):
            use()
    assert time.monotonic() - started < 2.0
    store.close()


def test_a_paused_redis_server_gives_the_typed_error_within_the_deadline(tmp_path: Path) -> None:
    with own_redis(tmp_path) as (process, url):
        store = open_status_store(url)
        store.put(LOGIN, status(PENDING), "lookup")
        process.send_signal(signal.SIGSTOP)

        started = time.monotonic()
        with bounded(0.4), pytest.raises(StatusStoreError):
            store.get(LOGIN, PHONE, "1")
        with bounded(0.4), pytest.raises(StatusStoreError):
            store.changes("0", wait=0.2)
        took = time.monotonic() - started
        store.close()
    assert took < 3.0


# -- Opening --------------------------------------------------------------------------------


def test_open_status_store_takes_each_kind_of_url(tmp_path: Path) -> None:
    require_redis_py()
    from smsc_soap.statuses.redis import RedisStatusStore

    assert isinstance(open_status_store("memory://"), MemoryStatusStore)
    sqlite_store = open_status_store(f"sqlite://{tmp_path}/statuses.db")
    assert isinstance(sqlite_store, SqliteStatusStore)
    assert sqlite_store.path == tmp_path / "statuses.db"
    for url in ("redis://127.0.0.1:1/0", "rediss://127.0.0.1:1", "unix:///tmp/redis.sock"):
        assert isinstance(open_status_store(url), RedisStatusStore), url
    assert not (tmp_path / "statuses.db").exists()  # opening touches nothing


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://host/statuses", "must start"),
        ("sqlite://", "names no file"),
        ("sqlite:///", "names no file"),
        ("redis://:Pa55word@127.0.0.1:6379/abc", "not a number"),
        ("http://[::1", "is not a URL"),
    ],
)
def test_a_bad_status_store_url_is_refused_before_anything_is_reached(
    url: str, problem: str
) -> None:
    if url.startswith("redis"):
        require_redis_py()
    with pytest.raises(InvalidParametersError, match=problem) as refused:
        open_status_store(url)

    assert refused.value.option == "statuses"
    assert "Pa55word" not in str(refused.value)


def test_a_redis_url_needs_the_redis_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "redis" else real(name, *a)
    )
    with pytest.raises(InvalidParametersError, match=r"smsc-soap\[redis\]"):
        open_status_store("redis://127.0.0.1:6379/0")


def test_a_redis_store_never_shows_its_password() -> None:
    require_redis_py()
    store = open_status_store("redis://:Pa55word@127.0.0.1:1/0")

    assert "Pa55word" not in repr(store)
    with pytest.raises(StatusStoreError) as failed:
        store.get(LOGIN, PHONE, "1")
    chain: BaseException | None = failed.value
    while chain is not None:
        assert "Pa55word" not in str(chain)
        chain = chain.__cause__


def test_every_store_keeps_the_protocol(tmp_path: Path) -> None:
    require_redis_py()
    for url in ("memory://", f"sqlite:///{tmp_path / 's.db'}", "redis://127.0.0.1:1/0"):
        assert isinstance(open_status_store(url), StatusStore)


def test_a_status_read_over_status_php_comes_back_from_a_record_whole() -> None:
    # status.php gives a flag, whose template kind a non-template message leaves empty: the
    # record leaves empty fields out, and reading it back must not need them.
    from smsc_soap.models import MessageFlag
    from smsc_soap.statuses.base import KnownStatus

    status = MessageStatus(
        message_id="1", phone=PHONE, status=1, flag=MessageFlag.from_bits(0), fields_sent=("flag",)
    )
    known = KnownStatus(login=LOGIN, status=status, source="lookup", learned_at=1, checked_at=2)

    assert KnownStatus.from_json(known.to_json()) == known

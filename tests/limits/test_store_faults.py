"""The limits survive their store's faults: a SQLite file deleted, replaced, locked or open to
others; a Redis server stopped, gone, or restarted with or without persistence; a Redis URL
with a typo. Real SQLite files and a real redis-server of the test's own."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from smsc_soap import (
    AuthenticationError,
    FakeTransport,
    InvalidParametersError,
    LimitStoreError,
    RateLimitError,
    StatusClient,
)
from smsc_soap.limits.stores import Ask, Granted, Refused, SqliteLimitStore, open_limit_store
from smsc_soap.service import credentials

from support.processes import stop
from support.redis_server import _wait_for_ping, free_port
from support.required import require_redis_py
from support.soap_replies import PASSWORD

PHONE = "79991234567"
DEADLINE = 2.0
WITHIN = 2.5
"""Seconds a call with a 2 s deadline may take, whatever its store does."""


def ask(bucket: str = "message:1", *, lease_for: float = 60.0) -> Ask:
    return Ask("demo", bucket, 5, 61, 4, lease_for)


def client_on(limits: str, *, deadline: float = 120.0) -> StatusClient:
    fake = FakeTransport()
    for n in range(10):
        fake.add(PHONE, str(n))
    return StatusClient("demo", PASSWORD, transport=fake, limits=limits, deadline=deadline)


# -- SQLite: one file, one truth ------------------------------------------------------------


def remove_store_files(path: Path) -> None:
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)


def test_a_sqlite_file_deleted_under_a_store_is_rejoined_with_its_places(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "limits.db"
    old = SqliteLimitStore(path)
    held = [old.acquire(ask(f"message:{n}")) for n in range(3)]
    assert all(isinstance(answer, Granted) for answer in held)
    remove_store_files(path)

    new = SqliteLimitStore(path)  # a process started after the deletion: a new file
    assert isinstance(new.acquire(ask("message:9")), Granted)
    with caplog.at_level(logging.WARNING, logger="smsc_soap.limits"):
        # The old store moves to the new file and brings its three places: four in all.
        assert isinstance(old.acquire(ask("message:8")), Refused)

    assert isinstance(new.acquire(ask("message:7")), Refused)
    assert old.replacements == 1
    assert "deleted or replaced" in caplog.text
    old.close()
    new.close()


def test_a_sqlite_file_replaced_under_a_store_keeps_its_window(tmp_path: Path) -> None:
    path = tmp_path / "limits.db"
    old = SqliteLimitStore(path)
    for _ in range(5):
        answer = old.acquire(ask())
        assert isinstance(answer, Granted)
        old.release("demo", answer.lease)
    replacement = tmp_path / "other.db"
    SqliteLimitStore(replacement).salt()  # a store file of its own, made elsewhere
    os.replace(replacement, path)

    assert isinstance(SqliteLimitStore(path).acquire(ask("message:2")), Granted)
    refusal = old.acquire(ask())
    assert isinstance(refusal, Refused)
    assert refusal.reason == "window"
    assert isinstance(SqliteLimitStore(path).acquire(ask()), Refused)


def test_a_sqlite_file_deleted_under_a_store_keeps_the_lockout_it_made(tmp_path: Path) -> None:
    path = tmp_path / "limits.db"
    fake = FakeTransport(login="demo", password="right")
    fake.add(PHONE, "1")
    wrong = StatusClient("demo", "wrong", transport=fake, limits=f"sqlite:///{path}")
    with pytest.raises(AuthenticationError):
        wrong.get_status(PHONE, "1")
    remove_store_files(path)

    with pytest.raises(AuthenticationError) as again:  # the old store moves, with its hold
        wrong.get_status(PHONE, "1")
    later = StatusClient("demo", "wrong", transport=fake, limits=f"sqlite:///{path}")
    with pytest.raises(AuthenticationError) as elsewhere:  # a process started after
        later.get_status(PHONE, "1")

    assert not again.value.from_service
    assert not elsewhere.value.from_service
    assert len(fake.requests) == 1


# -- SQLite: bounded by the deadline -------------------------------------------------------


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """The store file locked by another connection, as a stuck process would hold it."""
    SqliteLimitStore(path).salt()  # the file made
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        locker.execute("ROLLBACK")
        locker.close()


@pytest.mark.slow  # each call waits for the store until its 2 s deadline
def test_calls_on_a_locked_sqlite_store_end_by_their_deadline_each(tmp_path: Path) -> None:
    path = tmp_path / "limits.db"
    client = client_on(f"sqlite:///{path}", deadline=DEADLINE)
    took: list[float] = []
    errors: list[BaseException] = []

    def call() -> None:
        started = time.monotonic()
        try:
            client.get_status(PHONE, "1")
        except LimitStoreError as error:
            errors.append(error)
        took.append(time.monotonic() - started)

    with locked(path):
        threads = [threading.Thread(target=call) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    assert len(errors) == 3
    assert [error.attempts for error in errors] == [0, 0, 0]
    assert max(took) < WITHIN, took


def test_a_sqlite_limit_store_on_a_file_that_is_not_a_database_fails_at_once(
    tmp_path: Path,
) -> None:
    # Only a file locked by another process switching it to WAL is asked again; waiting out
    # the store's bound (10 s here, with no call's deadline) would not mend a broken file.
    path = tmp_path / "limits.db"
    path.write_bytes(b"not a database, " * 100)
    store = SqliteLimitStore(path)

    started = time.monotonic()
    with pytest.raises(LimitStoreError, match="limit store"):
        store.acquire(ask())
    assert time.monotonic() - started < 2.0
    store.close()


# -- SQLite: kept private -------------------------------------------------------------------


@contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "state" / "limits.db"
    with umask(0o022):
        store = SqliteLimitStore(path)
        assert isinstance(store.acquire(ask()), Granted)

    assert mode(path.parent) == 0o700
    for made in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        assert mode(made) == 0o600, made
    store.close()


def test_an_existing_sqlite_store_open_to_others_is_warned_of(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "limits.db"
    path.touch(mode=0o644)
    path.chmod(0o644)

    with caplog.at_level(logging.WARNING, logger="smsc_soap.limits"):
        SqliteLimitStore(path).salt()

    assert "open to other users" in caplog.text
    assert str(path) in caplog.text


def test_a_stolen_store_holds_a_slow_keyed_hash_of_the_password(tmp_path: Path) -> None:
    path = tmp_path / "limits.db"
    with client_on(f"sqlite:///{path}") as client:
        client.get_status(PHONE, "1")

    connection = sqlite3.connect(path)
    (salt,) = connection.execute("SELECT value FROM meta WHERE name = 'salt'").fetchone()
    keys = [key for (key,) in connection.execute("SELECT key FROM held")]
    connection.close()
    digest = hashlib.scrypt(
        f"demo\0{PASSWORD}".encode(),
        salt=salt,
        n=getattr(credentials, "SCRYPT_N", 2**14),
        r=8,
        p=1,
        maxmem=2**26,
        dklen=32,
    ).hex()
    assert credentials.SCRYPT_N >= 2**14  # a guess costs tens of milliseconds and 16 MiB
    assert keys == [f"{{demo}}:accepted:smsc.ru:{digest}"]


# -- Redis ----------------------------------------------------------------------------------


@pytest.mark.parametrize("database", ["/abc", "/1O", "/1/2", "/-1", "?db=x", "/0?db=1x"])
def test_a_redis_url_with_a_database_that_is_not_a_number_is_refused(database: str) -> None:
    require_redis_py()
    url = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}{database}"

    with pytest.raises(InvalidParametersError, match="not a number") as refused:
        open_limit_store(url, clock=time.monotonic)

    assert refused.value.option == "limits"
    assert PASSWORD not in str(refused.value)


@pytest.mark.parametrize("database", ["", "/", "/0", "/15", "?db=3"])
def test_a_redis_url_with_a_numbered_database_or_none_is_taken(database: str) -> None:
    require_redis_py()
    store = open_limit_store(f"redis://127.0.0.1:{free_port()}{database}", clock=time.monotonic)
    store.close()


class RedisServer:
    """A redis-server of the test's own on a fixed port and folder, so that it can be
    stopped, paused and started again."""

    def __init__(self, directory: Path, *, persistent: bool) -> None:
        self.directory = directory
        self.port = free_port()
        self.persistent = persistent
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            pytest.fail("redis-server is not installed")
        keeping = ["--appendonly", "yes", "--appendfsync", "always"]
        self.process = subprocess.Popen(
            [
                executable,
                *("--bind", "127.0.0.1", "--port", str(self.port), "--save", ""),
                *(keeping if self.persistent else ["--appendonly", "no"]),
                *("--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _wait_for_ping(self.process, self.port)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Callable[[bool], RedisServer]]:
    require_redis_py()
    servers: list[RedisServer] = []

    def start(persistent: bool) -> RedisServer:
        server = RedisServer(tmp_path, persistent=persistent)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        if server.process is not None:
            server.process.send_signal(signal.SIGCONT)
        server.stop()


@pytest.mark.slow  # waits for a paused server until the 2 s deadline
def test_a_call_on_a_paused_redis_ends_by_its_deadline(
    own_redis: Callable[[bool], RedisServer],
) -> None:
    server = own_redis(False)
    client = client_on(server.url, deadline=DEADLINE)
    client.get_status(PHONE, "1")  # connected, and the credentials accepted
    assert server.process is not None
    server.process.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        with pytest.raises(LimitStoreError) as failed:
            client.get_status(PHONE, "2")
        took = time.monotonic() - started
    finally:
        server.process.send_signal(signal.SIGCONT)

    assert took < WITHIN
    assert failed.value.attempts == 0


def test_a_call_on_a_redis_that_is_gone_fails_closed_at_once(
    own_redis: Callable[[bool], RedisServer],
) -> None:
    server = own_redis(False)
    client = client_on(server.url, deadline=DEADLINE)
    client.get_status(PHONE, "1")
    server.stop()

    started = time.monotonic()
    with pytest.raises(LimitStoreError, match="the request was not sent") as failed:
        client.get_status(PHONE, "2")

    assert time.monotonic() - started < WITHIN
    assert failed.value.attempts == 0


@pytest.mark.slow  # restarts a redis-server
def test_a_redis_restarted_empty_is_noticed_and_keeps_this_process_s_window(
    own_redis: Callable[[bool], RedisServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = own_redis(False)
    store = open_limit_store(server.url, clock=time.monotonic)
    fake = FakeTransport()
    fake.add(PHONE, "1")
    client = StatusClient("demo", PASSWORD, transport=fake, limits=store, wait_for_limits=False)
    for _ in range(5):
        client.get_status(PHONE, "1")

    server.restart()  # no persistence: everything it held is gone
    with (
        caplog.at_level(logging.WARNING, logger="smsc_soap.limits"),
        pytest.raises(RateLimitError, match="5 lookups of this message"),
    ):
        client.get_status(PHONE, "1")

    assert getattr(store, "restarts", None) == 1
    assert "lost its keys" in caplog.text
    store.close()


@pytest.mark.slow  # restarts a redis-server
def test_a_redis_restarted_empty_gets_back_the_lockout_of_a_running_process(
    own_redis: Callable[[bool], RedisServer],
) -> None:
    server = own_redis(False)
    fake = FakeTransport(login="demo", password="right")
    fake.add(PHONE, "1")
    wrong = StatusClient("demo", "wrong", transport=fake, limits=server.url)
    with pytest.raises(AuthenticationError):
        wrong.get_status(PHONE, "1")

    server.restart()

    with pytest.raises(AuthenticationError) as again:
        wrong.get_status(PHONE, "1")
    assert not again.value.from_service
    assert len(fake.requests) == 1


@pytest.mark.slow  # restarts a redis-server
def test_a_redis_with_persistence_keeps_windows_and_lockout_across_a_restart(
    own_redis: Callable[[bool], RedisServer],
) -> None:
    server = own_redis(True)
    fake = FakeTransport(login="demo", password=PASSWORD)
    fake.add(PHONE, "1")
    fake.add(PHONE, "2")
    with StatusClient(
        "demo", PASSWORD, transport=fake, limits=server.url, wait_for_limits=False
    ) as client:
        for _ in range(5):
            client.get_status(PHONE, "1")
    with (
        StatusClient("demo", "wrong", transport=fake, limits=server.url) as wrong,
        pytest.raises(AuthenticationError),
    ):
        wrong.get_status(PHONE, "2")
    sent = len(fake.requests)

    server.restart()

    # New processes, as after a restart of everything: the server remembers.
    with (
        StatusClient(
            "demo", PASSWORD, transport=fake, limits=server.url, wait_for_limits=False
        ) as client,
        pytest.raises(RateLimitError, match="5 lookups of this message"),
    ):
        client.get_status(PHONE, "1")
    with (
        StatusClient("demo", "wrong", transport=fake, limits=server.url) as wrong,
        pytest.raises(AuthenticationError) as held,
    ):
        wrong.get_status(PHONE, "2")
    assert not held.value.from_service
    assert len(fake.requests) == sent

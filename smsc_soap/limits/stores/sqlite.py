"""``sqlite:///path/limits.db``: the limits of every process on one host, in one SQLite file.

The standard library's ``sqlite3``, in WAL mode; each check-and-take is one ``BEGIN
IMMEDIATE`` transaction, so processes take turns on it. Time is the host's wall clock, which
every process on the host shares. Every lease names the process that holds it: when places
are short, those of processes that no longer exist are taken back at once, rather than when
their leases end (a batch killed and started again goes on straight away).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from smsc_soap.errors import LimitStoreError
from smsc_soap.limits.stores.base import Ask, Granted, Refused
from smsc_soap.runtime.foreign_errors import Step, mapped

__all__ = ["SqliteLimitStore"]

POLL = 0.02
"""Seconds between asks while other processes hold the places."""

_BUSY_MILLISECONDS = 10_000
_WAL_ATTEMPTS = 50
_SCHEMA = """
CREATE TABLE IF NOT EXISTS leases (
    lease TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    expires REAL NOT NULL,
    probe INTEGER NOT NULL,
    pid INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS leases_by_scope ON leases (scope, expires);
CREATE TABLE IF NOT EXISTS events (scope TEXT NOT NULL, bucket TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_bucket ON events (scope, bucket, at);
CREATE INDEX IF NOT EXISTS events_by_age ON events (at);
CREATE TABLE IF NOT EXISTS held (key TEXT PRIMARY KEY, value TEXT NOT NULL, until REAL NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
"""


class SqliteLimitStore:
    """A ``LimitStore`` in a SQLite file shared by the processes of one host; thread-safe.
    The file and its folder are made at the first use, not when the store is built."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, mapped(Step.LIMITS):
            connection = self._connection or self._open()
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=0
        )
        connection.execute(f"PRAGMA busy_timeout = {_BUSY_MILLISECONDS}")
        _switch_to_wal(connection)
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.executescript(_SCHEMA)
        self._connection = connection
        return connection

    def acquire(self, ask: Ask) -> Granted | Refused:
        now = self._clock()
        with self._transaction() as db:
            db.execute("DELETE FROM leases WHERE expires <= ?", (now,))
            db.execute("DELETE FROM events WHERE at <= ?", (now - ask.window,))
            held, probes = _held(db, ask.scope)
            if held >= ask.in_flight or (ask.probe and probes):
                _forget_the_dead(db, ask.scope)
                held, probes = _held(db, ask.scope)
            if held >= ask.in_flight:
                return Refused("in_flight", POLL)
            if ask.probe and probes:
                return Refused("probe", POLL)
            recent = [
                at
                for (at,) in db.execute(
                    "SELECT at FROM events WHERE scope = ? AND bucket = ? ORDER BY at DESC LIMIT ?",
                    (ask.scope, ask.bucket, ask.allowed),
                )
            ]
            if len(recent) >= ask.allowed:
                return Refused("window", recent[-1] + ask.window - now)
            lease = uuid.uuid4().hex
            db.execute(
                "INSERT INTO leases VALUES (?, ?, ?, ?, ?)",
                (lease, ask.scope, now + ask.lease_for, int(ask.probe), os.getpid()),
            )
            db.execute("INSERT INTO events VALUES (?, ?, ?)", (ask.scope, ask.bucket, now))
            return Granted(lease)

    def release(self, scope: str, lease: str, *, linger: float = 0.0) -> None:
        with self._transaction() as db:
            if linger > 0:
                db.execute(
                    "UPDATE leases SET expires = ?, probe = 0 WHERE lease = ?",
                    (self._clock() + linger, lease),
                )
            else:
                db.execute("DELETE FROM leases WHERE lease = ?", (lease,))

    def hold(self, key: str, value: str, seconds: float) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO held VALUES (?, ?, ?)",
                (key, value, self._clock() + seconds),
            )

    def held(self, key: str) -> tuple[str, float] | None:
        with self._transaction() as db:
            row = db.execute("SELECT value, until FROM held WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        left = row[1] - self._clock()
        return (row[0], left) if left > 0 else None

    def drop(self, key: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM held WHERE key = ?", (key,))

    def salt(self) -> bytes:
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (secrets.token_bytes(16),))
            (value,) = db.execute("SELECT value FROM meta WHERE name = 'salt'").fetchone()
        return bytes(value)

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __repr__(self) -> str:
        return f"SqliteLimitStore({str(self.path)!r})"


def _held(db: sqlite3.Connection, scope: str) -> tuple[int, int]:
    held, probes = db.execute(
        "SELECT count(*), coalesce(sum(probe), 0) FROM leases WHERE scope = ?", (scope,)
    ).fetchone()
    return int(held), int(probes)


def _forget_the_dead(db: sqlite3.Connection, scope: str) -> None:
    """Drop the leases of processes of this host that have ended."""
    for (pid,) in db.execute(
        "SELECT DISTINCT pid FROM leases WHERE scope = ? AND pid != ?", (scope, os.getpid())
    ).fetchall():
        if not _alive(pid):
            db.execute("DELETE FROM leases WHERE pid = ?", (pid,))


def _alive(pid: int) -> bool:
    if sys.platform == "win32":
        return True  # os.kill(pid, 0) would end the process there; its lease ends by itself
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def _switch_to_wal(connection: sqlite3.Connection) -> None:
    """Put the file in WAL mode (it stays so). When processes open a new file at once, SQLite
    refuses all but one switch without waiting (a wait could deadlock); the others find the
    file switched when they ask again."""
    for attempt in range(1, _WAL_ATTEMPTS + 1):
        try:
            with mapped(Step.LIMITS):
                connection.execute("PRAGMA journal_mode = WAL")
            return
        except LimitStoreError:
            if attempt == _WAL_ATTEMPTS:
                raise
            time.sleep(POLL)

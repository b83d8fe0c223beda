"""``sqlite:///path/limits.db``: the limits of every process on one host, in one SQLite file.

The standard library's ``sqlite3``, in WAL mode; each check-and-take is one ``BEGIN
IMMEDIATE`` transaction, so processes take turns on it, each waiting at most what is left of
its call's deadline (``base.time_left``). Time is the host's wall clock, which every process on
the host shares. A place ends when its holder gives it back or its lease ends, never because
its process seems gone: a killed process's request may still run at the service, and a
process number says nothing across containers sharing the file.

One file, one truth: before each transaction the file at the path is checked to be the one
this store has open (its device and inode, one ``stat``). A file deleted or replaced under
running processes is noticed, logged and counted (``replacements``), and the store moves to
the file now at the path, carrying over the places it holds, the requests it counted in the
last minute and the holds it made (the lockout), so that old and new processes count together
again. While a store holds
places, a watcher thread makes the same check every ``WATCH`` seconds, so that processes
started after a deletion see the places of those whose requests are still running.

The file holds fingerprints of credentials and the phones asked about: its folder is made
0700 and the file 0600, and a warning is logged when an existing one is open to others.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import uuid
import weakref
from collections import deque
from collections.abc import Callable
from pathlib import Path

from smsc_soap.errors import LimitStoreError
from smsc_soap.limits.stores.base import Ask, Granted, Refused
from smsc_soap.limits.stores.sqlite_file import FileKind, SqliteFileStore
from smsc_soap.runtime.foreign_errors import Step, mapped

__all__ = ["SqliteLimitStore"]

logger = logging.getLogger("smsc_soap.limits.stores.sqlite")

POLL = 0.02
"""Seconds between asks while other processes hold the places."""
WATCH = 0.05
"""Seconds between checks that the file is still the one, while this store holds places."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS leases (
    lease TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    expires REAL NOT NULL,
    probe INTEGER NOT NULL,
    pid INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS leases_by_scope ON leases (scope, expires);
CREATE TABLE IF NOT EXISTS window_requests (
    scope TEXT NOT NULL, bucket TEXT NOT NULL, at REAL NOT NULL, lease TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS window_requests_by_bucket ON window_requests (scope, bucket, at);
CREATE INDEX IF NOT EXISTS window_requests_by_age ON window_requests (at);
CREATE TABLE IF NOT EXISTS held (key TEXT PRIMARY KEY, value TEXT NOT NULL, until REAL NOT NULL);
"""

_KIND = FileKind(
    schema=_SCHEMA,
    step=Step.LIMITS,
    error=LimitStoreError,
    logger=logger,
    name="limit store",
    holds="fingerprints of credentials and the phones asked about",
    carried="the places and requests of this process",
    busy="was busy past the call's deadline, so the request was not sent",
)


class SqliteLimitStore(SqliteFileStore):
    """A ``LimitStore`` in a SQLite file shared by the processes of one host; thread-safe.
    The file and its folder are made at the first use, not when the store is built."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(path, _KIND)
        self._clock = clock
        # What this store put in the file, to carry over to a file that replaced it.
        self._places: dict[str, tuple[str, float, int]] = {}
        self._counted: deque[tuple[str, str, float, str, float]] = deque()
        self._holds: dict[str, tuple[str, float]] = {}
        self._watcher: threading.Thread | None = None

    def _carry_over(self, db: sqlite3.Connection) -> None:
        """Put back, in a file that replaced this store's own, what this store holds."""
        now = self._clock()
        for lease, (scope, expires, probe) in self._places.items():
            if expires > now:
                db.execute(
                    "INSERT OR IGNORE INTO leases VALUES (?, ?, ?, ?, ?)",
                    (lease, scope, expires, probe, os.getpid()),
                )
        for scope, bucket, at, lease, window in self._counted:
            if at > now - window:
                db.execute(
                    "INSERT INTO window_requests SELECT ?, ?, ?, ? WHERE NOT EXISTS"
                    " (SELECT 1 FROM window_requests WHERE scope = ? AND lease = ?)",
                    (scope, bucket, at, lease, scope, lease),
                )
        for key, (value, until) in self._holds.items():
            if until > now:
                db.execute("INSERT OR IGNORE INTO held VALUES (?, ?, ?)", (key, value, until))

    def acquire(self, ask: Ask) -> Granted | Refused:
        now = self._clock()
        with self._use(write=True) as db:
            db.execute("DELETE FROM leases WHERE expires <= ?", (now,))
            db.execute("DELETE FROM window_requests WHERE at <= ?", (now - ask.window,))
            held, probes = db.execute(
                "SELECT count(*), coalesce(sum(probe), 0) FROM leases WHERE scope = ?",
                (ask.scope,),
            ).fetchone()
            if held >= ask.in_flight:
                return Refused("in_flight", POLL)
            if ask.probe and probes:
                return Refused("probe", POLL)
            recent = [
                at
                for (at,) in db.execute(
                    "SELECT at FROM window_requests WHERE scope = ? AND bucket = ?"
                    " ORDER BY at DESC LIMIT ?",
                    (ask.scope, ask.bucket, ask.allowed),
                )
            ]
            if len(recent) >= ask.allowed:
                return Refused("window", recent[-1] + ask.window - now)
            lease = uuid.uuid4().hex
            expires = now + ask.lease_for
            db.execute(
                "INSERT INTO leases VALUES (?, ?, ?, ?, ?)",
                (lease, ask.scope, expires, int(ask.probe), os.getpid()),
            )
            db.execute(
                "INSERT INTO window_requests VALUES (?, ?, ?, ?)",
                (ask.scope, ask.bucket, now, lease),
            )
        self._remember(now, ask, lease, expires)
        return Granted(lease)

    def _remember(self, now: float, ask: Ask, lease: str, expires: float) -> None:
        with self._lock:
            self._places = {held: place for held, place in self._places.items() if place[1] > now}
            self._places[lease] = (ask.scope, expires, int(ask.probe))
            while self._counted and self._counted[0][2] <= now - self._counted[0][4]:
                self._counted.popleft()
            self._counted.append((ask.scope, ask.bucket, now, lease, ask.window))
            if self._watcher is None:
                self._watcher = threading.Thread(
                    target=_watch, args=(weakref.ref(self),), name="smsc-soap limits", daemon=True
                )
                self._watcher.start()

    def _checked(self) -> bool:
        """Move to a file that replaced this store's own; False once the store holds no
        places (or is closed), when the watch ends."""
        if not self._lock.acquire(timeout=WATCH):
            return True  # in use: that use makes the check
        try:
            now = self._clock()
            if not self._file.is_open or not any(place[1] > now for place in self._places.values()):
                self._watcher = None
                return False
            with mapped(Step.LIMITS):
                self._file.current(self._carry_over)
        except LimitStoreError as error:
            logger.debug("the limit store %s could not be checked: %s", self.path, error)
        finally:
            self._lock.release()
        return True

    def release(
        self, scope: str, lease: str, *, linger: float = 0.0, unsent: str | None = None
    ) -> None:
        expires = self._clock() + linger
        with self._use(write=True) as db:
            if unsent is not None:
                db.execute(
                    "DELETE FROM window_requests WHERE scope = ? AND bucket = ? AND lease = ?",
                    (scope, unsent, lease),
                )
            if linger > 0:
                db.execute(
                    "UPDATE leases SET expires = ?, probe = 0 WHERE lease = ?", (expires, lease)
                )
            else:
                db.execute("DELETE FROM leases WHERE lease = ?", (lease,))
        with self._lock:
            if linger > 0 and lease in self._places:
                self._places[lease] = (scope, expires, 0)
            else:
                self._places.pop(lease, None)
            if unsent is not None:
                self._counted = deque(event for event in self._counted if event[3] != lease)

    def hold(self, key: str, value: str, seconds: float) -> None:
        now = self._clock()
        with self._use(write=True) as db:
            db.execute("INSERT OR REPLACE INTO held VALUES (?, ?, ?)", (key, value, now + seconds))
            self._holds = {kept: hold for kept, hold in self._holds.items() if hold[1] > now}
            self._holds[key] = (value, now + seconds)

    def held(self, key: str) -> tuple[str, float] | None:
        with self._use(write=True) as db:
            row = db.execute("SELECT value, until FROM held WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        left = row[1] - self._clock()
        return (row[0], left) if left > 0 else None

    def drop(self, key: str) -> None:
        with self._use(write=True) as db:
            db.execute("DELETE FROM held WHERE key = ?", (key,))
            self._holds.pop(key, None)


def _watch(store: weakref.ref[SqliteLimitStore]) -> None:
    """While the store holds places: move it to a file that replaced its own at once, not at
    its next use, which may be a request's length away. Holds the store weakly: a store
    dropped while holding places is not kept alive by its watch."""
    while True:
        time.sleep(WATCH)
        watched = store()
        if watched is None or not watched._checked():
            return
        del watched

"""``sqlite:///path/statuses.db``: the statuses learned by every process on one host, in one
SQLite file.

The standard library's ``sqlite3``, in WAL mode, so readers never wait for a writer. Each
``put`` is one ``BEGIN IMMEDIATE`` transaction that reads the status held, applies the rule
(``base.supersedes``) and writes the status and its change together; ``get`` is one
``SELECT``. Each wait on the file is bounded by what is left of the caller's deadline
(``limits.stores.base.time_left``). Time is the host's wall clock, which every process on the
host shares (``clock``, for tests).

The feed of changes is a table whose ``AUTOINCREMENT`` id is the event id, trimmed to the
newest ``keep_changes``; a reader waiting for a change polls it every ``POLL`` seconds (a put
of this process wakes it at once). Claims and remembered keys are rows with an expiry.
Statuses are let go ``KEEP_SECONDS`` after a source last gave them.

As with the limit store, before each use the file at the path is checked to be the one open
(its device and inode): a file deleted or replaced under running processes is noticed, logged
and counted (``replacements``), and the store moves to the file now at the path, carrying over
its salt and the claims it holds. The statuses learned are not carried over: they are a cache,
learned again from the service.

The file holds the phones and statuses of a login's messages and fingerprints of credentials:
its folder is made 0700 and the file 0600, and a warning is logged when an existing one is
open to others. A file that cannot be used (locked past the deadline, not a database, its
folder not made) raises ``StatusStoreError``.
"""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import cast

from smsc_soap.errors import StatusStoreError
from smsc_soap.limits.stores.base import time_left
from smsc_soap.models import MessageStatus
from smsc_soap.runtime.foreign_errors import Step, mapped
from smsc_soap.service.phones import normalised
from smsc_soap.statuses.base import (
    KEEP_CHANGES,
    KEEP_SECONDS,
    Change,
    KnownStatus,
    Source,
    confirmed,
    supersedes,
)

__all__ = ["SqliteStatusStore"]

logger = logging.getLogger("smsc_soap.statuses.sqlite")

POLL = 0.025
"""Seconds between looks at the feed while waiting for a change another process makes."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS statuses (
    login TEXT NOT NULL,
    phone TEXT NOT NULL,
    message_id TEXT NOT NULL,
    record TEXT NOT NULL,
    checked_at REAL NOT NULL,
    PRIMARY KEY (login, phone, message_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS statuses_by_age ON statuses (checked_at);
CREATE TABLE IF NOT EXISTS changes (id INTEGER PRIMARY KEY AUTOINCREMENT, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS claims (
    name TEXT PRIMARY KEY, holder TEXT NOT NULL, until REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS claims_by_age ON claims (until);
CREATE TABLE IF NOT EXISTS remembered (key TEXT PRIMARY KEY, until REAL NOT NULL);
CREATE INDEX IF NOT EXISTS remembered_by_age ON remembered (until);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
"""

_LET_GO_ENDED = """
DELETE FROM statuses WHERE (login, phone, message_id) IN (
    SELECT login, phone, message_id FROM statuses WHERE checked_at <= ? LIMIT 100
)
"""
"""Statuses kept past ``KEEP_SECONDS``, let go a few at each put: never many at once, and
as many as are written, so they cannot pile up."""

_CLAIMS_KEPT = 64
"""This store's claims kept in its memory (to carry over) before the ended ones are let go."""

_Identity = tuple[int, int]


class SqliteStatusStore:
    """A ``StatusStore`` in a SQLite file shared by the processes of one host; thread-safe.
    ``clock`` is its time, in seconds since the epoch; ``keep_changes`` bounds the feed. The
    file and its folder are made at the first use, not when the store is built."""

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Callable[[], float] = time.time,
        keep_changes: int = KEEP_CHANGES,
    ) -> None:
        self.path = Path(path)
        self.replacements = 0
        """Times the file at the path was found deleted or replaced by another while this
        store had it open (each is logged as a warning)."""
        self._clock = clock
        self._keep_changes = keep_changes
        self._lock = threading.Lock()
        self._changed = threading.Condition(threading.Lock())
        self._connection: sqlite3.Connection | None = None
        self._identity: _Identity | None = None
        # What this store put in the file, to carry over to a file that replaced it.
        self._salt: bytes | None = None
        self._claims: dict[str, tuple[str, float]] = {}
        self._claims_kept = _CLAIMS_KEPT  # the live claims at the last sweep of the ended

    @contextmanager
    def _use(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        """The connection, for one statement (``write=False``) or one write transaction."""
        if not self._lock.acquire(timeout=time_left()):
            raise StatusStoreError(
                f"the status store {self.path} was busy past the call's deadline"
            )
        try:
            with mapped(Step.STATUSES):
                connection = self._current()
                connection.execute(f"PRAGMA busy_timeout = {int(time_left() * 1000)}")
                if not write:
                    yield connection
                    return
                connection.execute("BEGIN IMMEDIATE")
                try:
                    yield connection
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
        finally:
            self._lock.release()

    def _current(self) -> sqlite3.Connection:
        """The connection to the file now at the path: opened at the first use, and opened
        anew (with this store's salt and claims carried over) when the file was replaced."""
        if self._connection is not None:
            if _identity(self.path) == self._identity:
                return self._connection
            self.replacements += 1
            logger.warning(
                "the status store %s was deleted or replaced while in use; moving to the file"
                " now at that path with the claims of this process",
                self.path,
            )
            self._connection.close()
            self._connection = None
            connection = self._open()
            self._carry_over(connection)
            return connection
        return self._open()

    def _open(self) -> sqlite3.Connection:
        _make_private(self.path)
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=0
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(time_left() * 1000)}")
            _switch_to_wal(connection)
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.executescript(_SCHEMA)
            self._identity = _identity(self.path)
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        return connection

    def _carry_over(self, db: sqlite3.Connection) -> None:
        now = self._clock()
        db.execute("BEGIN IMMEDIATE")
        try:
            if self._salt is not None:
                db.execute("INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (self._salt,))
            for name, (holder, until) in self._claims.items():
                if until > now:
                    db.execute(
                        "INSERT OR IGNORE INTO claims VALUES (?, ?, ?)", (name, holder, until)
                    )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def put(
        self,
        login: str,
        status: MessageStatus,
        source: Source,
        *,
        fields: Mapping[str, str] | None = None,
    ) -> Change | None:
        status = _normalised(status)
        key = (login, status.phone, status.message_id)
        with self._use(write=True) as db:
            now = self._clock()
            db.execute(_LET_GO_ENDED, (now - KEEP_SECONDS,))
            row = db.execute(
                "SELECT record FROM statuses WHERE login = ? AND phone = ? AND message_id = ?",
                key,
            ).fetchone()
            held = None if row is None else KnownStatus.from_json(row[0])
            if held is not None and not supersedes(status, held.status):
                if (held.status.status, held.status.err) == (status.status, status.err):
                    refreshed = confirmed(held, status, source, fields, now)
                    db.execute(
                        "UPDATE statuses SET record = ?, checked_at = ?"
                        " WHERE login = ? AND phone = ? AND message_id = ?",
                        (refreshed.to_json(), now, *key),
                    )
                return None
            known = KnownStatus(
                login=login,
                status=status,
                source=source,
                learned_at=now,
                checked_at=now,
                fields=MappingProxyType(dict(fields or {})),
            )
            record = known.to_json()
            db.execute(
                "INSERT OR REPLACE INTO statuses VALUES (?, ?, ?, ?, ?)", (*key, record, now)
            )
            # An INSERT into a table with row ids always has one.
            event = cast(
                int, db.execute("INSERT INTO changes (record) VALUES (?)", (record,)).lastrowid
            )
            db.execute("DELETE FROM changes WHERE id <= ?", (event - self._keep_changes,))
        with self._changed:
            self._changed.notify_all()
        return Change(str(event), known)

    def get(self, login: str, phone: str, message_id: str) -> KnownStatus | None:
        with self._use(write=False) as db:
            row = db.execute(
                "SELECT record, checked_at FROM statuses"
                " WHERE login = ? AND phone = ? AND message_id = ?",
                (login, normalised(phone), message_id),
            ).fetchone()
        if row is None or row[1] + KEEP_SECONDS <= self._clock():
            return None
        return KnownStatus.from_json(row[0])

    def latest(self) -> str:
        with self._use(write=False) as db:
            return str(_latest(db))

    def changes(self, after: str, *, wait: float, limit: int = 100) -> list[Change]:
        deadline = time.monotonic() + wait
        with self._use(write=False) as db:
            newest = _latest(db)
        # An id not of this store's (not a number, or past its newest): from now on.
        start = min(int(after), newest) if after.isascii() and after.isdigit() else newest
        while True:
            with self._use(write=False) as db:
                rows = db.execute(
                    "SELECT id, record FROM changes WHERE id > ? ORDER BY id LIMIT ?",
                    (start, limit),
                ).fetchall()
            if rows:
                return [Change(str(event), KnownStatus.from_json(record)) for event, record in rows]
            left = deadline - time.monotonic()
            if left <= 0:
                return []
            with self._changed:  # a put of this process wakes the wait at once
                self._changed.wait(min(left, POLL))

    def claim(self, name: str, holder: str, seconds: float) -> bool:
        with self._use(write=True) as db:
            now = self._clock()
            row = db.execute("SELECT holder, until FROM claims WHERE name = ?", (name,)).fetchone()
            if row is not None and row[0] != holder and row[1] > now:
                return False
            db.execute("DELETE FROM claims WHERE until <= ?", (now,))
            until = now + seconds
            db.execute("INSERT OR REPLACE INTO claims VALUES (?, ?, ?)", (name, holder, until))
            if len(self._claims) >= self._claims_kept * 2:  # claims of many names: let go
                self._claims = {n: claim for n, claim in self._claims.items() if claim[1] > now}
                self._claims_kept = max(len(self._claims), _CLAIMS_KEPT)
            self._claims[name] = (holder, until)
        return True

    def let_go(self, name: str, holder: str) -> None:
        with self._use(write=True) as db:
            db.execute("DELETE FROM claims WHERE name = ? AND holder = ?", (name, holder))
            if self._claims.get(name, ("", 0.0))[0] == holder:
                del self._claims[name]

    def remember(self, key: str, seconds: float) -> None:
        with self._use(write=True) as db:
            now = self._clock()
            db.execute("DELETE FROM remembered WHERE until <= ?", (now,))
            db.execute("INSERT OR REPLACE INTO remembered VALUES (?, ?)", (key, now + seconds))

    def remembered(self, key: str) -> bool:
        with self._use(write=False) as db:
            row = db.execute("SELECT until FROM remembered WHERE key = ?", (key,)).fetchone()
        return row is not None and row[0] > self._clock()

    def forget(self, key: str) -> None:
        with self._use(write=True) as db:
            db.execute("DELETE FROM remembered WHERE key = ?", (key,))

    def salt(self) -> bytes:
        with self._use(write=True) as db:
            db.execute("INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (secrets.token_bytes(16),))
            (value,) = db.execute("SELECT value FROM meta WHERE name = 'salt'").fetchone()
        self._salt = bytes(value)
        return self._salt

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __repr__(self) -> str:
        return f"SqliteStatusStore({str(self.path)!r})"


def _latest(db: sqlite3.Connection) -> int:
    (newest,) = db.execute("SELECT coalesce(max(id), 0) FROM changes").fetchone()
    return int(newest)


def _normalised(status: MessageStatus) -> MessageStatus:
    phone = normalised(status.phone)
    return status if phone == status.phone else status.model_copy(update={"phone": phone})


def _identity(path: Path) -> _Identity | None:
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


def _make_private(path: Path) -> None:
    """Make the folder (0700) and the file (0600) if they are missing, so SQLite's own files
    beside it (``-wal``, ``-shm``) are made 0600 too; warn of existing ones open to others."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(descriptor)
    if sys.platform == "win32":
        return  # modes are not how Windows keeps files private
    for made, kind in ((folder, "folder"), (path, "file")):
        mode = stat.S_IMODE(os.stat(made).st_mode)
        if mode & 0o077:
            logger.warning(
                "the status store's %s %s is open to other users (mode %o): it holds the"
                " phones and statuses of messages and fingerprints of credentials; make it %s",
                kind,
                made,
                mode,
                "0700" if kind == "folder" else "0600",
            )


def _switch_to_wal(connection: sqlite3.Connection) -> None:
    """Put the file in WAL mode (it stays so). When processes open a new file at once, SQLite
    refuses all but one switch without waiting (a wait could deadlock); the others find the
    file switched when they ask again, within the store's bound. Any other error (a file that
    is not a database) is raised at once."""
    give_up = time.monotonic() + time_left()
    while True:
        try:
            with mapped(Step.STATUSES):
                connection.execute("PRAGMA journal_mode = WAL")
            return
        except StatusStoreError as error:
            # "database is locked", "database table is locked": SQLITE_BUSY, SQLITE_LOCKED
            if "is locked" not in str(error.__cause__) or time.monotonic() >= give_up:
                raise
            time.sleep(POLL)

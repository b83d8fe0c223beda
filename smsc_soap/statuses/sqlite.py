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
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import cast

from smsc_soap.errors import StatusStoreError
from smsc_soap.limits.stores.sqlite_file import FileKind, SqliteFileStore
from smsc_soap.models import MessageStatus
from smsc_soap.runtime.foreign_errors import Step
from smsc_soap.service.phones import normalised
from smsc_soap.statuses.base import (
    KEEP_CHANGES,
    KEEP_SECONDS,
    Change,
    KnownStatus,
    Source,
    with_normalised_phone,
    written,
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

_KIND = FileKind(
    schema=_SCHEMA,
    step=Step.STATUSES,
    error=StatusStoreError,
    logger=logger,
    name="status store",
    holds="the phones and statuses of messages and fingerprints of credentials",
    carried="the claims of this process",
    busy="was busy past the call's deadline",
)


class SqliteStatusStore(SqliteFileStore):
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
        super().__init__(path, _KIND)
        self._clock = clock
        self._keep_changes = keep_changes
        self._changed = threading.Condition(threading.Lock())
        # What this store put in the file, to carry over to a file that replaced it.
        self._claims: dict[str, tuple[str, float]] = {}
        self._claims_kept = _CLAIMS_KEPT  # the live claims at the last sweep of the ended

    def _carry_over(self, db: sqlite3.Connection) -> None:
        """Put back, in a file that replaced this store's own, the claims it holds."""
        now = self._clock()
        for name, (holder, until) in self._claims.items():
            if until > now:
                db.execute("INSERT OR IGNORE INTO claims VALUES (?, ?, ?)", (name, holder, until))

    def put(
        self,
        login: str,
        status: MessageStatus,
        source: Source,
        *,
        fields: Mapping[str, str] | None = None,
    ) -> Change | None:
        status = with_normalised_phone(status)
        key = (login, status.phone, status.message_id)
        with self._use(write=True) as db:
            now = self._clock()
            db.execute(_LET_GO_ENDED, (now - KEEP_SECONDS,))
            row = db.execute(
                "SELECT record FROM statuses WHERE login = ? AND phone = ? AND message_id = ?",
                key,
            ).fetchone()
            held = None if row is None else KnownStatus.from_json(row[0])
            kept = written(held, login, status, source, fields, now)
            if kept is None:
                return None
            known, changed = kept
            if not changed:
                db.execute(
                    "UPDATE statuses SET record = ?, checked_at = ?"
                    " WHERE login = ? AND phone = ? AND message_id = ?",
                    (known.to_json(), now, *key),
                )
                return None
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


def _latest(db: sqlite3.Connection) -> int:
    (newest,) = db.execute("SELECT coalesce(max(id), 0) FROM changes").fetchone()
    return int(newest)

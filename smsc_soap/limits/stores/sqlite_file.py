"""The SQLite file a store keeps on one host, as the limit and status stores both use it.

``SqliteFile`` opens the file privately (its folder 0700, the file 0600, a warning when an
existing one is open to others), in WAL mode, with every wait on it bounded by what is left of
the caller's deadline (``base.time_left``). Before each use it checks that the file at the path
is still the one it has open (its device and inode, one ``stat``): a file deleted or replaced
under running processes is noticed, logged and counted (``replacements``), and a connection to
the file now at the path is handed back once the store's carry-over has put back in it what
the store holds. Each store keeps its schema, its carry-over and its queries.
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
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from smsc_soap.errors import SmscError
from smsc_soap.limits.stores.base import time_left
from smsc_soap.runtime.foreign_errors import Step, mapped

__all__ = ["FileKind", "SqliteFile", "SqliteFileStore"]

POLL = 0.02
"""Seconds between asks to put a new file in WAL mode while another process does it."""

_META = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
"""
"""Beside every store's own tables: its salt."""

_Identity = tuple[int, int]

CarryOver = Callable[[sqlite3.Connection], None]
"""Puts back, in a file that replaced the store's own, what the store holds (beside its salt,
which the file carries over itself), within the transaction the file began."""


@dataclass(frozen=True)
class FileKind:
    """What a store keeps in its file and how its log lines and errors speak of the file."""

    schema: str
    """The store's tables (beside ``meta``), made when missing each time the file is opened."""
    step: Step
    """What the store's errors are mapped as (``mapped``)."""
    error: type[SmscError]
    """The store's error, raised when the store stays busy past the caller's deadline."""
    logger: logging.Logger
    name: str
    """The store, as in "the limit store"."""
    holds: str
    """What the file holds, the reason it is kept private."""
    carried: str
    """What the store carries over to a file that replaced its own."""
    busy: str
    """The end of the error raised when the store stays busy past the caller's deadline."""


class SqliteFile:
    """A store's SQLite file at ``path``, opened at the first use, with a table ``meta`` beside
    the store's own for its salt. Each use holds ``lock``, the store's, which also guards what
    the store keeps in memory; ``current`` is for a caller that holds it already."""

    def __init__(self, path: Path, kind: FileKind, lock: threading.Lock) -> None:
        self.path = path
        self.replacements = 0
        """Times the file at the path was found deleted or replaced by another while this
        store had it open (each is logged as a warning)."""
        self._kind = kind
        self._lock = lock
        self._connection: sqlite3.Connection | None = None
        self._identity: _Identity | None = None
        self._salt: bytes | None = None  # to carry over

    @property
    def is_open(self) -> bool:
        return self._connection is not None

    @contextmanager
    def use(self, carry_over: CarryOver, *, write: bool) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock, for one statement (``write=False``) or one write
        transaction; each wait (for the lock, for the file) within the caller's deadline."""
        if not self._lock.acquire(timeout=time_left()):
            raise self._kind.error(f"the {self._kind.name} {self.path} {self._kind.busy}")
        try:
            with mapped(self._kind.step):
                connection = self.current(carry_over)
                connection.execute(f"PRAGMA busy_timeout = {int(time_left() * 1000)}")
                if not write:
                    yield connection
                    return
                with _immediate(connection):
                    yield connection
        finally:
            self._lock.release()

    def current(self, carry_over: CarryOver) -> sqlite3.Connection:
        """The connection to the file now at the path: opened at the first use, and opened
        anew when the file was replaced, with the salt and what the store holds carried over
        in one transaction."""
        if self._connection is not None:
            if _identity(self.path) == self._identity:
                return self._connection
            self.replacements += 1
            self._kind.logger.warning(
                "the %s %s was deleted or replaced while in use; moving to the file"
                " now at that path with %s",
                self._kind.name,
                self.path,
                self._kind.carried,
            )
            self._connection.close()
            self._connection = None
            connection = self._open()
            with _immediate(connection):
                if self._salt is not None:
                    connection.execute(
                        "INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (self._salt,)
                    )
                carry_over(connection)
            return connection
        return self._open()

    def _open(self) -> sqlite3.Connection:
        self._make_private()
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=0
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(time_left() * 1000)}")
            self._switch_to_wal(connection)
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.executescript(_META + self._kind.schema)
            self._identity = _identity(self.path)
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        return connection

    def _make_private(self) -> None:
        """Make the folder (0700) and the file (0600) if they are missing, so SQLite's own
        files beside it (``-wal``, ``-shm``) are made 0600 too; warn of existing ones open to
        others."""
        folder = self.path.parent
        if not folder.exists():
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(descriptor)
        if sys.platform == "win32":
            return  # modes are not how Windows keeps files private
        for made, kind in ((folder, "folder"), (self.path, "file")):
            mode = stat.S_IMODE(os.stat(made).st_mode)
            if mode & 0o077:
                self._kind.logger.warning(
                    "the %s's %s %s is open to other users (mode %o): it holds %s; make it %s",
                    self._kind.name,
                    kind,
                    made,
                    mode,
                    self._kind.holds,
                    "0700" if kind == "folder" else "0600",
                )

    def _switch_to_wal(self, connection: sqlite3.Connection) -> None:
        """Put the file in WAL mode (it stays so). When processes open a new file at once,
        SQLite refuses all but one switch without waiting (a wait could deadlock); the others
        find the file switched when they ask again, within the store's bound. Any other error
        (a file that is not a database) is raised at once."""
        give_up = time.monotonic() + time_left()
        while True:
            try:
                with mapped(self._kind.step):
                    connection.execute("PRAGMA journal_mode = WAL")
                return
            except SmscError as error:
                # "database is locked", "database table is locked": SQLITE_BUSY, SQLITE_LOCKED
                if "is locked" not in str(error.__cause__) or time.monotonic() >= give_up:
                    raise
                time.sleep(POLL)

    def salt(self, carry_over: CarryOver) -> bytes:
        """The file's salt (its ``meta`` table's), made at the first ask."""
        with self.use(carry_over, write=True) as db:
            db.execute("INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (secrets.token_bytes(16),))
            (value,) = db.execute("SELECT value FROM meta WHERE name = 'salt'").fetchone()
        self._salt = bytes(value)
        return self._salt

    def close(self) -> None:
        """Close the connection; a later use opens the file anew."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class SqliteFileStore(ABC):
    """What every store in a SQLite file shares: its ``path`` and its file, its lock (which
    also guards what the store keeps in memory), the count of ``replacements``, ``salt``,
    ``close`` and how it is shown. A store adds its queries and what it carries over to a file
    that replaced its own (``_carry_over``)."""

    def __init__(self, path: str | Path, kind: FileKind) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._file = SqliteFile(self.path, kind, self._lock)

    @property
    def replacements(self) -> int:
        """Times the file at the path was found deleted or replaced by another while this
        store had it open (each is logged as a warning)."""
        return self._file.replacements

    @abstractmethod
    def _carry_over(self, db: sqlite3.Connection) -> None:
        """Put back, in a file that replaced this store's own, what this store holds (a
        ``CarryOver``)."""

    def _use(self, *, write: bool) -> AbstractContextManager[sqlite3.Connection]:
        """The connection, for one statement (``write=False``) or one write transaction."""
        return self._file.use(self._carry_over, write=write)

    def salt(self) -> bytes:
        return self._file.salt(self._carry_over)

    def close(self) -> None:
        self._file.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r})"


@contextmanager
def _immediate(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One ``BEGIN IMMEDIATE`` transaction: committed when the block ends, rolled back when
    it raises."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _identity(path: Path) -> _Identity | None:
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino

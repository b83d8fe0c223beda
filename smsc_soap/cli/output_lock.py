"""One batch at a time per output: a lock file beside it, ``.NAME.lock``, holding the PID.

The lock is the operating system's (``flock`` on the open file), so it ends with its holder
however that ends: a crash or ``kill -9`` leaves at most a stale file, which the next batch
takes over. The PID inside is only to say who holds it.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

__all__ = ["OutputInUseError", "OutputLock"]


class OutputInUseError(Exception):
    """Another process holds the output's lock; the text names it."""


class OutputLock:
    """Held from ``acquire`` to ``release``; the lock file is removed on release."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.path = output.with_name(f".{output.name}.lock")
        self._fd = -1

    def acquire(self) -> None:
        """Take the lock, or raise ``OutputInUseError`` at once if another process has it."""
        while True:
            # Not through a link: the lock file is written, and must be the one beside the output.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            if not _try_lock(fd):
                holder = _read_holder(fd)
                os.close(fd)
                raise OutputInUseError(
                    f"another batch ({holder}) is writing to {self.output}; wait for it to"
                    " finish or stop it, or name another --output"
                )
            # The file may have been removed by its last holder between our open and lock:
            # a lock on a file no longer there would lock nothing.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        if not _holds_a_pid_or_nothing(fd):
            os.close(fd)
            raise OutputInUseError(
                f"{self.path} exists and is not a batch's lock; it is left as it is: move it,"
                " or name another --output"
            )
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd < 0:
            return
        fd, self._fd = self._fd, -1
        try:
            self.path.unlink(missing_ok=True)  # while still held: no one else has it open
        finally:
            os.close(fd)  # and the lock with it


def _read_holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
    except OSError:
        pid = ""
    return f"process {pid}" if pid.isdigit() else "a process that is starting"


def _holds_a_pid_or_nothing(fd: int) -> bool:
    """Whether the file is empty or a lock a batch left (its PID): nothing else is replaced."""
    held = os.pread(fd, 64, 0)
    return not held or held.rstrip(b"\n").isdigit()


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return False
        raise
    return True

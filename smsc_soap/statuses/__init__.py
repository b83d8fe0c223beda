"""What the gateway learns of each message's status, kept where its replicas share it: this
process (``memory://``), every process on the host (``sqlite:///path``), or every host
(``redis://``). See ``base`` for the protocol and the rule that orders statuses."""

from __future__ import annotations

import importlib.util
from urllib.parse import urlsplit

from smsc_soap.errors import InvalidParametersError
from smsc_soap.statuses.base import Change, KnownStatus, Source, StatusStore, supersedes
from smsc_soap.statuses.memory import MemoryStatusStore
from smsc_soap.statuses.sqlite import SqliteStatusStore

__all__ = [
    "Change",
    "KnownStatus",
    "MemoryStatusStore",
    "Source",
    "SqliteStatusStore",
    "StatusStore",
    "open_status_store",
    "supersedes",
]


def open_status_store(url: str) -> StatusStore:
    """The store a ``statuses`` URL names. Opening touches nothing: files and servers are
    reached at the first use."""
    # Never quoted back: a Redis URL may carry a password.
    try:
        parts = urlsplit(url)
    except ValueError:
        raise _bad_url("is not a URL") from None
    if parts.scheme == "memory":
        return MemoryStatusStore()
    if parts.scheme == "sqlite":
        if not parts.path or parts.path == "/":
            raise _bad_url("names no file: write sqlite:///absolute/path/statuses.db")
        return SqliteStatusStore(parts.path)
    if parts.scheme in ("redis", "rediss", "unix"):
        if importlib.util.find_spec("redis") is None:
            raise _bad_url("needs redis-py: pip install 'smsc-soap[redis]'")
        from smsc_soap.statuses.redis import RedisStatusStore

        return RedisStatusStore(url)
    raise _bad_url("must start memory://, sqlite:/// or redis://")


def _bad_url(problem: str) -> InvalidParametersError:
    return InvalidParametersError(f"option 'statuses' {problem}", option="statuses")

"""What the gateway learns of each message's status, kept where its replicas share it: this
process (``memory://``), every process on the host (``sqlite:///path``), or every host
(``redis://``). See ``base`` for the protocol and the rule that orders statuses."""

from __future__ import annotations

from smsc_soap.limits.stores.urls import store_kind
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
    kind, path = store_kind(url, "statuses")
    if kind == "memory":
        return MemoryStatusStore()
    if kind == "sqlite":
        return SqliteStatusStore(path)
    from smsc_soap.statuses.redis import RedisStatusStore

    return RedisStatusStore(url)

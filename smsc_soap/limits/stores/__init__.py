"""Where the service's limits are kept: this process (``memory://``), every process on the
host (``sqlite:///path``), or every host (``redis://``). See ``base`` for the protocol."""

from __future__ import annotations

from collections.abc import Callable

from smsc_soap.limits.stores.base import Ask, Granted, LimitStore, Refused
from smsc_soap.limits.stores.memory import MemoryLimitStore
from smsc_soap.limits.stores.sqlite import SqliteLimitStore
from smsc_soap.limits.stores.urls import store_kind

__all__ = [
    "Ask",
    "Granted",
    "LimitStore",
    "MemoryLimitStore",
    "Refused",
    "SqliteLimitStore",
    "open_limit_store",
]


def open_limit_store(url: str, *, clock: Callable[[], float]) -> LimitStore:
    """The store a ``limits`` URL names; ``clock`` is the time of a ``memory://`` store.
    Opening touches nothing: files and servers are reached at the first use."""
    kind, path = store_kind(url, "limits")
    if kind == "memory":
        return MemoryLimitStore(clock=clock)
    if kind == "sqlite":
        return SqliteLimitStore(path)
    from smsc_soap.limits.stores.redis import RedisLimitStore

    return RedisLimitStore(url)

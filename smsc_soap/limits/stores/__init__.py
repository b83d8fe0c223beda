"""Where the service's limits are kept: this process (``memory://``), every process on the
host (``sqlite:///path``), or every host (``redis://``). See ``base`` for the protocol."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from urllib.parse import urlsplit

from smsc_soap.errors import InvalidParametersError
from smsc_soap.limits.stores.base import Ask, Granted, LimitStore, Refused
from smsc_soap.limits.stores.memory import MemoryLimitStore
from smsc_soap.limits.stores.sqlite import SqliteLimitStore

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
    # Never quoted back: a Redis URL may carry a password.
    try:
        parts = urlsplit(url)
    except ValueError:  # the standard library's own: a malformed address
        raise _bad_url("is not a URL") from None
    if parts.scheme == "memory":
        return MemoryLimitStore(clock=clock)
    if parts.scheme == "sqlite":
        if not parts.path or parts.path == "/":
            raise _bad_url("names no file: write sqlite:///absolute/path/limits.db")
        return SqliteLimitStore(parts.path)
    if parts.scheme in ("redis", "rediss", "unix"):
        if importlib.util.find_spec("redis") is None:
            raise _bad_url("needs redis-py: pip install 'smsc-soap[redis]'")
        from smsc_soap.limits.stores.redis import RedisLimitStore

        return RedisLimitStore(url)
    raise _bad_url("must start memory://, sqlite:/// or redis://")


def _bad_url(problem: str) -> InvalidParametersError:
    return InvalidParametersError(f"option 'limits' {problem}", option="limits")

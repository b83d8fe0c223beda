"""What a store URL names, read once for the limit stores and the status stores."""

from __future__ import annotations

import importlib.util
from typing import Literal
from urllib.parse import urlsplit

from smsc_soap.errors import InvalidParametersError

__all__ = ["StoreKind", "store_kind"]

StoreKind = Literal["memory", "sqlite", "redis"]


def store_kind(url: str, option: str) -> tuple[StoreKind, str]:
    """The kind of store ``url`` names and, for SQLite, its file's path; for Redis, whether
    redis-py is there to reach it is checked too. An ``InvalidParametersError`` for
    ``option`` otherwise, which never quotes the URL: a Redis URL may carry a password."""
    try:
        parts = urlsplit(url)
    except ValueError:  # the standard library's own: a malformed address
        raise _bad_url(option, "is not a URL") from None
    if parts.scheme == "memory":
        return "memory", ""
    if parts.scheme == "sqlite":
        if not parts.path or parts.path == "/":
            example = f"sqlite:///absolute/path/{option}.db"
            raise _bad_url(option, f"names no file: write {example}")
        return "sqlite", parts.path
    if parts.scheme in ("redis", "rediss", "unix"):
        if importlib.util.find_spec("redis") is None:
            raise _bad_url(option, "needs redis-py: pip install 'smsc-soap[redis]'")
        return "redis", ""
    raise _bad_url(option, "must start memory://, sqlite:/// or redis://")


def _bad_url(option: str, problem: str) -> InvalidParametersError:
    return InvalidParametersError(f"option '{option}' {problem}", option=option)

"""redis-py clients to one Redis server, one for each socket timeout, as the limit and status
stores both use them (``RedisStore``: what those stores share): each command waits at most
what is left of its caller's deadline (``base.time_left``), with no retry of redis-py's own.
``redis`` is imported at the first client, not with this module."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from smsc_soap.limits.stores.base import time_left
from smsc_soap.runtime.foreign_errors import Step, mapped

if TYPE_CHECKING:
    import redis

__all__ = ["TIMEOUTS", "RedisClients", "RedisStore", "database_of"]

TIMEOUTS = (0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)
"""The socket timeouts a command may be given (one client each, made when first needed):
the longest within the time left, for the connection and the reply each."""


class RedisClients:
    """The clients of one store to the server at ``url`` (never shown: it may carry a
    password); thread-safe. What redis-py raises making one is mapped as ``step``."""

    def __init__(self, url: str, step: Step) -> None:
        self._url = url
        self._step = step
        self._lock = threading.Lock()
        self._clients: dict[float, redis.Redis] = {}

    def client(self, timeout: float | None = None) -> redis.Redis:
        """A client whose commands wait at most ``timeout`` seconds (by default what is
        left of the caller's bound) for the connection and for the reply each."""
        if timeout is None:
            budget = time_left() / 2
            timeout = max((t for t in TIMEOUTS if t <= budget), default=TIMEOUTS[0])
        with self._lock:
            client = self._clients.get(timeout)
            if client is None:
                import redis
                from redis.backoff import NoBackoff
                from redis.retry import Retry

                with mapped(self._step):
                    client = redis.Redis.from_url(
                        self._url,
                        socket_timeout=timeout,
                        socket_connect_timeout=timeout,
                        retry=Retry(NoBackoff(), 0),
                        retry_on_timeout=False,
                        decode_responses=True,
                    )
                self._clients[timeout] = client
        return client

    def close(self) -> None:
        """Close every client; a later command makes its client anew."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        with mapped(self._step):
            for client in clients:
                client.close()


class RedisStore:
    """What every store on a Redis server shares: its clients (``_redis``), ``close``, and how
    it is shown: the server's host and database, never the URL (it may carry a password)."""

    def __init__(self, url: str, step: Step) -> None:
        self._redis = RedisClients(url, step)
        self._redis.client(TIMEOUTS[-1])  # the URL's other errors, at once
        self._shown = f"host={urlsplit(url).hostname!r}, db={database_of(url)!r}"

    def _script(self, source: str) -> Any:
        """A Lua script of the store's, run as ``script(keys=..., args=..., client=...)``."""
        return self._redis.client(TIMEOUTS[-1]).register_script(source)

    def close(self) -> None:
        self._redis.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._shown})"


def database_of(url: str) -> int | None:
    """The database a Redis URL names (0 when none), or None when it is not a number."""
    parts = urlsplit(url)
    given = [] if parts.scheme == "unix" else [parts.path.lstrip("/")]
    given += parse_qs(parts.query).get("db", [])
    for value in given:
        if value and not (value.isascii() and value.isdigit()):
            return None
    return int(given[-1]) if given and given[-1] else 0

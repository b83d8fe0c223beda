"""``redis://host:port/db`` (or ``rediss://``): the limits of every process on every host, on
one Redis server, through redis-py (the ``smsc-soap[redis]`` extra).

Each check-and-take is one Lua script, atomic on the server and timed by the server's clock
(``TIME``), so hosts whose clocks disagree still count one window. Every key of a login
carries the login as a hash tag (``smsc-soap:{login}:...``), so all of them live in one slot
of a Redis Cluster and a script may touch them together. No key holds a password.
"""

from __future__ import annotations

import secrets
import uuid
from typing import TYPE_CHECKING, Any

from smsc_soap.limits.stores.base import Ask, Granted, Refused
from smsc_soap.runtime.foreign_errors import Step, mapped

if TYPE_CHECKING:
    import redis

__all__ = ["RedisLimitStore"]

POLL = 0.02
"""Seconds between asks while other processes hold the places."""

_PREFIX = "smsc-soap:"

# KEYS: leases, probes, window. ARGV: lease, in_flight, probe, allowed, window, lease_for.
# Leases and probes are sorted sets scored by expiry; the window by the moment of each request.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window = tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return {'in_flight', '0'}
end
if ARGV[3] == '1' and redis.call('ZCARD', KEYS[2]) > 0 then
  return {'probe', '0'}
end
local allowed = tonumber(ARGV[4])
if redis.call('ZCARD', KEYS[3]) >= allowed then
  local oldest = redis.call('ZREVRANGE', KEYS[3], allowed - 1, allowed - 1, 'WITHSCORES')
  return {'window', tostring(tonumber(oldest[2]) + window - now)}
end
local expires = now + tonumber(ARGV[6])
redis.call('ZADD', KEYS[1], expires, ARGV[1])
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[2], expires, ARGV[1])
end
redis.call('ZADD', KEYS[3], now, ARGV[1])
-- Lengthened, never shortened: a longer lease granted before this one must outlive it.
local keep = math.ceil((window + tonumber(ARGV[6])) * 1000)
for i = 1, 2 do
  if redis.call('PTTL', KEYS[i]) < keep then
    redis.call('PEXPIRE', KEYS[i], keep)
  end
end
redis.call('PEXPIRE', KEYS[3], math.ceil(window * 1000))
return {'granted', ARGV[1]}
"""

# KEYS: leases, probes. ARGV: lease, linger.
_RELEASE = """
local linger = tonumber(ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
if linger <= 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) + tonumber(t[2]) / 1000000 + linger, ARGV[1])
return 1
"""


class RedisLimitStore:
    """A ``LimitStore`` on a Redis server shared by every host; thread-safe (redis-py's pool).
    Nothing is sent to the server until the first use."""

    def __init__(self, url: str) -> None:
        import redis  # an optional extra: imported only when a Redis store is asked for

        with mapped(Step.LIMITS):
            self._redis: redis.Redis = redis.Redis.from_url(
                url, socket_timeout=5, socket_connect_timeout=5, decode_responses=True
            )
        self._acquire: Any = self._redis.register_script(_ACQUIRE)
        self._release: Any = self._redis.register_script(_RELEASE)

    def acquire(self, ask: Ask) -> Granted | Refused:
        lease = uuid.uuid4().hex
        keys = [*_lease_keys(ask.scope), f"{_tag(ask.scope)}:window:{ask.bucket}"]
        arguments = [
            lease,
            ask.in_flight,
            int(ask.probe),
            ask.allowed,
            repr(ask.window),
            repr(ask.lease_for),
        ]
        with mapped(Step.LIMITS):
            outcome, value = self._acquire(keys=keys, args=arguments)
        if outcome == "granted":
            return Granted(value)
        if outcome == "window":
            return Refused("window", max(float(value), 0.0))
        return Refused("probe" if outcome == "probe" else "in_flight", POLL)

    def release(self, scope: str, lease: str, *, linger: float = 0.0) -> None:
        with mapped(Step.LIMITS):
            self._release(keys=_lease_keys(scope), args=[lease, repr(linger)])

    def hold(self, key: str, value: str, seconds: float) -> None:
        with mapped(Step.LIMITS):
            self._redis.set(_PREFIX + key, value, px=max(int(seconds * 1000), 1))

    def held(self, key: str) -> tuple[str, float] | None:
        with mapped(Step.LIMITS):
            pipeline = self._redis.pipeline()
            pipeline.get(_PREFIX + key)
            pipeline.pttl(_PREFIX + key)
            value, left = pipeline.execute()
        if value is None or left <= 0:
            return None
        return str(value), left / 1000

    def drop(self, key: str) -> None:
        with mapped(Step.LIMITS):
            self._redis.delete(_PREFIX + key)

    def salt(self) -> bytes:
        with mapped(Step.LIMITS):
            self._redis.set(_PREFIX + "salt", secrets.token_hex(16), nx=True)
            value = self._redis.get(_PREFIX + "salt")
        return bytes.fromhex(str(value))

    def close(self) -> None:
        with mapped(Step.LIMITS):
            self._redis.close()

    def __repr__(self) -> str:
        kwargs = self._redis.connection_pool.connection_kwargs
        return f"RedisLimitStore(host={kwargs.get('host')!r}, db={kwargs.get('db')!r})"


def _tag(scope: str) -> str:
    return f"{_PREFIX}{{{scope}}}"


def _lease_keys(scope: str) -> list[str]:
    return [f"{_tag(scope)}:leases", f"{_tag(scope)}:probes"]

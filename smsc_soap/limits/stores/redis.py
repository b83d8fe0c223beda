"""``redis://host:port/db`` (or ``rediss://``): the limits of every process on every host, on
one Redis server, through redis-py (the ``smsc-soap[redis]`` extra).

Each check-and-take is one Lua script, atomic on the server and timed by the server's clock
(``TIME``), so hosts whose clocks disagree still count one window. Every key of a login
carries the login as a hash tag (``smsc-soap:{login}:...``), so all of them live in one slot
of a Redis Cluster and a script may touch them together. No key holds a password.

Each command waits at most what is left of its call's deadline (``base.time_left``), with no
retry of redis-py's own. A place ends when its holder gives it back or its lease ends.

A Redis server restarted without persistence (or flushed) has forgotten the windows, the
places and the lockout. Each login's keys carry an *epoch*, a random value set once: a store
that finds it gone or changed logs it, counts it (``restarts``) and puts back the places it
holds, the requests it counted in the last minute and the holds it made (the lockout). What
other processes held, counted or made is lost: run Redis with persistence (``appendonly
yes``) for it.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from collections import deque

from smsc_soap.errors import InvalidParametersError
from smsc_soap.limits.stores.base import Ask, Granted, Refused
from smsc_soap.limits.stores.redis_clients import TIMEOUTS, RedisStore, database_of
from smsc_soap.runtime.foreign_errors import Step, mapped

__all__ = ["TIMEOUTS", "RedisLimitStore", "database_of"]

logger = logging.getLogger("smsc_soap.limits.stores.redis")

POLL = 0.02
"""Seconds between asks while other processes hold the places."""

_PREFIX = "smsc-soap:"

# KEYS: leases, probes, window, epoch. ARGV: lease, in_flight, probe, allowed, window,
# lease_for, epoch. Leases and probes are sorted sets scored by expiry; the window by the
# moment of each request.
_ACQUIRE = """
if redis.call('GET', KEYS[4]) ~= ARGV[7] then
  return {'epoch', '0'}
end
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
return {'granted', tostring(now)}
"""

# KEYS: leases, probes, window (or none). ARGV: lease, linger.
_RELEASE = """
local linger = tonumber(ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
if KEYS[3] then
  redis.call('ZREM', KEYS[3], ARGV[1])
end
if linger <= 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) + tonumber(t[2]) / 1000000 + linger, ARGV[1])
return 1
"""

# KEYS: leases, window. ARGV: lease, expires, at, window. A place and a counted request of
# this process, put back after the server lost them; times are the server's.
_PUT_BACK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
if tonumber(ARGV[2]) > now then
  redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
  local keep = math.ceil((tonumber(ARGV[2]) - now + tonumber(ARGV[4])) * 1000)
  if redis.call('PTTL', KEYS[1]) < keep then
    redis.call('PEXPIRE', KEYS[1], keep)
  end
end
if tonumber(ARGV[3]) > now - tonumber(ARGV[4]) then
  redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[1])
  redis.call('PEXPIRE', KEYS[2], math.ceil(tonumber(ARGV[4]) * 1000))
end
return 0
"""


class RedisLimitStore(RedisStore):
    """A ``LimitStore`` on a Redis server shared by every host; thread-safe (redis-py's pool).
    Nothing is sent to the server until the first use. A URL whose database is not a plain
    number is refused here."""

    def __init__(self, url: str) -> None:
        _check_database(url)
        self.restarts = 0
        """Times the server was found to have lost this store's keys (restarted without
        persistence, or flushed) since the store was made; each is logged as a warning."""
        self._lock = threading.Lock()
        super().__init__(url, Step.LIMITS)
        self._acquire = self._script(_ACQUIRE)
        self._release = self._script(_RELEASE)
        self._put_back = self._script(_PUT_BACK)
        self._epochs: dict[str, str] = {}
        # What this store holds and counted, scored by the server's clock, to put back.
        self._places: dict[str, tuple[str, float]] = {}
        self._counted: deque[tuple[str, str, float, str, float]] = deque()
        self._holds: dict[str, tuple[str, float]] = {}  # until, on this host's monotonic clock

    def acquire(self, ask: Ask) -> Granted | Refused:
        lease = uuid.uuid4().hex
        keys = [*_lease_keys(ask.scope), _window_key(ask.scope, ask.bucket), _epoch_key(ask.scope)]
        with mapped(Step.LIMITS):
            while True:
                arguments = [
                    lease,
                    ask.in_flight,
                    int(ask.probe),
                    ask.allowed,
                    repr(ask.window),
                    repr(ask.lease_for),
                    self._epoch(ask.scope),
                ]
                outcome, value = self._acquire(
                    keys=keys, args=arguments, client=self._redis.client()
                )
                if outcome != "epoch":
                    break
                self._lost(ask.scope)
        if outcome == "granted":
            self._remember(ask, lease, float(value))
            return Granted(lease)
        if outcome == "window":
            return Refused("window", max(float(value), 0.0))
        return Refused("probe" if outcome == "probe" else "in_flight", POLL)

    def _epoch(self, scope: str) -> str:
        known = self._epochs.get(scope)
        if known is None:
            client = self._redis.client()
            client.set(_epoch_key(scope), secrets.token_hex(8), nx=True)
            known = self._epochs[scope] = str(client.get(_epoch_key(scope)))
        return known

    def _lost(self, scope: str) -> None:
        """The server no longer has the epoch this store knew for ``scope``: it lost (or
        another store already found lost) the keys. Put back what this store holds."""
        self._epochs.pop(scope, None)
        self.restarts += 1
        logger.warning(
            "the Redis limit store lost its keys (restarted without persistence, or"
            " flushed): the limits and lockout of other processes are forgotten; putting"
            " back the places and requests of this process"
        )
        self._epoch(scope)
        with self._lock:
            places = [(lease, until) for lease, (of, until) in self._places.items() if of == scope]
            counted = [event for event in self._counted if event[0] == scope]
            holds = list(self._holds.items())
        client = self._redis.client()
        now = time.monotonic()
        for key, (value, until) in holds:
            if until > now:
                client.set(_PREFIX + key, value, px=max(int((until - now) * 1000), 1), nx=True)
        for lease, expires in places:
            self._put_back(
                keys=[_lease_keys(scope)[0], _window_key(scope, "")],
                args=[lease, repr(expires), "0", "0"],
                client=client,
            )
        for _, bucket, at, lease, window in counted:
            self._put_back(
                keys=[_lease_keys(scope)[0], _window_key(scope, bucket)],
                args=[lease, "0", repr(at), repr(window)],
                client=client,
            )

    def _remember(self, ask: Ask, lease: str, now: float) -> None:
        with self._lock:
            self._places = {held: place for held, place in self._places.items() if place[1] > now}
            self._places[lease] = (ask.scope, now + ask.lease_for)
            while self._counted and self._counted[0][2] <= now - self._counted[0][4]:
                self._counted.popleft()
            self._counted.append((ask.scope, ask.bucket, now, lease, ask.window))

    def release(
        self, scope: str, lease: str, *, linger: float = 0.0, unsent: str | None = None
    ) -> None:
        keys = _lease_keys(scope)
        if unsent is not None:
            keys.append(_window_key(scope, unsent))
        with mapped(Step.LIMITS):
            self._release(keys=keys, args=[lease, repr(linger)], client=self._redis.client())
        with self._lock:
            place = self._places.pop(lease, None)
            if place is not None and linger > 0:
                # Its time on the server's clock is not known here: kept as long as lent.
                self._places[lease] = place
            if unsent is not None:
                self._counted = deque(event for event in self._counted if event[3] != lease)

    def hold(self, key: str, value: str, seconds: float) -> None:
        with mapped(Step.LIMITS):
            self._redis.client().set(_PREFIX + key, value, px=max(int(seconds * 1000), 1))
        now = time.monotonic()
        with self._lock:
            self._holds = {kept: hold for kept, hold in self._holds.items() if hold[1] > now}
            self._holds[key] = (value, now + seconds)

    def held(self, key: str) -> tuple[str, float] | None:
        with mapped(Step.LIMITS):
            pipeline = self._redis.client().pipeline()
            pipeline.get(_PREFIX + key)
            pipeline.pttl(_PREFIX + key)
            value, left = pipeline.execute()
        if value is None or left <= 0:
            return None
        return str(value), left / 1000

    def drop(self, key: str) -> None:
        with mapped(Step.LIMITS):
            self._redis.client().delete(_PREFIX + key)
        with self._lock:
            self._holds.pop(key, None)

    def salt(self) -> bytes:
        with mapped(Step.LIMITS):
            client = self._redis.client()
            client.set(_PREFIX + "salt", secrets.token_hex(16), nx=True)
            value = client.get(_PREFIX + "salt")
        return bytes.fromhex(str(value))


def _check_database(url: str) -> None:
    """Refuse a database that is not a plain number (``/abc``, ``/1O``, ``/1/2``), which
    redis-py would read as another database, splitting the limits of a typo'd replica."""
    if database_of(url) is None:
        raise InvalidParametersError(
            "option 'limits' names a Redis database that is not a number: write"
            " redis://host:port/0 (the URL is not repeated here: it may hold a password)",
            option="limits",
        )


def _tag(scope: str) -> str:
    return f"{_PREFIX}{{{scope}}}"


def _lease_keys(scope: str) -> list[str]:
    return [f"{_tag(scope)}:leases", f"{_tag(scope)}:probes"]


def _window_key(scope: str, bucket: str) -> str:
    return f"{_tag(scope)}:window:{bucket}"


def _epoch_key(scope: str) -> str:
    return f"{_tag(scope)}:epoch"

"""``redis://host:port/db`` (or ``rediss://``): the statuses learned on every host, on one Redis
server, through redis-py (the ``smsc-soap[redis]`` extra).

Each ``put`` is one Lua script, atomic on the server: it applies the ordering rule, writes the
status and appends its change to the feed, timed by the server's clock (``TIME``), so hosts
whose clocks disagree still agree on when a status was learned. The rule is ``base.supersedes``
ported to Lua: it runs where the status held is, in one round trip, with no retry when
replicas write the same message at once (as a WATCH/MULTI transaction would need). It reads
what the rule needs beside each status: its code, its error, its rank and its moment of change
as seconds since the epoch. ``get`` is one command.

A status is a hash that expires ``KEEP_SECONDS`` after a source last gave it. The feed is a
Redis stream (its ids are the event ids) trimmed to about ``keep_changes``; a reader waits
for a change with ``XREAD BLOCK``. Claims are keys set only when free or held by the same
holder (a small script), remembered keys plain keys; both expire by themselves.

The statuses and the feed share one hash tag (``smsc-soap:statuses:{feed}:...``) so that, on
a Redis Cluster, a script may touch both. No key holds a password: the gateway remembers credentials
as salted fingerprints. Each command waits at most what is left of its caller's deadline
(``limits.stores.base.time_left``), with no retry of redis-py's own; a server that cannot be
used raises ``StatusStoreError``.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

from smsc_soap.errors import InvalidParametersError
from smsc_soap.limits.stores.redis_clients import TIMEOUTS, RedisStore, database_of
from smsc_soap.models import MessageStatus
from smsc_soap.runtime.foreign_errors import Step, mapped
from smsc_soap.service.phones import normalised
from smsc_soap.statuses.base import (
    KEEP_CHANGES,
    KEEP_SECONDS,
    SETTLED_RANK,
    Change,
    KnownStatus,
    Source,
    rank,
    with_normalised_phone,
)

__all__ = ["RedisStatusStore"]

_PREFIX = "smsc-soap:statuses:"
"""Apart from the limit store's keys, which start ``smsc-soap:{`` (a login) or are its salt."""
_TAGGED = f"{_PREFIX}{{feed}}:"
_FEED = f"{_TAGGED}changes"
_BLOCK = 1.0
"""The longest one ``XREAD BLOCK`` waits; a longer wait is made of several, each under a
socket timeout of its own (a server that stops answering is noticed within it)."""
_MARGIN = 0.5
"""Seconds a blocking read's socket waits beyond its block, for the reply to come back."""

# KEYS: status, feed. ARGV: code, err, rank, last_date (seconds, '' when none), the status's
# record, the rest of its record, '1' for a lookup, milliseconds to keep, changes to keep.
# Returns {'same' | 'older', now} when nothing changed, else {event id, now}.
_PUT = f"""
local t = redis.call('TIME')
local now = t[1] .. '.' .. string.format('%06d', tonumber(t[2]))
local held = redis.call('HMGET', KEYS[1], 'code', 'err', 'rank', 'last')
if held[1] then
  -- base.supersedes, rule by rule
  if held[1] == ARGV[1] and held[2] == ARGV[2] then
    redis.call('HSET', KEYS[1], 'checked_at', now)
    if ARGV[7] == '1' then
      redis.call('HSET', KEYS[1], 'status', ARGV[5])
    else
      redis.call('HSET', KEYS[1], 'known', ARGV[6])
    end
    redis.call('PEXPIRE', KEYS[1], ARGV[8])
    return {{'same', now}}
  end
  local rank, held_rank = tonumber(ARGV[3]), tonumber(held[3])
  if held_rank >= {SETTLED_RANK} and rank < {SETTLED_RANK} then
    return {{'older', now}}
  end
  if ARGV[4] ~= '' and held[4] ~= '' and tonumber(ARGV[4]) ~= tonumber(held[4]) then
    if tonumber(ARGV[4]) < tonumber(held[4]) then
      return {{'older', now}}
    end
  elseif rank <= held_rank then
    return {{'older', now}}
  end
end
redis.call('HSET', KEYS[1], 'code', ARGV[1], 'err', ARGV[2], 'rank', ARGV[3], 'last', ARGV[4],
  'status', ARGV[5], 'known', ARGV[6], 'learned_at', now, 'checked_at', now)
redis.call('PEXPIRE', KEYS[1], ARGV[8])
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[9], '*',
  'status', ARGV[5], 'known', ARGV[6], 'at', now)
return {{id, now}}
"""

# KEYS: claim. ARGV: holder, milliseconds. 1 when taken or renewed, 0 while another holds it.
_CLAIM = """
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

# KEYS: claim. ARGV: holder.
_LET_GO = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisStatusStore(RedisStore):
    """A ``StatusStore`` on a Redis server shared by every host; thread-safe (redis-py's
    pool). ``keep_changes`` bounds the feed (about: the stream is trimmed in whole nodes).
    Nothing is sent to the server until the first use. A URL whose database is not a plain
    number is refused here."""

    def __init__(self, url: str, *, keep_changes: int = KEEP_CHANGES) -> None:
        if database_of(url) is None:
            raise InvalidParametersError(
                "option 'statuses' names a Redis database that is not a number: write"
                " redis://host:port/0 (the URL is not repeated here: it may hold a password)",
                option="statuses",
            )
        self._keep_changes = keep_changes
        super().__init__(url, Step.STATUSES)
        self._put = self._script(_PUT)
        self._claim = self._script(_CLAIM)
        self._let_go = self._script(_LET_GO)

    def put(
        self,
        login: str,
        status: MessageStatus,
        source: Source,
        *,
        fields: Mapping[str, str] | None = None,
    ) -> Change | None:
        status = with_normalised_phone(status)
        phone = status.phone
        known = KnownStatus(
            login=login,
            status=status,
            source=source,
            learned_at=0.0,
            checked_at=0.0,
            fields=MappingProxyType(dict(fields or {})),
        )
        status_part, known_part = _parts(known)
        arguments = [
            int(status.status),
            "" if status.err is None else int(status.err),
            rank(status),
            "" if status.last_date is None else repr(status.last_date.timestamp()),
            status_part,
            known_part,
            int(source == "lookup"),
            int(KEEP_SECONDS * 1000),
            self._keep_changes,
        ]
        keys = [_status_key(login, phone, status.message_id), _FEED]
        with mapped(Step.STATUSES):
            event, now = self._put(keys=keys, args=arguments, client=self._redis.client())
        if event in ("same", "older"):
            return None
        return Change(event, replace(known, learned_at=float(now), checked_at=float(now)))

    def get(self, login: str, phone: str, message_id: str) -> KnownStatus | None:
        key = _status_key(login, normalised(phone), message_id)
        with mapped(Step.STATUSES):
            found: list[Any] = self._redis.client().hmget(
                key, "status", "known", "learned_at", "checked_at"
            )
        status_part, known_part, learned_at, checked_at = found
        if status_part is None or known_part is None:
            return None
        return _known(status_part, known_part, learned_at, checked_at)

    def latest(self) -> str:
        with mapped(Step.STATUSES):
            newest: Any = self._redis.client().xrevrange(_FEED, count=1)
        return _newest(newest)

    def changes(self, after: str, *, wait: float, limit: int = 100) -> list[Change]:
        deadline = time.monotonic() + wait
        with mapped(Step.STATUSES):
            pipeline = self._redis.client().pipeline(transaction=False)
            pipeline.xrevrange(_FEED, count=1)
            if _is_event_id(after):
                pipeline.xread({_FEED: after}, count=limit)
            found: list[Any]
            newest, *found = pipeline.execute()
            if found and found[0]:
                return _changes(found[0])
            # Nothing after ``after``: it is the newest id, past it, or not a stream id at
            # all (another store's); each way, what comes next is what comes after the newest.
            start = _newest(newest)
            while (left := deadline - time.monotonic()) > 0:
                block = min(left, _BLOCK)
                timeout = min((t for t in TIMEOUTS if t >= block + _MARGIN), default=None)
                read: Any = self._redis.client(timeout or TIMEOUTS[-1]).xread(
                    {_FEED: start}, count=limit, block=max(int(block * 1000), 1)
                )
                if read:
                    return _changes(read)
        return []

    def claim(self, name: str, holder: str, seconds: float) -> bool:
        with mapped(Step.STATUSES):
            taken = self._claim(
                keys=[f"{_PREFIX}claim:{name}"],
                args=[holder, max(int(seconds * 1000), 1)],
                client=self._redis.client(),
            )
        return bool(taken)

    def let_go(self, name: str, holder: str) -> None:
        with mapped(Step.STATUSES):
            self._let_go(
                keys=[f"{_PREFIX}claim:{name}"], args=[holder], client=self._redis.client()
            )

    def remember(self, key: str, seconds: float) -> None:
        with mapped(Step.STATUSES):
            self._redis.client().set(
                f"{_PREFIX}remembered:{key}", 1, px=max(int(seconds * 1000), 1)
            )

    def remembered(self, key: str) -> bool:
        with mapped(Step.STATUSES):
            return bool(self._redis.client().exists(f"{_PREFIX}remembered:{key}"))

    def forget(self, key: str) -> None:
        with mapped(Step.STATUSES):
            self._redis.client().delete(f"{_PREFIX}remembered:{key}")

    def salt(self) -> bytes:
        with mapped(Step.STATUSES):
            pipeline = self._redis.client().pipeline(transaction=False)
            pipeline.set(f"{_PREFIX}salt", secrets.token_hex(16), nx=True)
            pipeline.get(f"{_PREFIX}salt")
            _, value = pipeline.execute()
        return bytes.fromhex(str(value))


def _status_key(login: str, phone: str, message_id: str) -> str:
    # Each part quoted, so that no ':' in a login (or an e-mail address) joins two keys.
    parts = (quote(part, safe="@+.-_") for part in (login, phone, message_id))
    return f"{_TAGGED}status:{':'.join(parts)}"


def _parts(known: KnownStatus) -> tuple[str, str]:
    """A record (``KnownStatus.to_json``) in the two parts the server keeps apart, without
    its times (the server stamps them): the status, which a lookup of the same status
    replaces, and the rest, kept from when the status was learned."""
    record = json.loads(known.to_json())
    del record["learned_at"], record["checked_at"]
    status = {name: record.pop(name) for name in ("status", "fields_sent", "err_table")}
    return _dumps(status), _dumps(record)


def _known(status_part: str, known_part: str, learned_at: str, checked_at: str) -> KnownStatus:
    """The record ``_parts`` split, joined again with the times the server stamped (numbers
    it wrote as ``seconds.microseconds``)."""
    return KnownStatus.from_json(
        f'{{"learned_at":{float(learned_at)!r},"checked_at":{float(checked_at)!r},'
        f"{status_part[1:-1]},{known_part[1:-1]}}}"
    )


def _dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _changes(read: list[Any]) -> list[Change]:
    """``XREAD``'s answer for the feed, as changes."""
    return [
        Change(event, _known(entry["status"], entry["known"], entry["at"], entry["at"]))
        for _, entries in read
        for event, entry in entries
    ]


def _newest(entries: list[Any]) -> str:
    return str(entries[0][0]) if entries else "0"


def _is_event_id(text: str) -> bool:
    """``0`` (before every change) or a stream id, ``milliseconds-sequence``."""
    head, dash, tail = text.partition("-")
    parts = [head, tail] if dash else [head]
    return (text == "0" or bool(dash)) and all(p.isascii() and p.isdigit() for p in parts)

"""``memory://``: the statuses one process learns, kept in its memory (the gateway's default)."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping

from smsc_soap.models import MessageStatus
from smsc_soap.service.phones import normalised
from smsc_soap.statuses.base import (
    KEEP_CHANGES,
    KEEP_SECONDS,
    Change,
    KnownStatus,
    Source,
    with_normalised_phone,
    written,
)

__all__ = ["MemoryStatusStore"]

_Key = tuple[str, str, str]


class MemoryStatusStore:
    """A ``StatusStore`` in this process's memory; thread-safe. ``clock`` is its time, in
    seconds since the epoch (tests move it); ``max_statuses`` bounds the messages kept, the
    least recently written let go first."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        max_statuses: int = 100_000,
        keep_changes: int = KEEP_CHANGES,
    ) -> None:
        self._clock = clock
        self._max_statuses = max_statuses
        self._statuses: OrderedDict[_Key, KnownStatus] = OrderedDict()
        self._feed: deque[Change] = deque(maxlen=keep_changes)
        self._last_event = 0
        self._claims: dict[str, tuple[str, float]] = {}
        self._remembered: dict[str, float] = {}
        self._salt = secrets.token_bytes(16)
        self._changed = threading.Condition()

    def put(
        self,
        login: str,
        status: MessageStatus,
        source: Source,
        *,
        fields: Mapping[str, str] | None = None,
    ) -> Change | None:
        status = with_normalised_phone(status)
        key = (login, status.phone, status.message_id)
        with self._changed:
            now = self._clock()
            kept = written(self._live(key, now), login, status, source, fields, now)
            if kept is None:
                return None
            known, changed = kept
            self._keep(key, known)
            if not changed:
                return None
            self._last_event += 1
            change = Change(str(self._last_event), known)
            self._feed.append(change)
            self._changed.notify_all()
            return change

    def get(self, login: str, phone: str, message_id: str) -> KnownStatus | None:
        with self._changed:
            return self._live((login, normalised(phone), message_id), self._clock())

    def latest(self) -> str:
        with self._changed:
            return str(self._last_event)

    def changes(self, after: str, *, wait: float, limit: int = 100) -> list[Change]:
        start = int(after) if after.isdigit() else self._last_event
        deadline = time.monotonic() + wait
        with self._changed:
            if start > self._last_event:
                start = self._last_event  # not one of this store's ids: from now on
            while self._last_event <= start:
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                self._changed.wait(left)
            return [change for change in self._feed if int(change.event_id) > start][:limit]

    def claim(self, name: str, holder: str, seconds: float) -> bool:
        with self._changed:
            now = self._clock()
            held = self._claims.get(name)
            if held is not None and held[0] != holder and held[1] > now:
                return False
            self._claims[name] = (holder, now + seconds)
            if len(self._claims) > self._max_statuses:  # claims ended without a let_go
                self._claims = {key: held for key, held in self._claims.items() if held[1] > now}
            return True

    def let_go(self, name: str, holder: str) -> None:
        with self._changed:
            if self._claims.get(name, ("", 0.0))[0] == holder:
                del self._claims[name]

    def remember(self, key: str, seconds: float) -> None:
        with self._changed:
            self._remembered[key] = self._clock() + seconds
            if len(self._remembered) > self._max_statuses:
                now = self._clock()
                self._remembered = {k: t for k, t in self._remembered.items() if t > now}

    def remembered(self, key: str) -> bool:
        with self._changed:
            return self._remembered.get(key, 0.0) > self._clock()

    def forget(self, key: str) -> None:
        with self._changed:
            self._remembered.pop(key, None)

    def salt(self) -> bytes:
        return self._salt

    def close(self) -> None:
        """Nothing to let go: the memory goes with the store."""

    def _live(self, key: _Key, now: float) -> KnownStatus | None:
        known = self._statuses.get(key)
        if known is not None and known.checked_at + KEEP_SECONDS <= now:
            del self._statuses[key]
            return None
        return known

    def _keep(self, key: _Key, known: KnownStatus) -> None:
        self._statuses[key] = known
        self._statuses.move_to_end(key)
        while len(self._statuses) > self._max_statuses:
            self._statuses.popitem(last=False)

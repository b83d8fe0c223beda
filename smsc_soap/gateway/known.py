"""The statuses the gateway knows, and the credentials the service has accepted.

The status store (``smsc_soap.statuses``) holds what any replica learned: by a lookup, a
callback or an SMPP receipt. A copy of it is kept here in memory, so that a status can be
served on the event loop without waiting for the store; a thread follows the store's feed of
changes, so a status pushed to another replica reaches this copy within moments, and hands
each change to the subscribers (``/v1/events``).

Only credentials the service has accepted read the store: a pair (login and password, as
the fingerprint ``Upstream.pair_key`` makes) is remembered in the store for
``ACCEPTED_FOR`` seconds after the service answered it with anything but a refusal of the
password; a pair not remembered is checked by one request to the service first.

A store out of use is not the callers' problem: what this copy holds is served, and what is
learned meanwhile is kept here; the operator is told in the log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

from smsc_soap.errors import SmscError
from smsc_soap.gateway.lookups import ASK_EVERY
from smsc_soap.limits.stores.base import bounded
from smsc_soap.models import MessageStatus
from smsc_soap.service.codes import Outcome
from smsc_soap.service.phones import normalised
from smsc_soap.statuses import Change, KnownStatus, Source, StatusStore
from smsc_soap.statuses.base import with_normalised_phone, written

__all__ = ["ACCEPTED_FOR", "STORE_WAIT", "Known", "served_without_asking"]

logger = logging.getLogger("smsc_soap.gateway.known")

ACCEPTED_FOR = 15 * 60.0
"""Seconds a pair the service accepted reads the store without asking the service again: a
password changed in the account is refused by the gateway at most this long after."""

STORE_WAIT = 2.0
"""Seconds a lookup waits at most for the status store before answering without it."""
_FOLLOW_WAIT = 1.0  # seconds one read of the feed waits: how soon the follower sees a close
_PUSHED_FINAL = frozenset({Outcome.DELIVERED, Outcome.FAILED})

_Key = tuple[str, str, str]
Subscriber = Callable[[Change], object]


def served_without_asking(known: KnownStatus, now: float) -> bool:
    """Whether ``known`` answers a poll with no lookup: a failed message will not change; a
    delivered or failed status that was pushed is as far as the service will tell without
    pushing again; any other status, for ``ASK_EVERY`` seconds after a source gave it (the
    service allows 5 lookups of a message a minute)."""
    outcome = known.status.outcome
    if outcome is Outcome.FAILED:
        return True
    if known.source != "lookup" and outcome in _PUSHED_FINAL:
        return True
    return now - known.checked_at < ASK_EVERY


class Known:
    """``store``'s statuses, with a copy in memory of at most ``max_statuses``; ``clock`` is
    the store's time (seconds since the epoch)."""

    def __init__(
        self,
        store: StatusStore,
        *,
        clock: Callable[[], float] = time.time,
        max_statuses: int = 100_000,
    ) -> None:
        self.store = store
        self.clock = clock
        self._max_statuses = max_statuses
        self._copy: OrderedDict[_Key, KnownStatus] = OrderedDict()
        self._accepted: dict[str, float] = {}
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._follower: threading.Thread | None = None
        self.store_failures = 0
        """Store calls that failed since the gateway started (the copy answered instead)."""

    # The copy, for answers on the event loop.

    def held(self, login: str, phone: str, message_id: str) -> KnownStatus | None:
        """What the copy holds of the message: a dictionary look-up, never the store."""
        with self._lock:
            return self._copy.get((login, normalised(phone), message_id))

    def accepted_here(self, pair: str) -> bool:
        """Whether the copy knows ``pair`` as accepted, without asking the store."""
        with self._lock:
            return self._accepted.get(pair, 0.0) > self.clock()

    # The store, for answers in worker threads.

    def read(self, login: str, phone: str, message_id: str) -> KnownStatus | None:
        """The store's status of the message (the copy's when the store is out of use)."""
        try:
            with bounded(STORE_WAIT):
                known = self.store.get(login, phone, message_id)
        except SmscError as error:
            self._failed("read", error)
            return self.held(login, phone, message_id)
        if known is not None:
            self._copied(known)
        return known

    def write(
        self,
        login: str,
        status: MessageStatus,
        source: Source,
        fields: Mapping[str, str] | None = None,
        *,
        shared: bool = False,
    ) -> Change | None:
        """Keep ``status`` in the store; the change, or None when it changed nothing. With the
        store out of use it is kept in the copy alone; and, when it must be ``shared`` (a
        push, which the service sends once), the store's error is raised."""
        try:
            with bounded(STORE_WAIT):
                change = self.store.put(login, status, source, fields=fields)
        except SmscError as error:
            self._failed("write", error)
            self._written_here(login, status, source, fields)  # kept in the copy alone
            if shared:
                raise
            return None
        if change is not None:
            self._copied(change.known)
        else:  # the same status again: confirmed in the copy as in the store
            self._written_here(login, status, source, fields)
        return change

    def accepted(self, pair: str) -> bool:
        """Whether the service has accepted ``pair`` lately (here or at another replica)."""
        if self.accepted_here(pair):
            return True
        try:
            with bounded(STORE_WAIT):
                remembered = self.store.remembered(pair)
        except SmscError as error:
            self._failed("read", error)
            return False
        if remembered:
            with self._lock:
                self._accepted[pair] = self.clock() + ACCEPTED_FOR
        return remembered

    def accept(self, pair: str) -> None:
        with self._lock:
            self._accepted[pair] = self.clock() + ACCEPTED_FOR
            if len(self._accepted) > self._max_statuses:
                now = self.clock()
                self._accepted = {key: t for key, t in self._accepted.items() if t > now}
        try:
            with bounded(STORE_WAIT):
                self.store.remember(pair, ACCEPTED_FOR)
        except SmscError as error:
            self._failed("write", error)

    def refuse(self, pair: str) -> None:
        """The service refused ``pair``'s password: it reads nothing from the store."""
        with self._lock:
            self._accepted.pop(pair, None)
        try:
            with bounded(STORE_WAIT):
                self.store.forget(pair)
        except SmscError as error:
            self._failed("write", error)

    # The feed.

    def subscribe(self, subscriber: Subscriber) -> None:
        """Hand ``subscriber`` every change the store's feed carries from now on (called in
        the follower's thread; it must not wait)."""
        with self._lock:
            self._subscribers.append(subscriber)

    def follow(self) -> None:
        """Start following the store's feed of changes in a thread of its own."""
        if self._follower is None:
            self._follower = threading.Thread(
                target=self._follow, name="smsc-gateway-statuses", daemon=True
            )
            self._follower.start()

    def close(self) -> None:
        """Stop following the feed; the follower ends within ``_FOLLOW_WAIT`` seconds."""
        self._closed.set()

    def _follow(self) -> None:
        after: str | None = None
        while not self._closed.is_set():
            try:
                if after is None:
                    after = self.store.latest()
                changes = self.store.changes(after, wait=_FOLLOW_WAIT)
            except SmscError as error:
                self._failed("follow", error)
                self._closed.wait(_FOLLOW_WAIT)
                continue
            for change in changes:
                after = change.event_id
                self._copied(change.known)
                with self._lock:
                    subscribers = list(self._subscribers)
                for subscriber in subscribers:
                    subscriber(change)

    def _copied(self, known: KnownStatus) -> None:
        key = (known.login, known.status.phone, known.status.message_id)
        with self._lock:
            held = self._copy.get(key)
            if held is not None and held.checked_at > known.checked_at:
                return  # the feed is behind what a read of the store gave
            self._keep(key, known)

    def _keep(self, key: _Key, known: KnownStatus) -> None:
        """Keep ``known`` in the copy, letting the least recently kept go over the bound;
        with the lock held."""
        self._copy[key] = known
        self._copy.move_to_end(key)
        while len(self._copy) > self._max_statuses:
            self._copy.popitem(last=False)

    def _written_here(
        self,
        login: str,
        status: MessageStatus,
        source: Source,
        fields: Mapping[str, str] | None,
    ) -> None:
        """``status`` put in the copy as a store puts it."""
        status = with_normalised_phone(status)
        key = (login, status.phone, status.message_id)
        with self._lock:
            kept = written(self._copy.get(key), login, status, source, fields, self.clock())
            if kept is not None:
                self._keep(key, kept[0])

    def _failed(self, what: str, error: SmscError) -> None:
        self.store_failures += 1
        logger.warning("the status store cannot be used (%s): %s", what, error)

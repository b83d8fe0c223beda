"""A login's first burst of lookups gathered into one mass request.

Credentials the service has not accepted yet go one request at a time (the probe: a wrong
password reaches the service once, not once per caller), and then fewer than 5 at once, so 8
different messages asked for together with new credentials took three round trips. The
service answers many messages in one status.php request, one such request a minute per login.
So the first lookups of a credential pair are gathered here: those that arrive within
``GATHER_SECONDS`` of each other (for ``MAX_GATHER_SECONDS`` at most) go to the service as ONE
mass request, which is also the probe (a refused password refuses them all, with one
request); a lookup alone goes alone, as the probe. Those that arrive while that probe is in
flight, and would wait for it anyway, are gathered for after it. Once the service has
accepted the pair, lookups go one by one as before, each through the cache and its
message's window.

The mass request goes over the HTTP interface, status.php, on the same host as the gateway's
transport, with the same login and password and the same limits (one store, one lockout):

- with ``--transport http``, to the same endpoint;
- with ``--transport soap`` (the default), to status.php beside the SOAP endpoint:
  ``https://{host}/sys/status.php``, or the ``--endpoint`` with its ``/sys/soap.php`` made
  ``/sys/status.php``. The service's HTTP interface takes the same login; what it answers is
  read into the same statuses (with the fields only status.php gives, such as ``flag``). An
  endpoint that does not end in ``/sys/soap.php`` names no
  status.php the gateway can find: its lookups go one by one, as before.

A gathered mass request is not waited for: when the login's mass request of the minute is
taken (or another probe of the pair, or the login's requests in flight, hold it back), the
gathered lookups go one by one as they would have, each waiting its turn. A ``get_status2``
and a lookup of a pair already accepted are never gathered. The gateway asks every
``get_status`` at the fullest detail, so the lookups gathered share one ``all``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from smsc_soap.calls.many import DEFAULT_MASS_SIZE
from smsc_soap.client import StatusClient
from smsc_soap.errors import RateLimitError, SmscError
from smsc_soap.gateway.lookups import Lookup
from smsc_soap.limits.stores import LimitStore
from smsc_soap.models import LookupResult, MessageStatus
from smsc_soap.service.hosts import SOAP_PATH, STATUS_PATH
from smsc_soap.service.request import StatusRequest

__all__ = ["GATHER_SECONDS", "MAX_GATHER_SECONDS", "Bursts"]

GATHER_SECONDS = 0.02
"""How long a gathering waits for one more lookup after the last that joined it."""
MAX_GATHER_SECONDS = 0.1
"""How long a gathering waits at most for lookups to join it."""

_MAX_PAIRS = 100_000  # pairs remembered as accepted; the oldest forgotten first


@dataclass
class _Slot:
    """One gathered lookup and, once it is answered, its outcome."""

    request: StatusRequest
    status: MessageStatus | None = None
    error: SmscError | None = None
    alone: bool = False
    """Held back from a mass request: to be sent on its own, as without gathering."""


@dataclass
class _Gathering:
    slots: list[_Slot] = field(default_factory=list)
    behind: _Gathering | None = None
    """The pair's gathering in flight when this one opened: this one goes after it."""
    joined: threading.Condition = field(default_factory=threading.Condition)
    done: threading.Event = field(default_factory=threading.Event)


class Bursts:
    """Sends lookups of the gateway's clients, gathering a pair's first ones into one mass
    request; its clients keep their limits in ``store``."""

    def __init__(
        self,
        store: LimitStore,
        *,
        gather_seconds: float = GATHER_SECONDS,
        max_gather_seconds: float = MAX_GATHER_SECONDS,
    ) -> None:
        self._store = store
        self._gather_seconds = gather_seconds
        self._max_gather_seconds = max_gather_seconds
        self._accepted: OrderedDict[str, None] = OrderedDict()
        self._open: dict[str, _Gathering] = {}
        self._in_flight: dict[str, _Gathering] = {}
        self._lock = threading.Lock()
        self.mass_requests = 0
        """Mass requests of gathered lookups answered by the service (error 9 aside)."""

    def lookup(
        self,
        client: StatusClient,
        pair: str,
        lookup: Lookup,
        request: StatusRequest,
        *,
        wait_for_windows: bool = True,
    ) -> MessageStatus:
        """``request`` (``lookup`` of the credentials ``pair``, as ``client`` sends it)
        answered: gathered with others of the pair while it is not yet accepted, else as
        ``client.lookup``."""
        gathered = self._gathered(client, pair, request) if wait_for_windows else None
        if gathered is None:
            return self._alone(client, pair, request, wait_for_windows)
        gathering, slot, leader = gathered
        if leader:
            self._lead(client, pair, lookup, gathering)
        else:
            gathering.done.wait()
        if slot.alone:
            return self._alone(client, pair, request)
        if slot.status is not None:
            return slot.status
        raise slot.error or SmscError("the mass request gave this lookup no answer")

    def _gathered(
        self, client: StatusClient, pair: str, request: StatusRequest
    ) -> tuple[_Gathering, _Slot, bool] | None:
        """The gathering ``request`` joins (or opens, as its leader), or None when it goes
        alone: its pair accepted, a ``get_status2``, or no status.php to send a mass
        request to."""
        if request.operation != "get_status" or _status_endpoint(client) is False:
            return None
        slot = _Slot(request)
        with self._lock:
            if pair in self._accepted:
                return None
            gathering = self._open.get(pair)
            leader = gathering is None
            if gathering is None:
                gathering = _Gathering(behind=self._in_flight.get(pair))
                self._open[pair] = gathering
            with gathering.joined:
                gathering.slots.append(slot)
                gathering.joined.notify()
            if len(gathering.slots) >= DEFAULT_MASS_SIZE:
                del self._open[pair]  # full: a new one for those that come after
        return gathering, slot, leader

    def _lead(self, client: StatusClient, pair: str, lookup: Lookup, gathering: _Gathering) -> None:
        """Waits for the lookups that come with the first (those of the pair's gathering in
        flight, and any that come within ``gather_seconds`` of the last, for at most
        ``max_gather_seconds``), then sends them."""
        if gathering.behind is not None:
            gathering.behind.done.wait()
        until = time.monotonic() + self._max_gather_seconds
        with gathering.joined:
            seen = -1
            while seen != len(gathering.slots) and len(gathering.slots) < DEFAULT_MASS_SIZE:
                seen = len(gathering.slots)
                left = until - time.monotonic()
                if left <= 0:
                    break
                gathering.joined.wait(min(self._gather_seconds, left))
        with self._lock:
            if self._open.get(pair) is gathering:
                del self._open[pair]
            self._in_flight[pair] = gathering
        try:
            self._send(client, pair, lookup, gathering.slots)
        finally:
            with self._lock:
                if self._in_flight.get(pair) is gathering:
                    del self._in_flight[pair]
            gathering.done.set()

    def _alone(
        self, client: StatusClient, pair: str, request: StatusRequest, wait_for_windows: bool = True
    ) -> MessageStatus:
        status = client.lookup(request, wait_for_windows=wait_for_windows)
        self._accept(pair)
        return status

    def _send(self, client: StatusClient, pair: str, lookup: Lookup, slots: list[_Slot]) -> None:
        """The gathered ``slots`` answered: one alone as the probe it is, more by one mass
        request, or marked to go alone when the mass request is held back."""
        if len(slots) == 1:
            try:
                slots[0].status = self._alone(client, pair, slots[0].request)
            except SmscError as error:
                slots[0].error = error
            return
        try:
            with _mass_client(client, lookup, self._store) as mass:
                refs = [(slot.request.phone, slot.request.message_id) for slot in slots]
                results = list(mass.get_statuses(refs, slots[0].request.all))
        except SmscError as error:  # the credentials refused, or the IP blocked: for all
            for slot in slots:
                slot.error = error.copy()
            return
        if _held_back(results):
            for slot in slots:
                slot.alone = True
            return
        self.mass_requests += 1
        for slot, result in zip(slots, results, strict=True):
            slot.status, slot.error = result.status, result.error
        if any(result.status is not None for result in results):
            self._accept(pair)

    def _accept(self, pair: str) -> None:
        with self._lock:
            self._accepted[pair] = None
            self._accepted.move_to_end(pair)
            while len(self._accepted) > _MAX_PAIRS:
                self._accepted.popitem(last=False)


def _held_back(results: Sequence[LookupResult]) -> bool:
    """Whether the mass request was held back by the limits (its window taken, another
    probe or the login's requests in flight) or refused by the service with error 9."""
    return all(isinstance(result.error, RateLimitError) for result in results)


def _status_endpoint(client: StatusClient) -> str | bool | None:
    """Where ``client``'s mass request goes: an endpoint, None for the host's own
    status.php, or False for nowhere (no status.php known beside its endpoint)."""
    options = client.options
    if options.transport == "http":
        return options.endpoint
    if options.transport != "soap":
        return False
    if options.endpoint is None:
        return None
    if options.endpoint.endswith(SOAP_PATH):
        return options.endpoint.removesuffix(SOAP_PATH) + STATUS_PATH
    return False


@contextmanager
def _mass_client(client: StatusClient, lookup: Lookup, store: LimitStore) -> Iterator[StatusClient]:
    """A client of the same login and host over status.php, keeping the same limits in
    ``store``, that is refused at once where it would wait: a mass request held back goes
    as single lookups instead."""
    options = client.options
    given: dict[str, Any] = {name: getattr(options, name) for name in options.model_fields_set}
    given.pop("wsdl", None)
    endpoint = _status_endpoint(client)
    given.update(
        transport="http",
        endpoint=endpoint if isinstance(endpoint, str) else None,
        limits=store,
        wait_for_limits=False,
    )
    with StatusClient(lookup.login, lookup.password, **given) as mass:
        yield mass

"""A limit store in which the service has already accepted the test password."""

from __future__ import annotations

import time
from collections.abc import Callable

from smsc_soap import FakeTransport, StatusClient
from smsc_soap.limits.stores import MemoryLimitStore

from support.soap_replies import PASSWORD


class _At(FakeTransport):
    """A fake standing at ``endpoint``: the client keys what it learns by that host."""

    def __init__(self, endpoint: str | None) -> None:
        super().__init__()
        self.endpoint = endpoint


def accepted_store(
    login: str = "demo",
    password: str = PASSWORD,
    *,
    endpoint: str | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> MemoryLimitStore:
    """Requests of these credentials need not go one at a time, as those of credentials the
    service has never accepted do: a first lookup through the store has been answered, by the
    host of ``endpoint`` (the service's own when None). ``clock`` is the store's time."""
    store = MemoryLimitStore(clock=clock)
    fake = _At(endpoint)
    fake.add("79991234567", "warm-up")
    with StatusClient(login, password, transport=fake, limits=store) as client:
        client.get_status("79991234567", "warm-up")
    return store

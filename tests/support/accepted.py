"""A limit store in which the service has already accepted the test password."""

from __future__ import annotations

import time
from collections.abc import Callable

from smsc_soap import FakeTransport, StatusClient
from smsc_soap.limits.stores import MemoryLimitStore

from support.soap_replies import PASSWORD


def accepted_store(
    login: str = "demo", password: str = PASSWORD, *, clock: Callable[[], float] = time.monotonic
) -> MemoryLimitStore:
    """Requests of these credentials need not go one at a time, as those of credentials the
    service has never accepted do: a first lookup through the store has been answered.
    ``clock`` is the store's time."""
    store = MemoryLimitStore(clock=clock)
    fake = FakeTransport()
    fake.add("79991234567", "warm-up")
    with StatusClient(login, password, transport=fake, limits=store) as client:
        client.get_status("79991234567", "warm-up")
    return store

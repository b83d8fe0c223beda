"""A limit store in which the service has already accepted the test password."""

from __future__ import annotations

from smsc_soap import FakeTransport, StatusClient
from smsc_soap.limit_stores import MemoryLimitStore

from soap_replies import PASSWORD


def accepted_store(login: str = "demo", password: str = PASSWORD) -> MemoryLimitStore:
    """Requests of these credentials need not go one at a time, as those of credentials the
    service has never accepted do: a first lookup through the store has been answered."""
    store = MemoryLimitStore()
    fake = FakeTransport()
    fake.add("79991234567", "warm-up")
    with StatusClient(login, password, transport=fake, limits=store) as client:
        client.get_status("79991234567", "warm-up")
    return store

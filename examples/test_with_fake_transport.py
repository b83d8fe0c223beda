"""Testing your own code with FakeTransport: no network, no sandbox, no waiting.

python -m pytest examples/test_with_fake_transport.py
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from smsc_soap import (
    ConnectionFailedError,
    FakeTransport,
    InstantClock,
    StatusClient,
)

# --- your code -------------------------------------------------------------------------------


def undelivered(client: StatusClient, sent: Iterable[tuple[str, str]]) -> list[str]:
    """Ids of sent messages that failed, or could not be checked; to resend or investigate."""
    failed = []
    for result in client.get_statuses(sent):
        if result.error is not None or (result.status is not None and result.status.is_failed):
            failed.append(result.message_id)
    return sorted(failed)


# --- its tests -------------------------------------------------------------------------------


@pytest.fixture
def fake() -> FakeTransport:
    transport = FakeTransport(login="shop", password="secret")
    transport.add("79990000001", "1", status=1)  # delivered
    transport.add("79990000002", "2", status=20, err=6)  # could not be delivered
    transport.add("79990000003", "3", status=0)  # still with the operator
    return transport


def client_for(fake: FakeTransport) -> StatusClient:
    # InstantClock: retries and the service's limits cost the test no time.
    return StatusClient("shop", "secret", transport=fake, clock=InstantClock())


def test_failed_and_unknown_messages_are_reported(fake: FakeTransport) -> None:
    sent = [("79990000001", "1"), ("79990000002", "2"), ("79990000003", "3"), ("79990000004", "4")]

    assert undelivered(client_for(fake), sent) == ["2", "4"]
    assert len(fake.requests) == 4


def test_a_passing_network_fault_is_retried_for_you(fake: FakeTransport) -> None:
    fake.script("79990000001", "1", ConnectionFailedError("connection reset"))

    assert undelivered(client_for(fake), [("79990000001", "1")]) == []
    assert len(fake.requests) == 2

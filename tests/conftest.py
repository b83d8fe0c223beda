"""Fixtures: a requests-mock service and a client wired to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests_mock

from smsc_soap import FakeTransport, InstantClock, StatusClient

from manual_clock import ManualClock
from soap_replies import PASSWORD

PHONE = "79991234567"


@pytest.fixture(autouse=True)
def own_state_directory(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test's commands keep their limits in a state directory of the test's own (the
    command line's default store is a SQLite file there), never in the user's."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
    monkeypatch.delenv("SMSC_LIMITS", raising=False)


@pytest.fixture
def service() -> Iterator[requests_mock.Mocker]:
    """Every HTTP request of the test goes to this mock; unregistered URLs fail loudly."""
    with requests_mock.Mocker() as mocker:
        yield mocker


@pytest.fixture
def client() -> Iterator[StatusClient]:
    with StatusClient("demo", PASSWORD, clock=InstantClock()) as status_client:
        yield status_client


@pytest.fixture
def clock() -> ManualClock:
    """Time that moves only when told to or slept on."""
    return ManualClock()


@pytest.fixture
def fake(clock: ManualClock) -> FakeTransport:
    """A fake service on ``clock`` that knows one delivered message, PHONE/1."""
    transport = FakeTransport(clock=clock)
    transport.add(PHONE, "1", status=1)
    return transport

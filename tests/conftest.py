"""Fixtures: a requests-mock service and a client wired to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests_mock

from smsc_soap import InstantClock, StatusClient

from soap_replies import PASSWORD


@pytest.fixture
def service() -> Iterator[requests_mock.Mocker]:
    """Every HTTP request of the test goes to this mock; unregistered URLs fail loudly."""
    with requests_mock.Mocker() as mocker:
        yield mocker


@pytest.fixture
def client() -> Iterator[StatusClient]:
    with StatusClient("demo", PASSWORD, clock=InstantClock()) as status_client:
        yield status_client

"""Fixtures: a requests-mock service and a client wired to it; a real Redis server; the
sandbox as the gateway's service, and a gateway asking it."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator

import pytest
import requests_mock

from smsc_soap import FakeTransport, InstantClock, StatusClient
from smsc_soap.gateway import Gateway
from smsc_soap.sandbox import Sandbox

from support.gateway_setup import CountingSandbox, start_gateway
from support.manual_clock import ManualClock
from support.soap_replies import PASSWORD

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


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a redis-server run for this session. Without one the Redis tests skip,
    except under CI (``CI=true``), which installs it: there a skip would hide them."""
    missing = None
    if shutil.which("redis-server") is None:
        missing = "redis-server is not installed (Debian: apt-get install redis-server)"
    elif importlib.util.find_spec("redis") is None:
        missing = "redis-py is not installed (pip install -e '.[test]')"
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}; under CI the Redis tests must run")
        pytest.skip(missing)
    from support.redis_server import running_redis

    with running_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The session's Redis server, emptied for this test."""
    import redis

    with redis.Redis.from_url(redis_server) as connection:
        connection.flushall()
    return redis_server


@pytest.fixture
def upstream() -> Iterator[tuple[CountingSandbox, Sandbox]]:
    """The sandbox (its limits on) as a gateway's service, counting what it answers."""
    app = CountingSandbox()
    with Sandbox(app) as sandbox:
        yield app, sandbox


@pytest.fixture
def gateway(upstream: tuple[CountingSandbox, Sandbox], clock: ManualClock) -> Iterator[Gateway]:
    """A gateway asking ``upstream`` over SOAP, its cache ageing by ``clock``."""
    with start_gateway(upstream[1], clock) as gateway:
        yield gateway

"""Fixtures: a requests-mock of the service (http_mock) and a client; a real Redis server; the
sandbox as the gateway's upstream, and a gateway asking it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest
import requests_mock
from hypothesis.configuration import set_hypothesis_home_dir

from smsc_soap import FakeTransport, InstantClock, StatusClient
from smsc_soap.gateway import Gateway
from smsc_soap.sandbox import Sandbox

from support.gateway_setup import CountingSandbox, start_gateway
from support.manual_clock import ManualClock
from support.required import missing, require_redis_py
from support.sandboxes import SandboxStarter
from support.soap_replies import PASSWORD

PHONE = "79991234567"


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis keeps what it learns in a temporary directory of the run's, not in the
    checkout: a test run leaves nothing there."""
    home = tempfile.mkdtemp(prefix="smsc-soap-hypothesis-")
    set_hypothesis_home_dir(home)
    config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))


@pytest.fixture(autouse=True)
def own_state_directory(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test's commands keep their limits in a state directory of the test's own (the
    command line's default store is a SQLite file there), never in the user's."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
    monkeypatch.delenv("SMSC_LIMITS", raising=False)


@pytest.fixture
def http_mock() -> Iterator[requests_mock.Mocker]:
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
    if shutil.which("redis-server") is None:
        missing("redis-server is not installed (Debian: apt-get install redis-server)")
    require_redis_py()
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
def start_sandbox() -> Iterator[SandboxStarter]:
    """Starts sandboxes for the test (``start_sandbox(messages, enforce_limits=False)``),
    each stopped when the test ends."""
    starter = SandboxStarter()
    yield starter
    starter.close()


@pytest.fixture
def sandbox(start_sandbox: SandboxStarter, request: pytest.FixtureRequest) -> Sandbox:
    """The sandbox the test module describes with ``pytest.mark.sandbox(messages, **options)``
    (the default book, its limits on, when it does not)."""
    marker = request.node.get_closest_marker("sandbox")
    if marker is None:
        return start_sandbox()
    return start_sandbox(*marker.args, **marker.kwargs)


@pytest.fixture
def upstream(start_sandbox: SandboxStarter) -> tuple[CountingSandbox, Sandbox]:
    """The sandbox (its limits on) as a gateway's service, counting what it answers."""
    app = CountingSandbox()
    return app, start_sandbox(app)


@pytest.fixture
def gateway(upstream: tuple[CountingSandbox, Sandbox], clock: ManualClock) -> Iterator[Gateway]:
    """A gateway asking ``upstream`` over SOAP, its cache ageing by ``clock``."""
    with start_gateway(upstream[1], clock) as gateway:
        yield gateway

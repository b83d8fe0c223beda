"""Network failures read as sentences: the address and the system's reason, no urllib3 pool or
retry wording, times rounded; a host name that does not resolve is not retried."""

from __future__ import annotations

import logging
import socket

import pytest
import urllib3
import urllib3.exceptions

from smsc_soap import (
    ConnectionFailedError,
    FakeTransport,
    InstantClock,
    RequestTimeoutError,
    RetryPolicy,
    StatusClient,
)
from smsc_soap.errors import HostNotFoundError
from smsc_soap.runtime.foreign_errors import Step, translated

from support.fault_server import FaultServer, never_answers

PHONE = "79991234567"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: nothing listens there


def test_a_refused_connection_names_the_address_and_the_reason() -> None:
    port = free_port()
    client = StatusClient(
        "demo",
        "secret",
        endpoint=f"http://127.0.0.1:{port}/sys/soap.php",
        allow_insecure_http=True,
        retry=RetryPolicy.disabled(),
    )

    with pytest.raises(ConnectionFailedError) as caught:
        client.get_status(PHONE, "1")

    assert str(caught.value) == (
        f"the connection to 127.0.0.1:{port} could not be made: connection refused"
    )


def test_a_read_timeout_names_the_address_and_the_time_allowed() -> None:
    with FaultServer([never_answers]) as server:
        address = server.url.split("/")[2]
        client = StatusClient(
            "demo",
            "secret",
            endpoint=server.url,
            allow_insecure_http=True,
            retry=RetryPolicy.disabled(),
            timeout=(2.0, 0.25),
        )
        with pytest.raises(RequestTimeoutError) as caught:
            client.get_status(PHONE, "1")

    assert str(caught.value) == f"{address} did not answer within 0.25 s"


def test_times_in_error_texts_are_rounded() -> None:
    pool = urllib3.HTTPConnectionPool("smsc.ru", 443)
    raised = urllib3.exceptions.ReadTimeoutError(
        pool, "/sys/soap.php", "Read timed out. (read timeout=28.431570043000022)"
    )

    assert str(translated(raised, Step.SEND)) == "smsc.ru:443 did not answer within 28.4 s"


def test_a_name_that_does_not_resolve_is_said_so_and_not_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_such_name(*_: object, **__: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    client = StatusClient("demo", "secret", host="smsc.kz", clock=InstantClock())

    with pytest.raises(HostNotFoundError) as caught:
        client.get_status(PHONE, "1")

    assert caught.value.attempts == 1
    assert str(caught.value) == (
        "smsc.kz could not be found: its name does not resolve (name or service not known)"
    )
    assert isinstance(caught.value, ConnectionFailedError)  # callers catching that still do


def test_each_request_is_logged_with_its_attempt_outcome_and_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeTransport()
    fake.add(PHONE, "1", status=1)
    fake.script(PHONE, "2", ConnectionFailedError("reset"))
    fake.add(PHONE, "2", status=20)
    client = StatusClient("demo", "secret", transport=fake, clock=InstantClock())

    with caplog.at_level(logging.DEBUG, logger="smsc_soap.client"):
        client.get_status(PHONE, "1")
        client.get_status(PHONE, "2", all=1)

    lines = [r.getMessage() for r in caplog.records if r.name == "smsc_soap.client"]
    assert [line.rsplit(" in ", 1)[0] for line in lines] == [
        "get_status id=1 attempt 1: status 1",
        "get_status id=2 attempt 1: ConnectionFailedError",
        "get_status id=2 attempt 2: status 20",
    ]
    assert all(line.endswith(" s") for line in lines)

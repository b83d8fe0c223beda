"""The backup host: tried when no connection to the main one can be made, never after a
request was sent; over real sockets on 127.0.0.1 (a closed port, a full listener, a server)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest
import requests
import requests_mock
import urllib3.exceptions

from smsc_soap import (
    ConnectionFailedError,
    HostNotFoundError,
    InstantClock,
    InvalidParametersError,
    RequestTimeoutError,
    RetryPolicy,
    StatusClient,
)
from smsc_soap.wire.options import WireOptions

from support.fault_server import FaultServer, never_answers, respond, truncated
from support.listeners import full_listener
from support.soap_replies import PASSWORD, soap_reply

PHONE = "79991234567"
REPLIES = {
    "soap": soap_reply([("status", "1"), ("last_timestamp", "1629048442"), ("err", "0")]),
    "http": b'{"status": 1, "last_timestamp": 1629048442, "err": 0}',
}


@pytest.fixture
def closed_port() -> str:
    """An address where nothing listens: the connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        host, port = probe.getsockname()
    return f"http://{host}:{port}/sys/soap.php"


@pytest.fixture
def full() -> Iterator[str]:
    """An address that takes no connection: connecting times out."""
    with full_listener() as address:
        yield address


def client_for(main: str, backup: str, transport: str, **options: object) -> StatusClient:
    return StatusClient(
        "demo",
        PASSWORD,
        endpoint=main,
        backup_hosts=(backup,),
        allow_insecure_http=True,
        transport=transport,
        clock=InstantClock(),
        **options,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("transport", ["soap", "http"])
def test_a_refused_connection_sends_the_request_to_the_backup(
    closed_port: str, transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="smsc_soap")
    with FaultServer([respond(REPLIES[transport])]) as backup:
        with client_for(closed_port, backup.url, transport) as client:
            status = client.get_status(PHONE, "1")
        sent = len(backup.requests)
        backup_host = backup.url.split("/")[2]

    assert status.is_delivered
    assert sent == 1
    assert f"{backup_host} answered in place of {closed_port.split('/')[2]}" in caplog.text
    assert PASSWORD not in caplog.text


@pytest.mark.parametrize("transport", ["soap", "http"])
def test_a_connect_timeout_sends_the_request_to_the_backup_within_the_deadline(
    full: str, transport: str
) -> None:
    with FaultServer([respond(REPLIES[transport])]) as backup:
        with client_for(full, backup.url, transport, timeout=(0.3, 2.0)) as client:
            status = client.get_status(PHONE, "1")
        sent = len(backup.requests)

    assert status.is_delivered
    assert sent == 1


@pytest.mark.slow
def test_the_backup_gets_only_the_time_the_call_has_left(full: str) -> None:
    with FaultServer([never_answers]) as backup:
        client = client_for(
            full,
            backup.url,
            "soap",
            timeout=(0.4, 5.0),
            deadline=0.8,
            retry=RetryPolicy.disabled(),
        )
        with client, pytest.raises(RequestTimeoutError) as caught:
            client.get_status(PHONE, "1")
        sent = len(backup.requests)

    assert sent == 1
    assert caught.value.attempts == 1


@pytest.mark.parametrize(
    "answer",
    [truncated(REPLIES["soap"], reset=True), never_answers],
    ids=["cut-short", "never-answers"],
)
def test_a_connection_that_took_the_request_never_sends_it_to_the_backup(
    closed_port: str, answer: object
) -> None:
    """The main host got the request: sending it elsewhere could ask twice."""
    with FaultServer([answer]) as main, FaultServer([respond(REPLIES["soap"])]) as backup:  # type: ignore[list-item]
        client = client_for(
            main.url, backup.url, "soap", timeout=(1.0, 0.3), retry=RetryPolicy.disabled()
        )
        with client, pytest.raises((ConnectionFailedError, RequestTimeoutError)):
            client.get_status(PHONE, "1")
        asked = (len(main.requests), len(backup.requests))

    assert asked == (1, 0)


def test_when_every_host_refuses_the_last_refusal_is_raised(closed_port: str) -> None:
    client = client_for(closed_port, closed_port, "soap", retry=RetryPolicy.disabled())
    with client, pytest.raises(ConnectionFailedError) as caught:
        client.get_status(PHONE, "1")

    assert caught.value.attempts == 1


def test_a_name_that_does_not_resolve_sends_the_request_to_the_backup(
    http_mock: requests_mock.Mocker,
) -> None:
    unresolved = urllib3.exceptions.NameResolutionError(
        "smsc.ru",
        None,  # type: ignore[arg-type]
        socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
    )
    failure = requests.ConnectionError(
        urllib3.exceptions.MaxRetryError(None, "/sys/soap.php", unresolved)  # type: ignore[arg-type]
    )
    http_mock.post("https://smsc.ru/sys/soap.php", exc=failure)
    http_mock.post("https://www2.smsc.ru/sys/soap.php", content=REPLIES["soap"])

    with StatusClient("demo", PASSWORD, clock=InstantClock()) as client:
        assert client.get_status(PHONE, "1").is_delivered

    assert [request.hostname for request in http_mock.request_history] == [
        "smsc.ru",
        "www2.smsc.ru",
    ]


def test_when_no_host_resolves_the_error_names_every_host_tried(
    http_mock: requests_mock.Mocker,
) -> None:
    def unresolved(host: str) -> requests.ConnectionError:
        reason = urllib3.exceptions.NameResolutionError(
            host,
            None,  # type: ignore[arg-type]
            socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
        )
        return requests.ConnectionError(
            urllib3.exceptions.MaxRetryError(None, "/sys/soap.php", reason)  # type: ignore[arg-type]
        )

    http_mock.post("https://smsc.ru/sys/soap.php", exc=unresolved("smsc.ru"))
    http_mock.post("https://www2.smsc.ru/sys/soap.php", exc=unresolved("www2.smsc.ru"))

    with (
        StatusClient("demo", PASSWORD, clock=InstantClock(), retry=RetryPolicy.disabled()) as c,
        pytest.raises(HostNotFoundError) as caught,
    ):
        c.get_status(PHONE, "1")

    told = str(caught.value)
    assert told.startswith("no host could be reached: ")
    assert told.index("'smsc.ru'") < told.index("; ") < told.index("'www2.smsc.ru'")


@pytest.mark.parametrize(
    ("options", "urls"),
    [
        ({}, ("https://smsc.ru/sys/soap.php", "https://www2.smsc.ru/sys/soap.php")),
        ({"host": "smsc.kz"}, ("https://smsc.kz/sys/soap.php",)),
        ({"endpoint": "https://proxy.example/soap"}, ("https://proxy.example/soap",)),
        ({"backup_hosts": ()}, ("https://smsc.ru/sys/soap.php",)),
        (
            {"host": "smsc.kz", "backup_hosts": ("mirror.example:8443", "https://b.example/x")},
            (
                "https://smsc.kz/sys/soap.php",
                "https://mirror.example:8443/sys/soap.php",
                "https://b.example/x",
            ),
        ),
        (
            {
                "endpoint": "http://127.0.0.1:1/s",
                "backup_hosts": ("http://127.0.0.1:2/s",),
                "allow_insecure_http": True,
            },
            ("http://127.0.0.1:1/s", "http://127.0.0.1:2/s"),
        ),
    ],
)
def test_which_hosts_are_tried_in_which_order(
    options: dict[str, object], urls: tuple[str, ...]
) -> None:
    assert WireOptions.of(options).urls("/sys/soap.php") == urls


@pytest.mark.parametrize(
    "backups",
    [("not a host",), ("http://127.0.0.1/plain",), ("ftp://mirror.example/",), ["www2.smsc.ru"]],
    ids=["not-a-name", "plain-http", "not-http", "a-list"],
)
def test_a_bad_backup_is_refused_naming_the_option(backups: object) -> None:
    with pytest.raises(InvalidParametersError, match="backup_hosts") as caught:
        StatusClient("demo", PASSWORD, backup_hosts=backups)  # type: ignore[arg-type]

    assert caught.value.option == "backup_hosts"

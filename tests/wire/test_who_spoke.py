"""Errors say who spoke: the service's answers and the client's own refusals read apart, and
``attempts`` counts the requests that were handed over to be sent, 0 for a refusal."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests_mock
from click.testing import CliRunner

from smsc_soap import (
    AuthenticationError,
    ConnectionFailedError,
    Credentials,
    FakeTransport,
    InstantClock,
    InvalidParametersError,
    RateLimitError,
    RetryPolicy,
    StatusClient,
    StatusRequest,
    UnsupportedOperationError,
)
from smsc_soap.cli import main
from smsc_soap.transports.base import Fields

from support.accepted import accepted_store
from support.soap_replies import ENDPOINT, PASSWORD, soap_reply

PHONE = "79991234567"
STATUS_URL = "https://smsc.ru/sys/status.php"


def test_the_service_answer_reads_as_the_service(http_mock: requests_mock.Mocker) -> None:
    http_mock.post(ENDPOINT, content=soap_reply([("error", "1")]))
    client = StatusClient("demo", PASSWORD, clock=InstantClock())

    with pytest.raises(InvalidParametersError) as caught:
        client.get_status(PHONE, "1")

    assert caught.value.from_service
    assert str(caught.value) == "SMSC error 1: Error in parameters."
    assert caught.value.attempts == 1


def test_a_refused_input_reads_as_the_client_and_sends_nothing(
    http_mock: requests_mock.Mocker,
) -> None:
    client = StatusClient("demo", PASSWORD, clock=InstantClock())

    with pytest.raises(InvalidParametersError) as caught:
        client.get_status("not a phone", "1")

    assert not caught.value.from_service
    assert not str(caught.value).startswith("SMSC error")
    assert "refused by the client; nothing was sent" in str(caught.value)
    assert caught.value.attempts == 0
    assert http_mock.call_count == 0


def test_a_lockout_refusal_reads_as_the_client_and_counts_no_attempt() -> None:
    fake = FakeTransport(password="right-password")
    fake.add(PHONE, "1")
    client = StatusClient("demo", PASSWORD, transport=fake, clock=InstantClock())

    with pytest.raises(AuthenticationError) as first:
        client.get_status(PHONE, "1")
    with pytest.raises(AuthenticationError) as second:
        client.get_status(PHONE, "1")

    assert first.value.from_service
    assert first.value.attempts == 1
    assert not second.value.from_service
    assert second.value.attempts == 0
    assert "nothing was sent" in str(second.value)
    assert len(fake.requests) == 1


def test_deletion_over_soap_counts_no_attempt() -> None:
    client = StatusClient("demo", PASSWORD)

    with pytest.raises(UnsupportedOperationError) as caught:
        client.delete(PHONE, "1")

    assert caught.value.attempts == 0


def test_a_retried_failure_counts_every_attempt(http_mock: requests_mock.Mocker) -> None:
    http_mock.post(ENDPOINT, status_code=503, text="busy")
    client = StatusClient("demo", PASSWORD, clock=InstantClock())

    with pytest.raises(Exception) as caught:  # noqa: PT011 - the count is what is checked
        client.get_status(PHONE, "1")

    assert caught.value.attempts == 4  # type: ignore[attr-defined]
    assert http_mock.call_count == 4
    assert str(caught.value).endswith("(after 4 attempts)")


class Blocked:
    """A transport whose every request waits until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Semaphore(0)

    def fetch(self, credentials: Credentials, request: StatusRequest, *, timeout: float) -> Fields:
        self.entered.release()
        self.release.wait(timeout=10)
        return {"status": "1", "err": "0"}

    def close(self) -> None:
        self.release.set()


@pytest.fixture
def blocked() -> Iterator[Blocked]:
    transport = Blocked()
    yield transport
    transport.release.set()


def hold_every_place(client: StatusClient, blocked: Blocked) -> list[threading.Thread]:
    """Four lookups, each held in flight by ``blocked``: every place the client has."""
    holders = [
        threading.Thread(target=client.get_status, args=(PHONE, str(n)), daemon=True)
        for n in range(4)
    ]
    for holder in holders:
        holder.start()
    for _ in holders:
        assert blocked.entered.acquire(timeout=10)
    return holders


def test_with_an_instant_clock_the_wait_for_an_in_flight_place_is_instant(
    blocked: Blocked,
) -> None:
    """Four requests that never end hold every place: a fifth reaches its deadline at once,
    not after the two minutes of real time its deadline would take."""
    clock = InstantClock()
    client = StatusClient("demo", PASSWORD, transport=blocked, clock=clock, limits=accepted_store())
    holders = hold_every_place(client, blocked)

    started = time.monotonic()
    with pytest.raises(RateLimitError, match="in flight") as caught:
        client.get_status(PHONE, "5")

    assert time.monotonic() - started < 5
    assert caught.value.attempts == 0
    assert clock.slept >= 119
    blocked.release.set()
    for holder in holders:
        holder.join(timeout=10)


def test_with_an_instant_clock_a_place_freed_in_time_is_taken(blocked: Blocked) -> None:
    client = StatusClient(
        "demo", PASSWORD, transport=blocked, clock=InstantClock(grace=5), limits=accepted_store()
    )
    hold_every_place(client, blocked)
    threading.Timer(0.2, blocked.release.set).start()

    assert client.get_status(PHONE, "5").is_delivered


def test_each_item_of_a_failed_mass_group_has_its_own_error(
    http_mock: requests_mock.Mocker,
) -> None:
    http_mock.post(STATUS_URL, status_code=502, text="bad gateway")
    client = StatusClient(
        "demo", PASSWORD, transport="http", clock=InstantClock(), retry=RetryPolicy.disabled()
    )

    results = list(client.get_statuses([(PHONE, "1"), (PHONE, "2"), (PHONE, "3")]))

    errors = [result.error for result in results]
    assert all(error is not None for error in errors)
    assert len({id(error) for error in errors}) == 3
    assert {type(error).__name__ for error in errors} == {"HTTPStatusError"}
    assert {error.attempts for error in errors if error is not None} == {1}


def test_mass_results_are_never_credited_to_another_phone(http_mock: requests_mock.Mocker) -> None:
    """Two messages with one id on two phones; the reply writes phones without '+'."""
    http_mock.post(
        STATUS_URL,
        json=[
            {"id": "7", "phone": "79990000001", "status": 1, "last_timestamp": 1629048442},
            {"id": "7", "phone": "79990000002", "status": 20, "last_timestamp": 1629048442},
        ],
    )
    client = StatusClient("demo", PASSWORD, transport="http", clock=InstantClock())

    first, second = client.get_statuses([("+79990000001", "7"), ("+79990000002", "7")])

    assert first.status is not None
    assert int(first.status.status) == 1
    assert second.status is not None
    assert int(second.status.status) == 20


def test_a_mass_item_without_a_phone_is_matched_only_when_its_id_is_unique(
    http_mock: requests_mock.Mocker,
) -> None:
    http_mock.post(STATUS_URL, json=[{"id": "7", "status": 1, "last_timestamp": 1629048442}])
    client = StatusClient("demo", PASSWORD, transport="http", clock=InstantClock())

    first, second = client.get_statuses([("79990000001", "7"), ("79990000002", "7")])

    assert first.error is not None
    assert second.error is not None
    assert "surely" in str(first.error)


def test_a_connection_failure_is_not_an_api_error(http_mock: requests_mock.Mocker) -> None:
    http_mock.post(ENDPOINT, exc=ConnectionResetError(104, "reset"))
    client = StatusClient("demo", PASSWORD, clock=InstantClock())

    with pytest.raises(ConnectionFailedError, match="reset"):
        client.get_status(PHONE, "1")


def test_the_command_line_names_flags_not_keyword_arguments() -> None:
    result = CliRunner().invoke(
        main,
        [
            "status",
            PHONE,
            "1",
            "--login",
            "demo",
            "--endpoint",
            "http://127.0.0.1:9/sys/soap.php",
            "--env-file",
            "/dev/null",
        ],
        env={"SMSC_PASSWORD": PASSWORD},
    )

    assert result.exit_code == 2
    assert "--insecure-http" in result.output
    assert "allow_insecure_http" not in result.output
    assert "--endpoint" in result.output
    assert PASSWORD not in result.output

"""What is retried, how long the client waits in between, and when it gives up."""

from __future__ import annotations

import logging

import pytest
import requests_mock

from smsc_soap import (
    AuthenticationError,
    ConnectionFailedError,
    DeleteError,
    FakeTransport,
    HTTPStatusError,
    InvalidParametersError,
    IPBlockedError,
    MalformedResponseError,
    MessageNotFoundError,
    RateLimitError,
    RequestTimeoutError,
    RetryPolicy,
    SmscError,
    SoapFaultError,
    StatusClient,
    StatusCode,
    TLSError,
)

from support.manual_clock import ManualClock
from support.soap_replies import ENDPOINT, PASSWORD, soap_fault

PHONE = "79991234567"


def fake_client(fake: FakeTransport, clock: ManualClock, **options: object) -> StatusClient:
    return StatusClient("demo", PASSWORD, transport=fake, clock=clock, **options)  # type: ignore[arg-type]


DEFAULT_DEADLINE = 120.0  # the README's promise for one call, retries and waits included

RETRIED: list[SmscError] = [
    RequestTimeoutError("read timed out"),
    ConnectionFailedError("connection reset by peer"),
    *(HTTPStatusError(code, "busy") for code in (408, 429, 500, 502, 503, 504)),
    SoapFaultError("SOAP-ENV:Server", "database is down"),
    SoapFaultError("soap:Server.Busy", "try later"),
]
NOT_RETRIED: list[SmscError] = [
    TLSError("certificate verify failed"),
    HTTPStatusError(400, "bad request"),
    HTTPStatusError(302, "moved"),
    HTTPStatusError(404, "not found"),
    HTTPStatusError(503, "maintenance", retry_after=3600),
    SoapFaultError("SOAP-ENV:Client", "bad envelope"),
    MalformedResponseError("not XML"),
]


@pytest.mark.parametrize("error", RETRIED, ids=repr)
def test_what_can_succeed_next_time_is_retried(
    fake: FakeTransport, clock: ManualClock, error: SmscError
) -> None:
    fake.script(PHONE, "1", error, error)

    status = fake_client(fake, clock).get_status(PHONE, "1")

    assert status.status is StatusCode.DELIVERED
    assert len(fake.requests) == 3


@pytest.mark.parametrize("error", NOT_RETRIED, ids=repr)
def test_what_cannot_succeed_next_time_is_not_retried(
    fake: FakeTransport, clock: ManualClock, error: SmscError
) -> None:
    fake.script(PHONE, "1", error)

    with pytest.raises(type(error)) as caught:
        fake_client(fake, clock).get_status(PHONE, "1")

    assert caught.value is error
    assert caught.value.attempts == 1
    assert len(fake.requests) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("code", "raised"),
    [
        (1, InvalidParametersError),
        (2, AuthenticationError),
        (3, MessageNotFoundError),
        (4, IPBlockedError),
        (5, DeleteError),
    ],
)
def test_service_errors_other_than_9_are_never_retried(
    fake: FakeTransport, clock: ManualClock, code: int, raised: type[SmscError]
) -> None:
    fake.script(PHONE, "1", code)

    with pytest.raises(raised) as caught:
        fake_client(fake, clock).get_status(PHONE, "1")

    assert caught.value.attempts == 1
    assert len(fake.requests) == 1


def test_error_9_waits_a_minute_before_the_next_attempt(
    fake: FakeTransport, clock: ManualClock
) -> None:
    fake.script(PHONE, "1", 9)

    status = fake_client(fake, clock).get_status(PHONE, "1")

    assert status.status is StatusCode.DELIVERED
    assert clock.sleeps == [60.0]


def test_the_final_error_is_the_typed_one_with_the_attempt_count(
    fake: FakeTransport, clock: ManualClock
) -> None:
    fake.script(PHONE, "1", *(ConnectionFailedError(f"reset {n}") for n in range(10)))

    with pytest.raises(ConnectionFailedError, match="reset 3") as caught:
        fake_client(fake, clock).get_status(PHONE, "1")

    assert caught.value.attempts == 4
    assert "after 4 attempts" in str(caught.value)
    assert len(fake.requests) == 4


def test_back_off_is_jittered_exponential_within_its_caps(
    fake: FakeTransport, clock: ManualClock
) -> None:
    # Five attempts: a sixth lookup of one message within a minute would wait for the limit.
    policy = RetryPolicy(attempts=5, backoff_initial=0.5, backoff_max=2.0)
    fake.script(PHONE, "1", *(RequestTimeoutError("slow") for _ in range(4)))

    fake_client(fake, clock, retry=policy).get_status(PHONE, "1")

    caps = [0.5, 1.0, 2.0, 2.0]
    assert len(clock.sleeps) == 4
    assert all(0 <= wait <= cap for wait, cap in zip(clock.sleeps, caps, strict=True))
    assert len(set(clock.sleeps)) > 1  # jittered, not a fixed schedule


def test_retry_after_is_honoured_and_a_longer_one_ends_the_call(
    fake: FakeTransport, clock: ManualClock
) -> None:
    fake.script(PHONE, "1", HTTPStatusError(503, "busy", retry_after=7))
    fake_client(fake, clock).get_status(PHONE, "1")
    assert clock.sleeps == [7]

    fake.script(PHONE, "1", HTTPStatusError(429, "slow down", retry_after=31))
    with pytest.raises(HTTPStatusError) as caught:
        fake_client(fake, clock).get_status(PHONE, "1")
    assert caught.value.retry_after == 31
    assert clock.sleeps == [7]


def test_a_disabled_policy_sends_once(fake: FakeTransport, clock: ManualClock) -> None:
    fake.script(PHONE, "1", RequestTimeoutError("slow"))

    with pytest.raises(RequestTimeoutError):
        fake_client(fake, clock, retry=RetryPolicy.disabled()).get_status(PHONE, "1")

    assert len(fake.requests) == 1


def test_policy_values_are_checked() -> None:
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError, match="backof"):
        RetryPolicy(backof_initial=1)  # type: ignore[call-arg]


def test_each_retry_is_a_warning_with_attempt_delay_and_cause(
    fake: FakeTransport, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    fake.script(PHONE, "1", 9)

    fake_client(fake, clock).get_status(PHONE, "1")

    [record] = [r for r in caplog.records if r.name == "smsc_soap.calls.retries"]
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith(
        "get_status id=1: attempt 1 of 4 failed (RateLimitError: SMSC error 9:"
    )
    assert record.getMessage().endswith("retrying in 60.00 s")


def test_no_retry_starts_that_would_end_after_the_deadline(
    fake: FakeTransport, clock: ManualClock
) -> None:
    fake.script(PHONE, "1", 9, 9)

    with pytest.raises(RateLimitError) as caught:
        fake_client(fake, clock, deadline=90).get_status(PHONE, "1")

    assert caught.value.attempts == 2  # one wait of 60 s fits in 90 s, a second does not
    assert clock.sleeps == [60.0]


def test_worst_case_duration_with_the_default_policy(clock: ManualClock) -> None:
    """The README's promise: no call takes longer than the deadline, 120 s by default."""
    started = clock.monotonic()
    never_answers = FakeTransport(clock=clock, delay=10_000)  # every request times out
    client = StatusClient("demo", PASSWORD, transport=never_answers, clock=clock)

    with pytest.raises(RequestTimeoutError) as caught:
        client.get_status(PHONE, "1")

    assert clock.monotonic() - started <= DEFAULT_DEADLINE
    assert caught.value.attempts == len(never_answers.requests) >= 1


def test_the_deadline_holds_whatever_the_policy_allows(clock: ManualClock) -> None:
    slow = FakeTransport(clock=clock, delay=29.9)  # under the read timeout, every time
    slow.script(PHONE, "1", *RETRIED, 9, *RETRIED, 9)
    client = StatusClient(
        "demo", PASSWORD, transport=slow, clock=clock, retry=RetryPolicy(attempts=100)
    )
    started = clock.monotonic()

    with pytest.raises(SmscError):
        client.get_status(PHONE, "1")

    assert clock.monotonic() - started <= DEFAULT_DEADLINE
    assert 1 < len(slow.requests) < 100


def test_no_urllib3_retries_underneath() -> None:
    with StatusClient("demo", PASSWORD) as client:
        session = client._transport._wire.session  # type: ignore[attr-defined]
        for url in ("https://smsc.ru/sys/soap.php", "http://127.0.0.1/sys/soap.php"):
            retries = session.get_adapter(url).max_retries
            assert (retries.total, retries.connect, retries.read) == (0, None, False)


def test_a_server_fault_over_http_500_is_retried(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    http_mock.post(
        ENDPOINT,
        [
            {"status_code": 500, "content": soap_fault("SOAP-ENV:Server", "busy")},
            {"status_code": 200, "content": b""},
        ],
    )

    with pytest.raises(MalformedResponseError) as caught:
        client.get_status(PHONE, "1")

    assert caught.value.attempts == 2

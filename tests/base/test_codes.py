"""Every documented status and delivery-error code, read through the client from a SOAP reply."""

from __future__ import annotations

import pytest
import requests_mock

from smsc_soap import EmailError, MessageType, Outcome, SmsError, StatusClient, StatusCode

from support.soap_replies import reply_with

# The tables of the service's status page, as (code, name) pairs.
DOCUMENTED_STATUSES = {
    -3: "Message not found",
    -2: "Stopped",
    -1: "Waiting send",
    0: "Transferred to the operator",
    1: "Delivered",
    2: "Read",
    3: "Expired",
    4: "Click on link",
    20: "Unable to deliver",
    22: "Wrong number",
    23: "Banned",
    24: "Insufficient funds",
    25: "Unavailable number",
}
DOCUMENTED_SMS_ERRORS = [0, 1, 6, 11, 12, 13, 21, 200, 219, 220, *range(237, 256)]
DOCUMENTED_EMAIL_ERRORS = [0, 1, 2, 3, 4, 239, 245, 248, 249, 252, 253, 254, 255]

PENDING = {-2, -1, 0}
DELIVERED = {1, 2, 4}
FAILED = {3, 20, 22, 23, 24, 25}
OUTCOMES = {-3: "not_found"} | dict.fromkeys(PENDING, "pending")
OUTCOMES |= dict.fromkeys(DELIVERED, "delivered") | dict.fromkeys(FAILED, "failed")


def test_the_enums_hold_exactly_the_documented_codes() -> None:
    assert {code.value: code.label for code in StatusCode} == DOCUMENTED_STATUSES
    assert sorted(SmsError) == DOCUMENTED_SMS_ERRORS
    assert sorted(EmailError) == DOCUMENTED_EMAIL_ERRORS
    assert all(code.description for code in StatusCode)
    assert all(code.label for code in [*SmsError, *EmailError])


@pytest.mark.parametrize("code", sorted(DOCUMENTED_STATUSES))
def test_every_documented_status(
    http_mock: requests_mock.Mocker, client: StatusClient, code: int
) -> None:
    reply_with(
        http_mock, [("status", str(code)), ("last_date", "15.08.2021 20:27:22"), ("err", "0")]
    )

    result = client.get_status("79991234567", "854019")

    assert result.status == code
    assert result.status is StatusCode(code)
    assert result.is_pending == (code in PENDING)
    assert result.is_delivered == (code in DELIVERED)
    assert result.is_failed == (code in FAILED)
    assert result.is_final == (code not in PENDING)
    assert result.outcome.value == OUTCOMES[code]


@pytest.mark.parametrize("code", DOCUMENTED_SMS_ERRORS)
def test_every_documented_sms_error(
    http_mock: requests_mock.Mocker, client: StatusClient, code: int
) -> None:
    reply_with(http_mock, [("status", "20"), ("err", str(code))])

    result = client.get_status("79991234567", "1")

    assert result.err is SmsError(code)


@pytest.mark.parametrize("code", DOCUMENTED_EMAIL_ERRORS)
def test_every_documented_email_error(
    http_mock: requests_mock.Mocker, client: StatusClient, code: int
) -> None:
    reply_with(http_mock, [("status", "20"), ("err", str(code)), ("type", "8")])

    result = client.get_status("79991234567", "1", all=1)

    assert result.err is EmailError(code)
    assert result.message_type is MessageType.EMAIL


def test_email_table_chosen_by_the_flag_or_the_address(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    reply_with(http_mock, [("status", "20"), ("err", "2"), ("flag", "8")])
    assert client.get_status("79991234567", "1").err is EmailError.INBOX_FULL

    reply_with(http_mock, [("status", "20"), ("err", "3")])
    assert client.get_status("user@example.com", "1").err is EmailError.RECIPIENT_SERVER_NOT_FOUND


@pytest.mark.parametrize(("field", "value"), [("status", "7"), ("err", "999")])
def test_undocumented_codes_are_kept_as_numbers(
    http_mock: requests_mock.Mocker, client: StatusClient, field: str, value: str
) -> None:
    fields = {"status": "1", "err": "0", field: value}
    reply_with(http_mock, list(fields.items()))

    result = client.get_status("79991234567", "1")

    kept = getattr(result, field)
    assert type(kept) is int
    assert kept == int(value)
    if field == "status":
        assert result.outcome is Outcome.UNKNOWN
        assert not result.is_final
        assert not result.is_pending
        assert not result.is_delivered

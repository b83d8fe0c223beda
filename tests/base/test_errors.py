"""Error codes, faults and transport failures become the typed errors of one tree."""

from __future__ import annotations

import logging

import pytest
import requests
import requests_mock

import smsc_soap
from smsc_soap import (
    ApiError,
    AuthenticationError,
    ConnectionFailedError,
    DeleteError,
    HTTPStatusError,
    InvalidParametersError,
    IPBlockedError,
    MessageNotFoundError,
    RateLimitError,
    RequestTimeoutError,
    SmscError,
    SoapFaultError,
    StatusClient,
    TransportError,
)

from support.soap_replies import PASSWORD, reply_with, soap_fault

ENDPOINT = "https://smsc.ru/sys/soap.php"
BACKUP_ENDPOINT = "https://www2.smsc.ru/sys/soap.php"


@pytest.mark.parametrize(
    ("code", "error_class"),
    [
        (1, InvalidParametersError),
        (2, AuthenticationError),
        (3, MessageNotFoundError),
        (4, IPBlockedError),
        (5, DeleteError),
        (9, RateLimitError),
    ],
)
def test_each_documented_error_code(
    http_mock: requests_mock.Mocker,
    client: StatusClient,
    code: int,
    error_class: type[ApiError],
) -> None:
    reply_with(http_mock, [("error", str(code))])

    with pytest.raises(error_class) as caught:
        client.get_status("79991234567", "1")

    assert type(caught.value) is error_class
    assert caught.value.code == code
    assert caught.value.description
    assert caught.value.description in str(caught.value)
    assert isinstance(caught.value, SmscError)


def test_an_undocumented_error_code_is_an_api_error_with_its_code(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    reply_with(http_mock, [("error", "7")])

    with pytest.raises(ApiError) as caught:
        client.get_status("79991234567", "1")

    assert type(caught.value) is ApiError
    assert caught.value.code == 7
    assert "7" in str(caught.value)


def test_error_wins_over_a_status_in_the_same_reply(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    reply_with(http_mock, [("status", "1"), ("error", "9")])

    with pytest.raises(RateLimitError):
        client.get_status("79991234567", "1")


def test_invalid_parameters_is_also_a_value_error() -> None:
    assert issubclass(InvalidParametersError, ValueError)


def test_a_soap_fault_is_typed_and_never_echoes_the_password(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    echo = f"bad request login=demo psw={PASSWORD}"
    http_mock.post(ENDPOINT, status_code=500, content=soap_fault("SOAP-ENV:Server", echo, echo))

    with pytest.raises(SoapFaultError) as caught:
        client.get_status("79991234567", "1")

    fault = caught.value
    assert fault.faultcode == "SOAP-ENV:Server"
    assert fault.faultstring == "bad request login=demo psw=[redacted]"
    assert fault.detail == "bad request login=demo psw=[redacted]"
    assert PASSWORD not in str(fault)


def test_a_fault_in_a_200_reply_is_a_fault(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    http_mock.post(ENDPOINT, content=soap_fault("SOAP-ENV:Client", "no such operation"))

    with pytest.raises(SoapFaultError, match="no such operation"):
        client.get_status("79991234567", "1")


@pytest.mark.parametrize("status_code", [302, 404, 500, 502, 503])
def test_an_http_error_page_is_an_http_status_error(
    http_mock: requests_mock.Mocker, client: StatusClient, status_code: int
) -> None:
    page = f"<html><body>Error {status_code} for psw={PASSWORD}</body></html>" + "x" * 5000
    http_mock.post(ENDPOINT, status_code=status_code, text=page, headers={"Location": "http://x/"})

    with pytest.raises(HTTPStatusError) as caught:
        client.get_status("79991234567", "1")

    assert caught.value.status_code == status_code
    # the password taken out, then the first 2,048 characters kept
    assert caught.value.body == page.replace(PASSWORD, "[redacted]")[:2048]
    assert PASSWORD not in str(caught.value)
    # a redirect is not followed (the password is in the body); 5xx is retried
    attempts = 4 if status_code >= 500 else 1
    assert http_mock.call_count == caught.value.attempts == attempts


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (requests.ConnectTimeout, RequestTimeoutError),
        (requests.ReadTimeout, RequestTimeoutError),
        (requests.ConnectionError, ConnectionFailedError),
        (requests.exceptions.ChunkedEncodingError, ConnectionFailedError),
        (requests.exceptions.SSLError, ConnectionFailedError),
        (requests.exceptions.TooManyRedirects, TransportError),
    ],
)
def test_requests_failures_are_translated(
    http_mock: requests_mock.Mocker,
    client: StatusClient,
    raised: type[Exception],
    expected: type[TransportError],
) -> None:
    # A connect timeout at smsc.ru sends the request to its backup host: it fails there too.
    for url in (ENDPOINT, BACKUP_ENDPOINT):
        http_mock.post(url, exc=raised("boom"))

    with pytest.raises(expected) as caught:
        client.get_status("79991234567", "1")

    assert isinstance(caught.value.__cause__, raised)


def test_the_password_is_in_no_repr_error_or_log(
    http_mock: requests_mock.Mocker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reply_with(http_mock, [("error", "2")])
    with StatusClient("demo", PASSWORD) as client:
        with pytest.raises(AuthenticationError) as caught:
            client.get_status("79991234567", "1")
        texts = [repr(client), str(caught.value), repr(caught.value), caplog.text]

    assert http_mock.last_request is not None
    assert PASSWORD in http_mock.last_request.text  # it was sent ...
    assert "POST https://smsc.ru/sys/soap.php" in caplog.text  # ... and the envelope logged
    assert "<psw>[redacted]</psw>" in caplog.text
    for text in texts:
        assert PASSWORD not in text


def test_the_tree_is_drawn_in_the_errors_module() -> None:
    tree = smsc_soap.errors.__doc__ or ""
    for name in smsc_soap.errors.__all__:
        if name != "api_error":
            assert name in tree, name
